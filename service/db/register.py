"""The register of issued documents (sổ đăng ký văn bản đi): the numbering sequences and one
row per issued document.

A number is taken from its sequence (``register_sequences``: scope and year → the last
number given) in the same transaction that inserts the document's row, so a number that is
not committed was never taken: no gap, and the unique ``(scope, year, number)`` makes a
duplicate impossible. Rows are never deleted or edited; a voided document keeps its number,
with the reason, who and when.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from service.db.base import Base, UTCDateTime


class RegisterSequence(Base):
    """The last number given in one sequence (its scope, one calendar year)."""

    __tablename__ = "register_sequences"

    scope: Mapped[str] = mapped_column(String(200), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class IssuedDocument(Base):
    """One issued document: its number, what it says, who issued it, its stored files."""

    __tablename__ = "issued_documents"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # random hex
    document_type: Mapped[str] = mapped_column(String(64), index=True)
    scope: Mapped[str] = mapped_column(String(200))
    year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    number_text: Mapped[str] = mapped_column(String(16))   # "05": Decree 30's printing
    symbol: Mapped[str] = mapped_column(String(100))       # "QĐ-SGDĐT"
    date: Mapped[date] = mapped_column(Date)
    summary: Mapped[str] = mapped_column(Text)
    summary_key: Mapped[str] = mapped_column(Text)         # folded, for the search
    issuer_name: Mapped[str] = mapped_column(String(200))
    signer_name: Mapped[str] = mapped_column(String(200))
    signer_position: Mapped[str] = mapped_column(String(300))
    recipients: Mapped[str] = mapped_column(Text)          # JSON list of strings
    payload: Mapped[str] = mapped_column(Text)             # the issued payload (JSON), numbered
    issued_by: Mapped[str] = mapped_column(String(200))    # Principal.owner
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    idempotency_scope: Mapped[str] = mapped_column(String(200), default="")
    idempotency_key: Mapped[str | None] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    docx_sha256: Mapped[str | None] = mapped_column(String(64))
    pdf_file: Mapped[str | None] = mapped_column(String(200))
    docx_file: Mapped[str | None] = mapped_column(String(200))
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    void_reason: Mapped[str | None] = mapped_column(Text)
    voided_by: Mapped[str | None] = mapped_column(String(200))
    # the public page's code (service.register.verification): XXXX-XXXX-XXXX-XXXX
    verification_code: Mapped[str | None] = mapped_column(String(32))

    __table_args__ = (
        UniqueConstraint("scope", "year", "number", name="uq_issued_documents_number"),
        UniqueConstraint("idempotency_scope", "idempotency_key",
                         name="uq_issued_documents_idempotency"),
        Index("ix_issued_documents_year_number", "year", "number"),
        Index("ix_issued_documents_verification_code", "verification_code", unique=True),
    )
