"""The job store's steps: claiming them (compare-and-set) and recording their outcome."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from sqlalchemy import case, func, or_, select, update
from sqlalchemy.orm import Session

from service.db.base import utcnow
from service.db.jobs import (
    ACTIVE,
    CANCELLED,
    DONE,
    DONE_WITH_ERRORS,
    FAILED,
    ITEM_FAILED,
    MERGE,
    PENDING,
    QUEUED,
    RENDER,
    RUNNING,
    SPLIT,
    SUCCEEDED,
    Job,
    Step,
)
from service.jobs.store.records import _JobRecords
from service.jobs.store.views import (
    ITEM_REASONS,
    REASONS,
    Claim,
    Finish,
    StepView,
    _step_view,
    attempts_exhausted_message,
    claimer_is_dead,
)


class _StepClaims(_JobRecords):
    """Claims, leases and outcomes of steps (see :class:`JobStore`)."""

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
