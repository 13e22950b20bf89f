"""The number the next issue would take: read-only, nothing reserved.

The page's "Ban hành" dialog tells the clerk the number and date a draft will get before it is
issued. Nothing is taken: another clerk issuing first makes this draft take the next number,
and the dialog says so. Two readings:

* :func:`preview_draft`: a whole draft, validated as issuing would validate it (the same
  refusals, the date today when it has none), with its exact symbol (``07/QĐ-UBND``);
* :func:`preview_sequence`: a sequence named by its type, agency and date (no symbol: that
  needs the draft).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select

from service import rendering
from service.db.register import RegisterSequence
from service.register.errors import NotIssuable
from service.register.numbering import number_text, sequence_scope
from service.register.store import RegisterStore, is_issuable
from service.registry import DocumentType


@dataclass(frozen=True)
class NumberPreview:
    """What the next issue of a sequence would most likely take."""

    number: int
    year: int
    sequence: str
    date: date | None = None
    symbol: str | None = None

    @property
    def number_text(self) -> str:
        return number_text(self.number)

    @property
    def number_symbol(self) -> str | None:
        return f"{self.number_text}/{self.symbol}" if self.symbol else None


def _next(store: RegisterStore, scope: str, year: int) -> int:
    with store.engine.connect() as conn:
        last = conn.scalar(select(RegisterSequence.last_number).where(
            RegisterSequence.scope == scope, RegisterSequence.year == year))
    return int(last or 0) + 1


def preview_draft(store: RegisterStore, doc_type: DocumentType, payload: Any) -> NumberPreview:
    """The number, symbol and date ``payload`` would be issued with now.

    :raises NotIssuable, InvalidPayload: as :meth:`RegisterStore.issue` would.
    """
    draft = store._draft(doc_type, payload)  # the issue's own rules (number empty, today)
    prepared = rendering.validate(doc_type, draft)
    day: date = prepared["date"]
    scope = sequence_scope(store.sequence, doc_type.id, prepared)
    return NumberPreview(_next(store, scope, day.year), day.year, scope, day,
                         prepared.context["symbol"])


def preview_sequence(store: RegisterStore, doc_type: DocumentType, agency: str,
                     day: date | None = None) -> NumberPreview:
    """The next number of the sequence of ``agency`` (the issuer's abbreviation) for a
    document of ``doc_type`` dated ``day`` (today in Việt Nam when not given).

    :raises NotIssuable: the type has no number of its own.
    """
    if not is_issuable(doc_type):
        raise NotIssuable(doc_type.id)
    day = day or store.today()
    scope = sequence_scope(store.sequence, doc_type.id, {"issuer": {"abbreviation": agency}})
    return NumberPreview(_next(store, scope, day.year), day.year, scope, day)
