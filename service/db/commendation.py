"""The commendation register (sổ khen thưởng / sổ vàng): one row per certificate number.

A dossier job reserves its numbers in the transaction that creates the job's row: each item
of the job gets its number there (``job_id``, ``item_index``), so a job killed half-way and
resumed prints exactly these numbers. A register number is never reused: the next number is
one past the largest ever given in that register, whatever became of the job. What became of
it is the job's status (:mod:`service.register.commendation` reads it with the entries).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from service.db.base import Base, UTCDateTime


class CommendationEntry(Base):
    """One number of one commendation register, given to one certificate."""

    __tablename__ = "commendation_entries"

    register: Mapped[str] = mapped_column(String(40), primary_key=True)
    number: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    year: Mapped[int] = mapped_column(Integer)                 # of the decision's date
    job_id: Mapped[str] = mapped_column(String(32))
    item_index: Mapped[int] = mapped_column(Integer)
    issued_id: Mapped[str] = mapped_column(String(32), index=True)
    award: Mapped[str] = mapped_column(String(20))             # bang_khen, giay_khen, danh_hieu
    award_label: Mapped[str] = mapped_column(String(200))
    recipient_kind: Mapped[str] = mapped_column(String(10))
    recipient_name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200))         # folded, for the search
    unit: Mapped[str | None] = mapped_column(String(300))
    unit_key: Mapped[str] = mapped_column(String(300), default="")
    identifier: Mapped[str | None] = mapped_column(String(100), index=True)
    decision_number: Mapped[str] = mapped_column(String(120))  # "1520/QĐ-SGDĐT"
    decision_date: Mapped[date] = mapped_column(Date)
    reserved_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        UniqueConstraint("job_id", "item_index", name="uq_commendation_entries_job_id"),
        Index("ix_commendation_entries_person", "name_key", "unit_key"),
        Index("ix_commendation_entries_year", "year", "register", "number"),
    )
