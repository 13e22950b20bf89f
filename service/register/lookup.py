"""Read-only look-ups of the register: which issued document a file is (by its SHA-256)."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from service.db.register import IssuedDocument
from service.register.views import IssuedView, issued_view


def by_sha256(engine: Engine, digest: str) -> tuple[IssuedView, str] | None:
    """The issued document whose stored PDF or DOCX has SHA-256 ``digest`` (hex), with the
    format that matched; None when no stored file has it."""
    digest = digest.lower()
    with Session(engine) as session:
        row = session.scalar(select(IssuedDocument).where(or_(
            IssuedDocument.pdf_sha256 == digest, IssuedDocument.docx_sha256 == digest)).limit(1))
        if row is None:
            return None
        return issued_view(row), "pdf" if row.pdf_sha256 == digest else "docx"
