"""The job store's sessions and its job records: create, read, count, cancel."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta

from sqlalchemy import Float, case, cast, func, or_, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service import db
from service.db.base import utcnow
from service.db.jobs import (
    ACTIVE,
    BATCH,
    CANCELLED,
    DONE,
    DOSSIER,
    FAILED,
    FINISHED,
    ITEM_FAILED,
    MERGE,
    PENDING,
    PRINTS_REGISTER,
    QUEUED,
    RENDER,
    RUNNING,
    Job,
    Step,
)
from service.jobs.store.views import (
    IdempotencyConflict,
    JobView,
    NotCancellable,
    QueueDepthExceeded,
    RegisterOverlap,
    StepView,
    StoreStats,
    _job_view,
    _step_view,
)

_QUEUE_LOCK_KEY = 0x7468696475610008  # serialises back-pressure checks on PostgreSQL

# items of active jobs not yet recorded done or failed (poison items fail while it runs)
_DEPTH = select(func.coalesce(func.sum(Job.total - Job.done - Job.failed), 0)).where(
    Job.status.in_(ACTIVE))


class _JobRecords:
    """Sessions and whole-job reads and writes (the base of :class:`JobStore`)."""

    def __init__(self, url: str, *, migrate: bool = True) -> None:
        self.url = url
        self.engine = db.get_engine(url)
        self._writer = db.writer(self.engine)
        if migrate:
            db.upgrade(self.engine)

    # -- sessions ------------------------------------------------------------------------

    def _read(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    def _write(self) -> Session:
        return Session(self._writer, expire_on_commit=False)

    # -- jobs -----------------------------------------------------------------------------

    def create_job(self, job_id: str, *, document_type: str, output: str,
                   spans: Sequence[range], chunk_size: int, owner: str | None = None,
                   idempotency_key: str | None = None, request_hash: str | None = None,
                   max_queue_items: int | None = None,
                   register: range | None = None, kind: str = BATCH,
                   source: str | None = None,
                   reserve: Callable[[Session, str], None] | None = None) -> JobView:
        """Insert a queued job with one render step per span and a merge step.

        With ``max_queue_items`` the queue depth is checked in the same transaction, under
        the write lock (SQLite) or a transaction-scoped advisory lock (PostgreSQL), so two
        batches submitted at the same moment cannot both pass the limit. ``register`` (the
        register numbers the job prints) is checked the same way against the owner's jobs of
        this document type that print or printed (:data:`PRINTS_REGISTER`). ``reserve``
        runs in the same transaction, under the same lock, with the session and the job's id
        (a dossier takes its commendation register numbers there: no job without its numbers,
        no numbers without their job).

        :raises IdempotencyConflict: the (owner, key) pair is taken.
        :raises QueueDepthExceeded: the job would take the queue past ``max_queue_items``.
        :raises RegisterOverlap: with the owner's earliest job printing some of ``register``.
        """
        now = utcnow()
        total = spans[-1].stop if spans else 0
        job = Job(id=job_id, owner=owner, document_type=document_type, output=output,
                  status=QUEUED, total=total, done=0, failed=0, chunk_size=chunk_size,
                  chunk_count=len(spans), chunks_done=0, idempotency_scope=owner or "",
                  idempotency_key=idempotency_key, request_hash=request_hash,
                  created_at=now, updated_at=now, kind=kind, source=source)
        if register:
            job.register_first, job.register_last = register.start, register[-1]
        job.steps = [Step(number=n, kind=RENDER, start=s.start, stop=s.stop, status=PENDING,
                          attempts=0) for n, s in enumerate(spans, start=1)]
        job.steps.append(Step(number=len(spans) + 1, kind=MERGE, start=0, stop=total,
                              status=PENDING, attempts=0))
        try:
            with self._write() as session, session.begin():
                if (max_queue_items is not None or register or reserve) \
                        and self.engine.dialect.name == "postgresql":
                    session.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                                    {"key": _QUEUE_LOCK_KEY})
                if register:
                    self._check_register(session, job)
                if max_queue_items is not None:
                    depth = int(session.scalar(_DEPTH) or 0)
                    if depth + total > max_queue_items:
                        raise QueueDepthExceeded(depth)
                session.add(job)
                if reserve is not None:
                    session.flush()
                    reserve(session, job_id)
        except IntegrityError:
            existing = (self.find_by_idempotency_key(owner, idempotency_key)
                        if idempotency_key else None)
            if existing is None:
                raise
            raise IdempotencyConflict(existing) from None
        return self.get(job_id)  # type: ignore[return-value]

    def find_by_idempotency_key(self, owner: str | None, key: str) -> JobView | None:
        with self._read() as session:
            job = session.scalar(select(Job).where(Job.idempotency_scope == (owner or ""),
                                                   Job.idempotency_key == key))
            return None if job is None else _job_view(job, self._failed_steps(session, job))

    def find_dossier(self, source: str) -> JobView | None:
        """The dossier job of an issued decision that runs or was delivered, if any."""
        with self._read() as session:
            job = session.scalar(select(Job).where(Job.kind == DOSSIER, Job.source == source,
                                                   Job.status.in_(PRINTS_REGISTER))
                                 .order_by(Job.created_at.desc()).limit(1))
            return None if job is None else _job_view(job, self._failed_steps(session, job))

    def get(self, job_id: str) -> JobView | None:
        with self._read() as session:
            job = session.get(Job, job_id)
            return None if job is None else _job_view(job, self._failed_steps(session, job))

    @staticmethod
    def _failed_steps(session: Session, job: Job) -> list[Step]:
        wanted = ([FAILED] if job.status == FAILED else []) + ([ITEM_FAILED] if job.failed
                                                              else [])
        if not wanted:
            return []
        return list(session.scalars(select(Step).where(Step.job_id == job.id,
                                                       Step.status.in_(wanted))
                                    .order_by(Step.number)))

    def list_jobs(self, *, owner: str | None = None, limit: int = 20) -> list[JobView]:
        with self._read() as session:
            query = select(Job).order_by(Job.created_at.desc(), Job.id).limit(limit)
            if owner is not None:
                query = query.where(Job.owner == owner)
            return [_job_view(j, self._failed_steps(session, j)) for j in session.scalars(query)]

    def steps(self, job_id: str) -> list[StepView]:
        with self._read() as session:
            job = session.get(Job, job_id)
            if job is None:
                return []
            return [_step_view(s, job) for s in session.scalars(
                select(Step).where(Step.job_id == job_id).order_by(Step.number))]

    def queue_depth(self) -> int:
        """Items waiting or rendering: of every queued or running job, the items whose chunk
        is not recorded yet (one aggregate; the back-pressure limit and ``/metrics``)."""
        with self._read() as session:
            return int(session.scalar(_DEPTH) or 0)

    def throughput(self, window_s: float) -> float:
        """Items per second recorded over the last ``window_s`` seconds (all processes)."""
        since = utcnow() - timedelta(seconds=window_s)
        with self._read() as session:
            items = session.scalar(
                select(func.coalesce(func.sum(Step.stop - Step.start), 0))
                .where(Step.kind == RENDER, Step.status == DONE, Step.finished_at >= since))
        return float(items or 0) / window_s

    def stats(self, buckets: Sequence[float]) -> StoreStats:
        """Counts for ``/metrics``, read from the database so that every process (several
        gunicorn workers, Celery workers elsewhere) reports the same numbers."""
        with self._read() as session:
            jobs = {status: int(n) for status, n in session.execute(
                select(Job.status, func.count()).group_by(Job.status))}
            chunks = {status: int(n) for status, n in session.execute(
                select(Step.status, func.count()).where(Step.kind == RENDER)
                .group_by(Step.status))}
            depth = int(session.scalar(_DEPTH) or 0)
            durations = self._durations(session, buckets)
        return StoreStats(jobs, chunks, depth, durations)

    def _durations(self, session: Session, buckets: Sequence[float]
                   ) -> dict[str, tuple[list[int], int, float]]:
        """Per final status: (cumulative count at or below each bucket, count, sum) of the
        run time (start to finish) of jobs that started and finished."""
        dialect = self.engine.dialect.name
        finished = (Job.status.in_(FINISHED), Job.started_at.is_not(None),
                    Job.finished_at.is_not(None))
        if dialect == "sqlite":
            seconds = (func.julianday(Job.finished_at) - func.julianday(Job.started_at)) \
                * 86400.0
        elif dialect == "postgresql":
            seconds = cast(func.extract("epoch", Job.finished_at - Job.started_at), Float)
        else:  # another database: add up in Python
            out: dict[str, tuple[list[int], int, float]] = {}
            for status, started, ended in session.execute(
                    select(Job.status, Job.started_at, Job.finished_at).where(*finished)):
                value = (ended - started).total_seconds()
                counts, count, total = out.get(status, ([0] * len(buckets), 0, 0.0))
                out[status] = ([c + (value <= b) for c, b in zip(counts, buckets, strict=True)],
                               count + 1, total + value)
            return out
        columns = [func.sum(case((seconds <= bound, 1), else_=0)) for bound in buckets]
        rows = session.execute(select(Job.status, func.count(), func.sum(seconds), *columns)
                               .where(*finished).group_by(Job.status))
        return {row[0]: ([int(c or 0) for c in row[3:]], int(row[1]), float(row[2] or 0.0))
                for row in rows}

    def has_active_jobs(self) -> bool:
        with self._read() as session:
            return session.scalar(select(func.count()).select_from(Job)
                                  .where(Job.status.in_(ACTIVE))) > 0

    def has_runnable(self) -> bool:
        """Is there a pending step that could be claimed now?"""
        with self._read() as session:
            return session.scalar(
                select(Step.number).join(Job, Job.id == Step.job_id)
                .where(Step.status == PENDING, Job.status.in_(ACTIVE),
                       or_(Step.kind == RENDER, Job.chunks_done == Job.chunk_count))
                .limit(1)) is not None

    def cancel(self, job_id: str) -> JobView | None:
        """Cancel a queued or running job; steps not yet finished will not run.

        :raises NotCancellable: the job has already finished.
        """
        now = utcnow()
        with self._write() as session, session.begin():
            job = session.get(Job, job_id)
            if job is None:
                return None
            if job.status in FINISHED:
                raise NotCancellable(_job_view(job))
            job.status, job.finished_at, job.updated_at = CANCELLED, now, now
            session.execute(update(Step).where(Step.job_id == job_id,
                                               Step.status.in_((PENDING, RUNNING)))
                            .values(status=CANCELLED, claimed_by=None, lease_until=None,
                                    finished_at=now))
        return self.get(job_id)

    @staticmethod
    def _check_register(session: Session, job: Job) -> None:
        owner = Job.owner.is_(None) if job.owner is None else Job.owner == job.owner
        earlier = session.scalar(
            select(Job).where(owner, Job.document_type == job.document_type,
                              Job.status.in_(PRINTS_REGISTER),
                              Job.register_first <= job.register_last,
                              Job.register_last >= job.register_first)
            .order_by(Job.created_at, Job.id).limit(1))
        if earlier is None:
            return
        if job.idempotency_key is not None and earlier.idempotency_key == job.idempotency_key \
                and earlier.idempotency_scope == job.idempotency_scope:
            raise IdempotencyConflict(_job_view(earlier))  # a concurrent retry of that job
        raise RegisterOverlap(_job_view(earlier))
