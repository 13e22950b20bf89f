"""The register's search as one SQL statement (filters → ``SELECT … ORDER BY``)."""

from __future__ import annotations

from sqlalchemy import Select, select

from service.db.register import IssuedDocument as Row
from service.register.views import Filters
from service.vn.fold import fold_key


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_statement(filters: Filters) -> Select:
    """Every given filter holds; the text is looked for in the folded summary (with or
    without diacritics)."""
    statement = select(Row)
    exact = {Row.number: filters.number, Row.year: filters.year,
             Row.document_type: filters.document_type, Row.scope: filters.scope}
    for column, value in exact.items():
        if value is not None:
            statement = statement.where(column == value)
    if filters.text:
        needle = f"%{_escape_like(fold_key(filters.text))}%"
        statement = statement.where(Row.summary_key.like(needle, escape="\\"))
    if filters.voided is not None:
        statement = statement.where(Row.voided_at.is_not(None) if filters.voided
                                    else Row.voided_at.is_(None))
    if filters.oldest_first:
        return statement.order_by(Row.year, Row.scope, Row.number)
    return statement.order_by(Row.issued_at.desc(), Row.id.desc())
