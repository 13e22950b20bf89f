"""The job records: one row per batch job and one per step of it.

A job of ``total`` items is split into render steps of at most ``chunk_size`` items (numbers
1…N) and one merge step (number N+1) that becomes eligible once ``chunks_done`` reaches
``chunk_count``, the render steps to finish. A render step that keeps killing its worker is
split in two new steps (numbers after the merge step; ``chunk_count`` grows by one) until
the poison items are alone; those fail alone (``item_failed``, counted in ``chunks_done`` and
``failed``) and the job delivers the rest. The database, not the broker, is the source of truth: a
step's ``status``, ``attempts``, ``claimed_by`` and ``lease_until`` decide who may work on it,
so a message delivered twice or a worker that died mid-step never loses or duplicates work.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.db.base import Base, UTCDateTime

# Job statuses (the API's vocabulary). ``done_with_errors``: finished, the result holds every
# item but the poison ones, which the job lists (``failed_items``).
QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED = (
    "queued", "running", "succeeded", "failed", "cancelled")
DONE_WITH_ERRORS = "done_with_errors"
JOB_STATUSES = (QUEUED, RUNNING, SUCCEEDED, DONE_WITH_ERRORS, FAILED, CANCELLED)
ACTIVE = (QUEUED, RUNNING)
FINISHED = (SUCCEEDED, DONE_WITH_ERRORS, FAILED, CANCELLED)
DELIVERED = (SUCCEEDED, DONE_WITH_ERRORS)  # a result exists
# jobs whose register numbers count as printed: cancelled and failed jobs deliver no result
PRINTS_REGISTER = (QUEUED, RUNNING, SUCCEEDED, DONE_WITH_ERRORS)

# Step statuses. A render step that used all its attempts is ``split`` into two halves (new
# steps) until the poison items are alone; such an item's step is ``item_failed``.
PENDING, DONE, SPLIT, ITEM_FAILED = "pending", "done", "split", "item_failed"
STEP_STATUSES = (PENDING, RUNNING, DONE, FAILED, CANCELLED, SPLIT, ITEM_FAILED)

# Step kinds.
RENDER, MERGE = "render", "merge"

# Job kinds.
BATCH, DOSSIER = "batch", "dossier"


class Job(Base):
    __tablename__ = "batch_jobs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner: Mapped[str | None] = mapped_column(String(200), index=True)  # issue 8 (auth)
    document_type: Mapped[str] = mapped_column(String(64))
    output: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), index=True)
    total: Mapped[int] = mapped_column(Integer)
    done: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    chunk_size: Mapped[int] = mapped_column(Integer)
    chunk_count: Mapped[int] = mapped_column(Integer)
    chunks_done: Mapped[int] = mapped_column(Integer, default=0)
    idempotency_scope: Mapped[str] = mapped_column(String(200), default="")
    idempotency_key: Mapped[str | None] = mapped_column(String(255))
    request_hash: Mapped[str | None] = mapped_column(String(64))
    error_code: Mapped[str | None] = mapped_column(String(64))
    error_message: Mapped[str | None] = mapped_column(Text)
    result_bytes: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    files_removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # the register numbers (số sổ) numbered from ``common.register_start``, inclusive
    register_first: Mapped[int | None] = mapped_column(BigInteger)
    register_last: Mapped[int | None] = mapped_column(BigInteger)
    # ``batch`` (a list submitted as a batch) or ``dossier`` (the certificates and files of
    # an issued decision, ``source`` its id; service.jobs.dossier)
    kind: Mapped[str] = mapped_column(String(16), default=BATCH, server_default=BATCH)
    source: Mapped[str | None] = mapped_column(String(32), index=True)

    steps: Mapped[list[Step]] = relationship(back_populates="job", cascade="all, delete-orphan",
                                             passive_deletes=True, order_by="Step.number")

    __table_args__ = (
        UniqueConstraint("idempotency_scope", "idempotency_key",
                         name="uq_batch_jobs_idempotency"),
        Index("ix_batch_jobs_owner_register", "owner", "document_type", "register_first"),
    )


class Step(Base):
    __tablename__ = "batch_steps"

    job_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("batch_jobs.id", ondelete="CASCADE"), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(8))
    start: Mapped[int] = mapped_column(Integer)   # first item index (0-based)
    stop: Mapped[int] = mapped_column(Integer)    # one past the last item index
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    enqueued_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    error_code: Mapped[str | None] = mapped_column(String(64))
    error_message: Mapped[str | None] = mapped_column(Text)
    item_row: Mapped[int | None] = mapped_column(Integer)  # spreadsheet row of an item_failed

    job: Mapped[Job] = relationship(back_populates="steps")

    __table_args__ = (Index("ix_batch_steps_status_job", "status", "job_id"),)
