"""The job store as a whole: broker bookkeeping (Celery mode) and retention on top of the
job records and step claims."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update

from service.db.base import utcnow
from service.db.jobs import (
    ACTIVE,
    FINISHED,
    PENDING,
    RENDER,
    Job,
    Step,
)
from service.jobs.store.claims import _StepClaims
from service.jobs.store.views import (
    JobView,
    _job_view,
)


class JobStore(_StepClaims):
    """All reads and writes of job records. Thread-safe; one per process and URL."""

    # -- broker bookkeeping (Celery mode) -----------------------------------------------

    def to_enqueue(self, *, requeue_after_s: float, limit: int = 1000
                   ) -> list[tuple[str, int]]:
        """Mark and return pending steps that have no message in the broker: never sent,
        released after a failure, or sent so long ago that the message must be lost."""
        now = utcnow()
        stale = now - timedelta(seconds=requeue_after_s)
        with self._read() as session:
            rows = session.execute(
                select(Step.job_id, Step.number, Step.enqueued_at)
                .join(Job, Job.id == Step.job_id)
                .where(Step.status == PENDING, Job.status.in_(ACTIVE),
                       or_(Step.kind == RENDER, Job.chunks_done == Job.chunk_count),
                       or_(Step.enqueued_at.is_(None), Step.enqueued_at < stale))
                .order_by(Job.created_at, Step.number).limit(limit)).all()
        marked = []
        if not rows:
            return marked
        with self._write() as session, session.begin():
            for job_id, number, seen in rows:
                condition = (Step.enqueued_at.is_(None) if seen is None
                             else Step.enqueued_at == seen)
                if session.execute(update(Step).where(Step.job_id == job_id,
                                                      Step.number == number,
                                                      Step.status == PENDING, condition)
                                   .values(enqueued_at=now)
                                   .execution_options(synchronize_session=False)).rowcount:
                    marked.append((job_id, number))
        return marked

    def mark_enqueued(self, job_id: str, number: int) -> bool:
        """Claim the right to send the message for one pending step (once)."""
        with self._write() as session, session.begin():
            return session.execute(update(Step).where(Step.job_id == job_id,
                                                      Step.number == number,
                                                      Step.status == PENDING,
                                                      Step.enqueued_at.is_(None))
                                   .values(enqueued_at=utcnow())
                                   .execution_options(synchronize_session=False)
                                   ).rowcount == 1

    def forget_enqueued(self, keys: Iterable[tuple[str, int]]) -> None:
        """Sending failed: let the next pass send these again."""
        with self._write() as session, session.begin():
            for job_id, number in keys:
                session.execute(update(Step).where(Step.job_id == job_id,
                                                   Step.number == number,
                                                   Step.status == PENDING)
                                .values(enqueued_at=None)
                                .execution_options(synchronize_session=False))

    # -- retention ------------------------------------------------------------------------

    def expired(self, before: datetime) -> list[JobView]:
        """Finished jobs (any outcome) whose files are still there and older than ``before``."""
        with self._read() as session:
            return [_job_view(j) for j in session.scalars(
                select(Job).where(Job.status.in_(FINISHED), Job.finished_at < before,
                                  Job.files_removed_at.is_(None)).order_by(Job.finished_at))]

    def mark_files_removed(self, job_id: str) -> None:
        now = utcnow()
        with self._write() as session, session.begin():
            session.execute(update(Job).where(Job.id == job_id)
                            .values(files_removed_at=now, updated_at=now)
                            .execution_options(synchronize_session=False))

    def known_ids(self, ids: Iterable[str]) -> set[str]:
        ids = list(ids)
        found: set[str] = set()
        with self._read() as session:
            for start in range(0, len(ids), 500):
                found.update(session.scalars(select(Job.id).where(
                    Job.id.in_(ids[start:start + 500]))))
        return found

    def purge(self, job_id: str) -> None:
        """Delete a job and its steps (tests and administration)."""
        with self._write() as session, session.begin():
            job = session.get(Job, job_id)
            if job is not None:
                session.delete(job)
