"""What the register hands out: immutable views of its rows, the search filters, a page."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from service.db.register import IssuedDocument


@dataclass(frozen=True)
class IssuedView:
    """One issued document as the register records it."""

    id: str
    document_type: str
    scope: str
    year: int
    number: int
    number_text: str          # "05"
    symbol: str               # "QĐ-SGDĐT"
    date: date
    summary: str
    issuer_name: str
    signer_name: str
    signer_position: str
    recipients: tuple[str, ...]
    issued_by: str
    issued_at: datetime
    sha256: dict[str, str | None]      # {"pdf": …, "docx": …}
    files: dict[str, str | None]       # stored names under DATA_DIR/register
    voided_at: datetime | None = None
    void_reason: str | None = None
    voided_by: str | None = None
    replayed: bool = False             # returned for a retried idempotency key
    verification_code: str | None = None   # the public page's code (XXXX-XXXX-XXXX-XXXX)

    @property
    def number_symbol(self) -> str:
        """``05/QĐ-SGDĐT``: the number as printed on the document."""
        return f"{self.number_text}/{self.symbol}"

    @property
    def voided(self) -> bool:
        return self.voided_at is not None


def issued_view(row: IssuedDocument) -> IssuedView:
    return IssuedView(
        id=row.id, document_type=row.document_type, scope=row.scope, year=row.year,
        number=row.number, number_text=row.number_text, symbol=row.symbol, date=row.date,
        summary=row.summary, issuer_name=row.issuer_name, signer_name=row.signer_name,
        signer_position=row.signer_position, recipients=tuple(json.loads(row.recipients)),
        issued_by=row.issued_by, issued_at=row.issued_at,
        sha256={"pdf": row.pdf_sha256, "docx": row.docx_sha256},
        files={"pdf": row.pdf_file, "docx": row.docx_file},
        voided_at=row.voided_at, void_reason=row.void_reason, voided_by=row.voided_by,
        verification_code=row.verification_code)


@dataclass(frozen=True)
class Filters:
    """A search of the register; every given filter must hold."""

    number: int | None = None
    year: int | None = None
    document_type: str | None = None
    text: str | None = None        # in the summary, with or without diacritics
    scope: str | None = None
    voided: bool | None = None     # None: both
    limit: int = 50
    offset: int = 0
    oldest_first: bool = False     # the printed register reads in number order


@dataclass(frozen=True)
class Page:
    """One page of a search: its items and how many match in all."""

    items: list[IssuedView]
    total: int
    limit: int
    offset: int
    extra: dict[str, Any] = field(default_factory=dict)
