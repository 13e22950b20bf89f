"""The commendation register (sổ khen thưởng / sổ vàng): numbers reserved for a dossier's
certificates, read back with the state of the job that prints them.

* :func:`register_for` names the register of an award: one per award kind by default
  (``bang_khen``, ``giay_khen``, ``danh_hieu``), one for everything with
  ``COMMENDATION_REGISTERS=shared``;
* :func:`reserve` gives every item its number, in the transaction that creates the job (the
  job store calls it under its lock): the next number of a register is one past the largest
  it ever gave, so a number is never given twice nor reused, whatever became of its job;
* :class:`CommendationStore` searches the entries (year, register, name, unit, decision),
  a person's history (a name within a unit, or an identifier) and a job's numbers.

The state of an entry is its job's: ``reserved`` while the job runs, ``printed`` once its
result exists, ``cancelled`` when the job was cancelled or failed. A cancelled number stays
in the register, recorded as such (Decree 30's spirit: a number is never reused); a new
dossier of the same decision takes new numbers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service import db
from service.db.base import utcnow
from service.db.commendation import CommendationEntry
from service.db.jobs import ACTIVE, DELIVERED, Job
from service.vn.fold import fold_key

SHARED_REGISTER = "khen_thuong"
REGISTER_TITLES = {"bang_khen": "Sổ Bằng khen", "giay_khen": "Sổ Giấy khen",
                   "danh_hieu": "Sổ danh hiệu thi đua", SHARED_REGISTER: "Sổ khen thưởng"}
RESERVED, PRINTED, CANCELLED = "reserved", "printed", "cancelled"
STATE_TITLES = {RESERVED: "Đã giữ số, đang in", PRINTED: "Đã in",
                CANCELLED: "Đã hủy (số không dùng lại)"}


def register_for(award: str, settings: Mapping[str, Any]) -> str:
    """The register that numbers a certificate of this award kind."""
    if settings.get("COMMENDATION_REGISTERS", "per_award") == "shared":
        return SHARED_REGISTER
    return award


@dataclass(frozen=True)
class Reservation:
    """What a dossier item records in the register (its number is given by :func:`reserve`)."""

    index: int
    register: str
    award: str
    award_label: str
    recipient_kind: str
    recipient_name: str
    unit: str | None
    identifier: str | None
    decision_number: str
    decision_date: date
    issued_id: str


@dataclass(frozen=True)
class EntryView:
    register: str
    number: int
    year: int
    job_id: str
    item_index: int
    issued_id: str
    award: str
    award_label: str
    recipient_kind: str
    recipient_name: str
    unit: str | None
    identifier: str | None
    decision_number: str
    decision_date: date
    reserved_at: datetime
    state: str = RESERVED


@dataclass(frozen=True)
class EntryFilters:
    """A search of the commendation register; every given filter must hold."""

    year: int | None = None
    register: str | None = None
    name: str | None = None         # part of the recipient's name, diacritics optional
    unit: str | None = None         # part of the unit's name
    decision: str | None = None     # part of the decision's number and symbol, or its id
    limit: int = 50
    offset: int = 0


@dataclass(frozen=True)
class EntryPage:
    items: list[EntryView]
    total: int
    limit: int
    offset: int
    extra: dict[str, Any] = field(default_factory=dict)


def reserve(session: Session, job_id: str, items: Sequence[Reservation]) -> dict[int, int]:
    """Number every item, register by register in item order, after the largest number each
    register ever gave; insert the entries. Runs in the caller's transaction, under its
    write lock (SQLite's single writer, PostgreSQL's advisory lock); the primary key
    ``(register, number)`` refuses a duplicate whatever happens. Returns index → number."""
    numbers: dict[int, int] = {}
    last: dict[str, int] = {}
    now = utcnow()
    for item in items:
        if item.register not in last:
            last[item.register] = int(session.scalar(
                select(func.coalesce(func.max(CommendationEntry.number), 0))
                .where(CommendationEntry.register == item.register)) or 0)
        last[item.register] += 1
        numbers[item.index] = last[item.register]
        session.add(_entry(job_id, item, last[item.register], now))
    session.flush()
    return numbers


def _entry(job_id: str, item: Reservation, number: int, now: datetime) -> CommendationEntry:
    return CommendationEntry(
        register=item.register, number=number, year=item.decision_date.year, job_id=job_id,
        item_index=item.index, issued_id=item.issued_id, award=item.award,
        award_label=item.award_label, recipient_kind=item.recipient_kind,
        recipient_name=item.recipient_name, name_key=fold_key(item.recipient_name)[:200],
        unit=item.unit, unit_key=fold_key(item.unit or "")[:300], identifier=item.identifier,
        decision_number=item.decision_number, decision_date=item.decision_date,
        reserved_at=now)


def _state(status: str | None) -> str:
    if status in ACTIVE:
        return RESERVED
    if status in DELIVERED:
        return PRINTED
    return CANCELLED


def _view(row: CommendationEntry, status: str | None) -> EntryView:
    return EntryView(row.register, row.number, row.year, row.job_id, row.item_index,
                     row.issued_id, row.award, row.award_label, row.recipient_kind,
                     row.recipient_name, row.unit, row.identifier, row.decision_number,
                     row.decision_date, row.reserved_at, _state(status))


def _like(text: str) -> str:
    return "%" + fold_key(text).replace("\\", "").replace("%", "").replace("_", "") + "%"


class CommendationStore:
    """The commendation register on the service's database (``DATABASE_URL``)."""

    def __init__(self, settings: Mapping[str, Any], *, migrate: bool = True) -> None:
        self.engine = db.get_engine(db.database_url(settings))
        if migrate:
            db.upgrade(self.engine)

    def _select(self):
        return (select(CommendationEntry, Job.status)
                .join(Job, Job.id == CommendationEntry.job_id, isouter=True))

    def _rows(self, query) -> list[EntryView]:
        with Session(self.engine) as session:
            return [_view(row, status) for row, status in session.execute(query)]

    @staticmethod
    def _where(query, filters: EntryFilters):
        entry = CommendationEntry
        if filters.year is not None:
            query = query.where(entry.year == filters.year)
        if filters.register:
            query = query.where(entry.register == filters.register)
        if filters.name:
            query = query.where(entry.name_key.like(_like(filters.name)))
        if filters.unit:
            query = query.where(entry.unit_key.like(_like(filters.unit)))
        if filters.decision:
            query = query.where((entry.decision_number.contains(filters.decision.strip()))
                                | (entry.issued_id == filters.decision.strip()))
        return query

    def search(self, filters: EntryFilters) -> EntryPage:
        """The entries matching ``filters``, register by register in number order, one page."""
        query = self._where(self._select(), filters)
        with Session(self.engine) as session:
            total = int(session.scalar(
                self._where(select(func.count()).select_from(CommendationEntry), filters))
                or 0)
        items = self._rows(query.order_by(CommendationEntry.register, CommendationEntry.number)
                           .limit(filters.limit).offset(filters.offset))
        return EntryPage(items, total, filters.limit, filters.offset)

    def entries(self, filters: EntryFilters) -> list[EntryView]:
        """Every entry matching ``filters`` (the exports), in number order."""
        query = self._where(self._select(), filters)
        return self._rows(query.order_by(CommendationEntry.register, CommendationEntry.number))

    def history(self, *, name: str | None = None, unit: str | None = None,
                identifier: str | None = None) -> list[EntryView]:
        """A person's (or a collective's) commendations in one query: every entry for this
        identifier, or for exactly this name within exactly this unit (diacritics and case
        folded), oldest decision first."""
        entry = CommendationEntry
        query = self._select()
        if identifier:
            query = query.where(entry.identifier == identifier.strip())
        else:
            query = query.where(entry.name_key == fold_key(name or "")[:200],
                                entry.unit_key == fold_key(unit or "")[:300])
        return self._rows(query.order_by(entry.decision_date, entry.register, entry.number))

    def for_job(self, job_id: str, indexes: Iterable[int] | None = None) -> list[EntryView]:
        """A job's entries in item order (``indexes``: only these items)."""
        query = self._select().where(CommendationEntry.job_id == job_id)
        if indexes is not None:
            wanted = list(indexes)
            if not wanted:
                return []
            query = query.where(CommendationEntry.item_index >= min(wanted),
                                CommendationEntry.item_index <= max(wanted))
        return self._rows(query.order_by(CommendationEntry.item_index))

    def registers(self) -> list[str]:
        with Session(self.engine) as session:
            return list(session.scalars(select(CommendationEntry.register).distinct()
                                        .order_by(CommendationEntry.register)))


def number_text(entry: EntryView) -> str:
    """The number as a certificate prints it."""
    return str(entry.number)
