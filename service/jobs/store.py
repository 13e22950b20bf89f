"""The job store: every state change of a job or step, each in one explicit transaction.

Steps are claimed with compare-and-set updates (``… WHERE status = :seen AND attempts =
:seen``), so two processes never both start the same attempt, and finished with ``… WHERE
status IN (pending, running)``, so a step finished twice is counted once. A claim counts an
attempt; a step whose worker died is released back to ``pending`` until it has used
``max_attempts``, and then fails the job with a clear error instead of looping.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import psutil
from sqlalchemy import Float, case, cast, func, or_, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service import db
from service.db.base import utcnow
from service.db.jobs import (
    ACTIVE,
    CANCELLED,
    DONE,
    DONE_WITH_ERRORS,
    FAILED,
    FINISHED,
    ITEM_FAILED,
    MERGE,
    PENDING,
    PRINTS_REGISTER,
    QUEUED,
    RENDER,
    RUNNING,
    SPLIT,
    SUCCEEDED,
    Job,
    Step,
)

# ---------------------------------------------------------------------------- identities

_HOST = socket.gethostname()


def claimer_id(pid: int | None = None) -> str:
    """``host|pid|start time`` of the process that does a step's work."""
    pid = os.getpid() if pid is None else pid
    try:
        started = psutil.Process(pid).create_time()
    except psutil.Error:
        started = 0.0
    return f"{_HOST}|{pid}|{started:.2f}"


def claimer_is_dead(claimer: str | None) -> bool:
    """True when ``claimer`` is a process on this host that no longer exists.

    A claimer on another host is never declared dead here; its lease expires instead.
    """
    if not claimer:
        return True
    try:
        host, pid, started = claimer.split("|")
        pid_number, started_at = int(pid), float(started)
    except ValueError:
        return True
    if host != _HOST:
        return False
    try:
        proc = psutil.Process(pid_number)
        if proc.status() == psutil.STATUS_ZOMBIE:
            return True
        return abs(proc.create_time() - started_at) > 0.05
    except psutil.Error:
        return True


# ---------------------------------------------------------------------------- views


@dataclass(frozen=True)
class JobView:
    id: str
    owner: str | None
    document_type: str
    output: str
    status: str
    total: int
    done: int
    failed: int
    chunk_size: int
    chunk_count: int
    chunks_done: int
    idempotency_key: str | None
    request_hash: str | None
    error_code: str | None
    error_message: str | None
    result_bytes: int | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    files_removed_at: datetime | None
    errors: tuple[dict, ...] = ()
    register_first: int | None = None
    register_last: int | None = None
    failed_items: tuple[dict, ...] = ()  # the poison items, in list order

    @property
    def finished(self) -> bool:
        return self.status in FINISHED


@dataclass(frozen=True)
class StepView:
    job_id: str
    number: int
    kind: str
    start: int
    stop: int
    status: str
    attempts: int
    claimed_by: str | None
    document_type: str
    output: str
    chunk_count: int
    chunk_size: int = 0  # of the job: step ``start // chunk_size + 1``'s input holds the items

    @property
    def size(self) -> int:
        return self.stop - self.start


def _job_view(job: Job, steps: Iterable[Step] = ()) -> JobView:
    errors = []
    if job.error_code:
        errors.append({"code": job.error_code, "message": job.error_message or ""})
    failed_items = []
    for step in steps:
        if step.status == FAILED and step.error_code and step.error_code != job.error_code:
            errors.append({"code": step.error_code, "message": step.error_message or ""})
        elif step.status == ITEM_FAILED:
            failed_items.append(_failed_item(step))
    failed_items.sort(key=lambda item: item["item"])
    return JobView(job.id, job.owner, job.document_type, job.output, job.status, job.total,
                   job.done, job.failed, job.chunk_size, job.chunk_count, job.chunks_done,
                   job.idempotency_key, job.request_hash, job.error_code, job.error_message,
                   job.result_bytes, job.created_at, job.started_at, job.finished_at,
                   job.files_removed_at, tuple(errors), job.register_first, job.register_last,
                   tuple(failed_items))


def _failed_item(step: Step) -> dict:
    where = (f"Dòng {step.item_row} (mục {step.start + 1})" if step.item_row is not None
             else f"Mục {step.start + 1}")
    return {"item": step.start + 1, "row": step.item_row, "code": "item_failed",
            "reason": step.error_code,
            "message": f"{where} không in được: {step.error_message or 'lỗi khi tạo văn bản'}. "
                       f"Các mục khác đã có trong kết quả; kiểm tra dữ liệu của mục này rồi "
                       f"in riêng."}


def _step_view(step: Step, job: Job) -> StepView:
    return StepView(step.job_id, step.number, step.kind, step.start, step.stop, step.status,
                    step.attempts, step.claimed_by, job.document_type, job.output,
                    job.chunk_count, job.chunk_size)


# ---------------------------------------------------------------------------- outcomes


class QueueDepthExceeded(Exception):
    """Creating the job would take the items waiting or rendering past the limit."""

    def __init__(self, depth: int) -> None:
        super().__init__(depth)
        self.depth = depth


_QUEUE_LOCK_KEY = 0x7468696475610008  # serialises back-pressure checks on PostgreSQL


class IdempotencyConflict(Exception):
    """Another job already holds this idempotency key."""

    def __init__(self, existing: JobView) -> None:
        super().__init__(existing.id)
        self.existing = existing


class RegisterOverlap(Exception):
    """The owner already has a job printing some of these register numbers."""

    def __init__(self, existing: JobView) -> None:
        super().__init__(existing.id)
        self.existing = existing


class NotCancellable(Exception):
    def __init__(self, job: JobView) -> None:
        super().__init__(job.status)
        self.job = job


@dataclass(frozen=True)
class Claim:
    """The outcome of trying to claim one step."""

    outcome: str              # claimed | done | busy | not_ready | inactive | exhausted | missing
    step: StepView | None = None


@dataclass(frozen=True)
class StoreStats:
    jobs: dict[str, int]              # jobs by status
    chunks: dict[str, int]            # render steps by status
    queue_items: int                  # items waiting or rendering
    durations: dict[str, tuple[list[int], int, float]]  # see JobStore._durations


@dataclass(frozen=True)
class Finish:
    counted: bool             # this call recorded the step (False: it was already recorded)
    merge_ready: bool         # every render step of the job is now done


# ---------------------------------------------------------------------------- messages


def attempts_exhausted_message(step: StepView | Step, attempts: int, reason: str) -> str:
    what = (f"phần {step.number} (mục {step.start + 1}–{step.stop})" if step.kind == RENDER
            else "bước ghép kết quả")
    return (f"Dừng lô: {what} đã làm dừng tiến trình xử lý {attempts} lần "
            f"(lần cuối: {reason}). Kiểm tra dữ liệu của các mục này rồi gửi lại.")


ITEM_REASONS = {
    "render_failed": "lỗi khi tạo văn bản của mục này (đã ghi vào nhật ký)",
}

REASONS = {
    "worker_died": "tiến trình xử lý bị dừng đột ngột",
    "timeout": "quá thời gian cho phép",
    "lease_expired": "tiến trình xử lý không còn báo hoạt động",
    "worker_error": "lỗi trong tiến trình xử lý",
    "shutdown": "dịch vụ dừng",                        # handed back, attempt refunded
    "worker_exited": "tiến trình xử lý đã thoát trước khi nhận phần này",  # refunded too
}


# items of active jobs not yet recorded done or failed (poison items fail while it runs)
_DEPTH = select(func.coalesce(func.sum(Job.total - Job.done - Job.failed), 0)).where(
    Job.status.in_(ACTIVE))


class JobStore:
    """All reads and writes of job records. Thread-safe; one per process and URL."""

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
                   register: range | None = None) -> JobView:
        """Insert a queued job with one render step per span and a merge step.

        With ``max_queue_items`` the queue depth is checked in the same transaction, under
        the write lock (SQLite) or a transaction-scoped advisory lock (PostgreSQL), so two
        batches submitted at the same moment cannot both pass the limit. ``register`` (the
        register numbers the job prints) is checked the same way against the owner's jobs of
        this document type that print or printed (:data:`PRINTS_REGISTER`).

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
                  created_at=now, updated_at=now)
        if register:
            job.register_first, job.register_last = register.start, register[-1]
        job.steps = [Step(number=n, kind=RENDER, start=s.start, stop=s.stop, status=PENDING,
                          attempts=0) for n, s in enumerate(spans, start=1)]
        job.steps.append(Step(number=len(spans) + 1, kind=MERGE, start=0, stop=total,
                              status=PENDING, attempts=0))
        try:
            with self._write() as session, session.begin():
                if (max_queue_items is not None or register) \
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

    # -- steps: claiming ----------------------------------------------------------------

    def claim(self, job_id: str, number: int, claimer: str, *, lease_s: float,
              max_attempts: int, is_dead: Callable[[str | None], bool] = claimer_is_dead
              ) -> Claim:
        """Claim one named step (the Celery path: a message names the step)."""
        now = utcnow()
        with self._write() as session, session.begin():
            step = session.get(Step, (job_id, number))
            job = session.get(Job, job_id)
            if step is None or job is None:
                return Claim("missing")
            if step.status == DONE:
                return Claim("done", _step_view(step, job))
            if job.status not in ACTIVE or step.status in (FAILED, CANCELLED, SPLIT,
                                                           ITEM_FAILED):
                return Claim("inactive", _step_view(step, job))  # nothing left to do here
            if step.kind == MERGE and job.chunks_done < job.chunk_count:
                return Claim("not_ready", _step_view(step, job))
            if (step.status == RUNNING and step.claimed_by != claimer
                    and step.lease_until is not None and step.lease_until > now
                    and not is_dead(step.claimed_by)):
                return Claim("busy", _step_view(step, job))
            return self._claim_locked(session, job, step, claimer, now, lease_s, max_attempts,
                                      "worker_died" if step.status == RUNNING else None)

    def claim_next(self, claimer: str, *, lease_s: float, max_attempts: int,
                   candidates: int = 8) -> StepView | None:
        """Claim the oldest runnable step of any active job (the embedded runner's path)."""
        now = utcnow()
        with self._read() as session:
            rows = session.execute(
                select(Step.job_id, Step.number).join(Job, Job.id == Step.job_id)
                .where(Step.status == PENDING, Job.status.in_(ACTIVE),
                       or_(Step.kind == RENDER, Job.chunks_done == Job.chunk_count))
                .order_by(Job.created_at, Job.id, Step.number).limit(candidates)).all()
        for job_id, number in rows:
            with self._write() as session, session.begin():
                step = session.get(Step, (job_id, number))
                job = session.get(Job, job_id)
                if (step is None or job is None or step.status != PENDING
                        or job.status not in ACTIVE):
                    continue
                result = self._claim_locked(session, job, step, claimer, now, lease_s,
                                            max_attempts, None)
                if result.outcome == "claimed":
                    return result.step
        return None

    def _claim_locked(self, session: Session, job: Job, step: Step, claimer: str,
                      now: datetime, lease_s: float, max_attempts: int,
                      previous_reason: str | None) -> Claim:
        if step.attempts >= max_attempts:
            reason = previous_reason or step.error_code or ""
            self._exhausted_locked(session, job, step,
                                   reason if reason in REASONS else "worker_died", now)
            return Claim("exhausted", _step_view(step, job))
        claimed = session.execute(
            update(Step).where(Step.job_id == step.job_id, Step.number == step.number,
                               Step.status == step.status, Step.attempts == step.attempts)
            .values(status=RUNNING, attempts=step.attempts + 1, claimed_by=claimer,
                    lease_until=now + timedelta(seconds=lease_s), started_at=now,
                    error_code=None, error_message=None)
            .execution_options(synchronize_session=False)).rowcount
        if claimed != 1:
            return Claim("busy", _step_view(step, job))
        session.execute(update(Job).where(Job.id == job.id, Job.status == QUEUED)
                        .values(status=RUNNING, started_at=now, updated_at=now)
                        .execution_options(synchronize_session=False))
        session.flush()
        session.refresh(step)
        session.refresh(job)
        return Claim("claimed", _step_view(step, job))

    def renew(self, steps: Iterable[tuple[str, int]], claimer: str, lease_s: float) -> None:
        """Extend the leases of steps this claimer is still working on."""
        keys = list(steps)
        if not keys:
            return
        until = utcnow() + timedelta(seconds=lease_s)
        with self._write() as session, session.begin():
            for job_id, number in keys:
                session.execute(update(Step).where(Step.job_id == job_id,
                                                   Step.number == number,
                                                   Step.status == RUNNING,
                                                   Step.claimed_by == claimer)
                                .values(lease_until=until)
                                .execution_options(synchronize_session=False))

    def step_claimed_by(self, job_id: str, number: int) -> tuple[str, str | None] | None:
        with self._read() as session:
            step = session.get(Step, (job_id, number))
            return None if step is None else (step.status, step.claimed_by)

    # -- steps: outcomes -----------------------------------------------------------------

    def finish_render(self, job_id: str, number: int) -> Finish:
        """Record a render step's file as done; count its items once."""
        now = utcnow()
        with self._write() as session, session.begin():
            step = session.get(Step, (job_id, number))
            if step is None or step.kind != RENDER:
                return Finish(False, False)
            counted = session.execute(
                update(Step).where(Step.job_id == job_id, Step.number == number,
                                   Step.status.in_((PENDING, RUNNING)))
                .values(status=DONE, finished_at=now, claimed_by=None, lease_until=None)
                .execution_options(synchronize_session=False)).rowcount == 1
            if counted:
                session.execute(update(Job).where(Job.id == job_id, Job.status.in_(ACTIVE))
                                .values(done=Job.done + (step.stop - step.start),
                                        chunks_done=Job.chunks_done + 1, updated_at=now)
                                .execution_options(synchronize_session=False))
            job = session.get(Job, job_id)
            session.refresh(job)
            ready = job.status in ACTIVE and job.chunks_done == job.chunk_count
            return Finish(counted, counted and ready)

    def finish_merge(self, job_id: str, number: int, result_bytes: int) -> bool:
        """The result exists: the job has succeeded. False if it was no longer active."""
        now = utcnow()
        with self._write() as session, session.begin():
            step_done = session.execute(
                update(Step).where(Step.job_id == job_id, Step.number == number,
                                   Step.kind == MERGE, Step.status.in_((PENDING, RUNNING)))
                .values(status=DONE, finished_at=now, claimed_by=None, lease_until=None)
                .execution_options(synchronize_session=False)).rowcount == 1
            if not step_done:
                return False
            return session.execute(
                update(Job).where(Job.id == job_id, Job.status.in_(ACTIVE))
                .values(status=case((Job.failed > 0, DONE_WITH_ERRORS), else_=SUCCEEDED),
                        finished_at=now, updated_at=now, result_bytes=result_bytes)
                .execution_options(synchronize_session=False)).rowcount == 1

    def fail_step(self, job_id: str, number: int, code: str, message: str) -> None:
        """A step failed for good (bad data, a write error): the job fails with the reason."""
        now = utcnow()
        with self._write() as session, session.begin():
            step = session.get(Step, (job_id, number))
            job = session.get(Job, job_id)
            if step is None or job is None or job.status not in ACTIVE:
                return
            if code == "render_failed" and step.kind == RENDER:  # the data: find the items
                self._isolate_locked(session, job, step, code, ITEM_REASONS[code], now)
                return
            self._fail_locked(session, job, step, code, message, now)

    def _exhausted_locked(self, session: Session, job: Job, step: Step, reason: str,
                          now: datetime) -> str:
        """A step has used all its attempts (its worker died, timed out, … each time): a
        render step is split to find its poison items; a merge step fails the job."""
        text = REASONS.get(reason, reason)
        if step.kind != RENDER:
            self._fail_locked(session, job, step, "attempts_exhausted",
                              attempts_exhausted_message(step, step.attempts, text), now)
            return FAILED
        return self._isolate_locked(session, job, step, reason,
                                    f"{text} ({step.attempts} lần)", now)

    def _isolate_locked(self, session: Session, job: Job, step: Step, reason: str,
                        message: str, now: datetime) -> str:
        """Split a failing render step into two halves (new pending steps, numbered after
        every other), or, for a single item, record that item as failed: the job goes on and
        delivers every other item. Returns the step's new status. A compare-and-set on the
        step, so that two processes deciding at once (a redelivered message, the reclaimer)
        split it once."""
        single = step.stop - step.start <= 1
        session.flush()
        won = session.execute(
            update(Step).where(Step.job_id == step.job_id, Step.number == step.number,
                               Step.status == step.status, Step.attempts == step.attempts)
            .values(status=ITEM_FAILED if single else SPLIT, claimed_by=None,
                    lease_until=None, finished_at=now, error_code=reason,
                    error_message=message)
            .execution_options(synchronize_session=False)).rowcount == 1
        if not won:
            session.refresh(step)
            return step.status
        if single:
            counters = {"chunks_done": Job.chunks_done + 1, "failed": Job.failed + 1}
        else:
            session.execute(select(Job.id).where(Job.id == job.id).with_for_update())  # PG:
            # two steps of one job split at once must not pick the same new numbers
            top = session.scalar(select(func.max(Step.number)).where(Step.job_id == job.id))
            middle = (step.start + step.stop) // 2
            for offset, (start, stop) in enumerate(((step.start, middle),
                                                    (middle, step.stop)), start=1):
                session.add(Step(job_id=job.id, number=top + offset, kind=RENDER, start=start,
                                 stop=stop, status=PENDING, attempts=0))
            counters = {"chunk_count": Job.chunk_count + 1}
        session.flush()
        session.execute(update(Job).where(Job.id == job.id)
                        .values(updated_at=now, **counters)
                        .execution_options(synchronize_session=False))
        session.refresh(step)
        session.refresh(job)
        return step.status

    def merge_number(self, job_id: str) -> int | None:
        with self._read() as session:
            return session.scalar(select(Step.number).where(Step.job_id == job_id,
                                                            Step.kind == MERGE))

    def delivered_steps(self, job_id: str) -> list[int]:
        """The numbers of the done render steps, in item order: what the merge assembles."""
        with self._read() as session:
            return list(session.scalars(select(Step.number).where(
                Step.job_id == job_id, Step.kind == RENDER, Step.status == DONE)
                .order_by(Step.start)))

    def failed_item_steps(self, job_id: str) -> list[StepView]:
        with self._read() as session:
            job = session.get(Job, job_id)
            if job is None:
                return []
            return [_step_view(s, job) for s in session.scalars(select(Step).where(
                Step.job_id == job_id, Step.status == ITEM_FAILED).order_by(Step.start))]

    def record_item_rows(self, job_id: str, rows: dict[int, int]) -> None:
        """The spreadsheet rows of failed items (known to whoever reads the inputs)."""
        with self._write() as session, session.begin():
            for number, row in rows.items():
                session.execute(update(Step).where(Step.job_id == job_id,
                                                   Step.number == number)
                                .values(item_row=row)
                                .execution_options(synchronize_session=False))

    def _fail_locked(self, session: Session, job: Job, step: Step, code: str, message: str,
                     now: datetime) -> None:
        step.status, step.error_code, step.error_message = FAILED, code, message
        step.claimed_by, step.lease_until, step.finished_at = None, None, now
        job.status, job.error_code, job.error_message = FAILED, code, message
        job.failed = job.failed + (step.stop - step.start if step.kind == RENDER else 0)
        job.finished_at, job.updated_at = now, now
        session.flush()
        session.execute(update(Step).where(Step.job_id == job.id,
                                           Step.status.in_((PENDING, RUNNING)))
                        .values(status=CANCELLED, claimed_by=None, lease_until=None,
                                finished_at=now)
                        .execution_options(synchronize_session=False))

    def release(self, job_id: str, number: int, claimer: str, reason: str, *,
                max_attempts: int, refund: bool = False) -> str:
        """The claimer stopped without finishing (died, timed out): give the step back, or
        fail the job when the step has used all its attempts. Returns the step's status.

        ``refund`` (an orderly shutdown, not the step's fault) gives the attempt back.
        """
        now = utcnow()
        with self._write() as session, session.begin():
            step = session.get(Step, (job_id, number))
            job = session.get(Job, job_id)
            if step is None or job is None:
                return "missing"
            if step.status != RUNNING or step.claimed_by != claimer:
                return step.status
            if refund:
                step.attempts = max(0, step.attempts - 1)
            return self._release_locked(session, job, step, reason, max_attempts, now)

    def _release_locked(self, session: Session, job: Job, step: Step, reason: str,
                        max_attempts: int, now: datetime) -> str:
        if job.status in ACTIVE and step.attempts >= max_attempts:
            return self._exhausted_locked(session, job, step, reason, now)
        step.status, step.claimed_by, step.lease_until = PENDING, None, None
        step.enqueued_at = None
        step.error_code, step.error_message = reason, REASONS.get(reason, reason)
        return PENDING

    def reclaim_stale(self, *, max_attempts: int,
                      is_dead: Callable[[str | None], bool] = claimer_is_dead,
                      exclude: Iterable[str] = ()) -> list[tuple[str, int, str]]:
        """Release running steps whose claimer is dead or whose lease has run out.

        Returns ``(job_id, number, new_status)`` for each released step.
        """
        now = utcnow()
        skip = set(exclude)
        with self._read() as session:
            rows = session.execute(select(Step.job_id, Step.number, Step.claimed_by,
                                          Step.lease_until)
                                   .where(Step.status == RUNNING)).all()
        stale = [(j, n, c, "lease_expired" if lease is not None and lease <= now
                  else "worker_died")
                 for j, n, c, lease in rows
                 if c not in skip and ((lease is not None and lease <= now) or is_dead(c))]
        released = []
        for job_id, number, claimer, reason in stale:
            with self._write() as session, session.begin():
                step = session.get(Step, (job_id, number))
                job = session.get(Job, job_id)
                if (step is None or job is None or step.status != RUNNING
                        or step.claimed_by != claimer):
                    continue
                status = self._release_locked(session, job, step, reason, max_attempts, now)
                released.append((job_id, number, status))
        return released

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

