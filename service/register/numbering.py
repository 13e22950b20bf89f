"""Decree 30 numbering: the sequence a document takes its number from, and taking it.

A sequence is the agency (the issuer's abbreviation) and the calendar year of the document's
date, and, with ``REGISTER_SEQUENCE=per_type``, the document type: numbers run from 01 on
1 January to 31 December (Nghị định 30/2020/NĐ-CP, Điều 15: "số thứ tự văn bản được đăng ký
tại Văn thư cơ quan … trong một năm", printed with a leading 0 below 10).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, text

from service.vn.symbols import format_document_number

SHARED, PER_TYPE = "shared", "per_type"
SEQUENCE_MODES = (SHARED, PER_TYPE)
OFFICE_ZONE = ZoneInfo("Asia/Ho_Chi_Minh")

_CREATE = text("INSERT INTO register_sequences (scope, year, last_number) "
               "VALUES (:scope, :year, 0) ON CONFLICT DO NOTHING")
# The row lock (PostgreSQL) or the write lock taken at BEGIN IMMEDIATE (SQLite) holds every
# other issuer of this sequence until the transaction ends: committed, the number is used by
# the row inserted with it; rolled back (or killed), it was never taken.
_NEXT = text("UPDATE register_sequences SET last_number = last_number + 1 "
             "WHERE scope = :scope AND year = :year RETURNING last_number")


def office_today() -> dt.date:
    """Today in Việt Nam (the date an issued document without one gets)."""
    return dt.datetime.now(OFFICE_ZONE).date()


def sequence_scope(mode: str, type_id: str, data: Mapping[str, Any]) -> str:
    """The sequence of a validated payload, without its year: ``SGDĐT`` (shared across
    types) or ``SGDĐT/commendation_decision`` (per type)."""
    agency = data["issuer"]["abbreviation"]
    return agency if mode == SHARED else f"{agency}/{type_id}"


def next_number(conn: Connection, scope: str, year: int) -> int:
    """Take the next number of ``scope`` in ``year`` inside the caller's transaction."""
    conn.execute(_CREATE, {"scope": scope, "year": year})
    return int(conn.execute(_NEXT, {"scope": scope, "year": year}).scalar_one())


def number_text(number: int) -> str:
    """``5`` → ``05`` (Decree 30)."""
    return format_document_number(number)
