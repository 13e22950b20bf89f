"""Running batch jobs: the service's supervisor thread and its embedded worker processes.

:class:`JobService` is what the API (and any other adapter) talks to: it validates and stores
a submission, and owns one :class:`Supervisor` per process, started with the service when
unfinished jobs exist and on the first submission otherwise.

Embedded mode (no ``BROKER_URL``): the supervisor keeps ``JOB_WORKERS`` worker processes
(started lazily, replaced when one dies or after 200 steps), claims runnable steps from the
database for idle workers, renews their leases, and stops a worker whose step runs past
``CHUNK_TIME_LIMIT_S``. A worker that dies takes only its own step with it: the step goes
back to ``pending`` (or fails the job once it has used ``MAX_CHUNK_ATTEMPTS``).

Celery mode (``BROKER_URL`` set): steps run in ``python -m service worker`` processes; the
supervisor sends a message for every step that has none (new jobs, released steps, a merge
whose trigger was lost) and releases steps whose worker died or whose lease ran out.

In both modes, a service that starts finds the steps its dead predecessor had claimed
(same host, process gone) and releases them at once; steps claimed elsewhere are released
when their lease runs out. Jobs therefore resume from their finished chunks.

Stopping (SIGTERM to ``serve``; :mod:`service.server` wires gunicorn's signals to
:func:`drain_all` and :func:`stop_all`): the supervisor dispatches nothing more, lets the
chunks being rendered finish within a grace time, hands back those that do not (no attempt
used), and ends once its workers have exited. See :class:`Supervisor`.

Back-pressure: :meth:`JobService.check_capacity` refuses a batch that would take the items
waiting or rendering past ``QUEUE_MAX_ITEMS``.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import hashlib
import logging
import os
import threading
import time
import uuid
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from multiprocessing.connection import wait as wait_any
from typing import Any

from service.config import ConfigError
from service.db import database_url
from service.errors import disk_full_problem, is_storage_full
from service.jobs.execute import worker_settings
from service.jobs.files import JobFiles
from service.jobs.store import (
    IdempotencyConflict,
    JobStore,
    JobView,
    QueueDepthExceeded,
    StepView,
    claimer_id,
)

log = logging.getLogger(__name__)

MAINTENANCE_INTERVAL_S = 2.0
IDLE_STOP_WORKERS_S = 600.0
CLEANUP_INTERVAL_S = 3600.0


def check_settings(settings: Mapping[str, Any]) -> None:
    """Cross-key rules of the job settings; a bad combination stops the start."""
    if settings["BROKER_URL"] and not str(settings["BROKER_URL"]).startswith(
            ("redis://", "rediss://", "redis+socket://")):
        raise ConfigError("THIDUA_BROKER_URL: only Redis brokers are supported "
                          "(redis://host:6379/0)")
    if settings["BROKER_VISIBILITY_TIMEOUT_S"] <= settings["CHUNK_TIME_LIMIT_S"] + 30:
        raise ConfigError("THIDUA_BROKER_VISIBILITY_TIMEOUT_S must exceed "
                          "THIDUA_CHUNK_TIME_LIMIT_S + 30 s, or Redis redelivers chunks that "
                          "are still running")
    if settings["QUEUE_MAX_ITEMS"] < settings["MAX_BATCH_ITEMS"]:
        raise ConfigError("THIDUA_QUEUE_MAX_ITEMS must be at least THIDUA_MAX_BATCH_ITEMS, or "
                          "a batch of the largest allowed size could never be queued")


def request_fingerprint(parts: Mapping[str, Any]) -> str:
    """A stable hash of a submission, to tell a retry from a different request."""
    import json

    text = json.dumps(parts, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class Submission:
    job: JobView
    replayed: bool  # an earlier submission with the same idempotency key


class IdempotencyMismatch(Exception):
    def __init__(self, existing: JobView) -> None:
        super().__init__(existing.id)
        self.existing = existing


class QueueFull(Exception):
    """Back-pressure: the batch would take the items waiting or rendering past the limit."""

    def __init__(self, depth: int, size: int, limit: int, retry_after_s: int) -> None:
        super().__init__(f"{depth} + {size} > {limit}")
        self.depth, self.size, self.limit = depth, size, limit
        self.retry_after_s = retry_after_s


RETRY_AFTER_DEFAULT_S = 30
RETRY_AFTER_MAX_S = 3600
THROUGHPUT_WINDOW_S = 300.0


class JobService:
    """The job system of one process: store, files, supervisor."""

    def __init__(self, settings: Mapping[str, Any], *, start_supervisor: bool = True) -> None:
        check_settings(settings)
        self.settings = dict(settings)
        self.store = JobStore(database_url(settings))
        self.files = JobFiles(settings["DATA_DIR"])
        self.mode = "celery" if settings["BROKER_URL"] else "embedded"
        self.supervisor = Supervisor(self)
        if start_supervisor and self.store.has_active_jobs():
            self.supervisor.start()

    # -- submissions ---------------------------------------------------------------------

    def find_replay(self, owner: str | None, key: str | None, fingerprint: str
                    ) -> JobView | None:
        """The job an earlier request with this key created, if the request is the same.

        :raises IdempotencyMismatch: the key was used for a different request.
        """
        if not key:
            return None
        existing = self.store.find_by_idempotency_key(owner, key)
        if existing is not None and existing.request_hash != fingerprint:
            raise IdempotencyMismatch(existing)
        return existing

    def check_capacity(self, size: int) -> None:
        """Refuse a batch of ``size`` items when the queue is full (``QUEUE_MAX_ITEMS``).

        A quick check before the items are validated; :meth:`submit` checks again in the
        transaction that creates the job, so two batches at once cannot both pass.

        :raises QueueFull: with an estimate of when enough items will have been rendered,
            from the rate of the last minutes (every process's chunks count).
        """
        limit = int(self.settings["QUEUE_MAX_ITEMS"])
        depth = self.store.queue_depth()
        if depth + size <= limit:
            return
        raise self._queue_full(depth, size)

    def _queue_full(self, depth: int, size: int) -> QueueFull:
        limit = int(self.settings["QUEUE_MAX_ITEMS"])
        excess = depth + size - limit
        rate = self.store.throughput(THROUGHPUT_WINDOW_S)
        if rate > 0:
            wait = min(RETRY_AFTER_MAX_S, max(1, int(excess / rate + 0.999)))
        else:
            wait = RETRY_AFTER_DEFAULT_S
        return QueueFull(depth, size, limit, wait)

    def submit(self, doc_type, output: str, items: Sequence, *, owner: str | None = None,
               idempotency_key: str | None = None, fingerprint: str | None = None,
               start: bool = True, register: range | None = None) -> Submission:
        """Store validated items (:func:`service.bulk.prepare`'s output) as a queued job and
        wake the supervisor (``start=False``: only store it). ``register``: the register
        numbers the job prints, refused while the owner has a job printing any of them.

        :raises RegisterOverlap: with that earlier job.
        """
        from service.bulk import chunk_ranges

        chunk_size = int(self.settings["CHUNK_SIZE"])
        spans = chunk_ranges(len(items), chunk_size)
        job_id = uuid.uuid4().hex
        self.files.check_space(len(items), int(self.settings["DISK_RESERVE_BYTES"]))
        try:
            self.files.write_inputs(job_id, items, spans)
            job = self.store.create_job(job_id, document_type=doc_type.id, output=output,
                                        spans=spans, chunk_size=chunk_size, owner=owner,
                                        idempotency_key=idempotency_key,
                                        request_hash=fingerprint,
                                        max_queue_items=int(self.settings["QUEUE_MAX_ITEMS"]),
                                        register=register)
        except QueueDepthExceeded as exceeded:  # another batch filled the queue meanwhile
            self.files.remove_job(job_id)
            raise self._queue_full(exceeded.depth, len(items)) from None
        except IdempotencyConflict as conflict:  # a concurrent twin won the race
            self.files.remove_job(job_id)
            if conflict.existing.request_hash != fingerprint:
                raise IdempotencyMismatch(conflict.existing) from None
            return Submission(conflict.existing, True)
        except BaseException as exc:  # RegisterOverlap among others
            self.files.remove_job(job_id)
            if is_storage_full(exc):  # nothing half-written stays, nothing was created
                raise disk_full_problem() from None
            raise
        if start:
            self.supervisor.start()
            self.supervisor.wake()
        return Submission(job, False)

    def cancel(self, job_id: str) -> JobView | None:
        job = self.store.cancel(job_id)
        self.supervisor.wake()
        return job

    def close(self) -> None:
        self.supervisor.stop()


# ---------------------------------------------------------------------------- supervisor


@dataclass
class _Slot:
    index: int
    process: Any = None
    conn: Any = None
    claimer: str | None = None
    step: StepView | None = None
    dispatched_at: float = 0.0
    ready: bool = False
    timed_out: bool = False
    exiting: bool = False  # told to exit, or said it will: no step is sent to it
    idle_since: float = 0.0  # when it came up or last finished a step

    @property
    def busy(self) -> bool:
        return self.step is not None


# Every supervisor of this process, for the server's signal handlers (service.server).
_SUPERVISORS: weakref.WeakSet[Supervisor] = weakref.WeakSet()


def drain_all(grace_s: float) -> None:
    """Begin an orderly stop of every supervisor in this process (:meth:`Supervisor.drain`).
    Returns at once; safe to call from a signal handler."""
    for supervisor in list(_SUPERVISORS):
        supervisor.drain(grace_s)


def stop_all(grace_s: float) -> None:
    """Stop every supervisor of this process and wait for it: a drain already under way keeps
    its deadline, otherwise running steps get ``grace_s`` seconds."""
    for supervisor in list(_SUPERVISORS):
        if not supervisor.draining:
            supervisor.drain(grace_s)
    for supervisor in list(_SUPERVISORS):
        supervisor.stop()


class Supervisor:
    """The thread that keeps jobs moving in this process.

    Stopping (:meth:`drain`, then :meth:`stop`; the server calls them on SIGTERM and when its
    worker exits): no step is dispatched any more; idle workers are told to exit; a worker
    rendering a step may finish it within the grace time, and its result is recorded; at the
    deadline a worker still busy is stopped and its step handed back to ``pending`` without
    using an attempt (reason ``shutdown``). Files are written to a temporary name and renamed
    when complete, so a stopped step leaves no file under a final name. The thread ends only
    when its workers have: they are tied to it by ``PR_SET_PDEATHSIG`` and would be killed
    the moment it ended.
    """

    def __init__(self, service: JobService) -> None:
        self.service = service
        self.store = service.store
        self.settings = service.settings
        self.embedded = service.mode == "embedded"
        self.slots = [_Slot(i) for i in range(int(self.settings["JOB_WORKERS"]))] \
            if self.embedded else []
        self._thread: threading.Thread | None = None
        self._pid = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._wake_r: int | None = None  # a self-pipe, opened when the thread starts
        self._wake_w: int | None = None
        self._next_cleanup = time.monotonic() + 60.0
        self._spawn_after = 0.0  # a worker that dies while starting delays the next start
        self._drain_deadline: float | None = None  # set once stopping has begun
        self._next_renew = 0.0
        self._atexit = False
        _SUPERVISORS.add(self)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive() and self._pid == os.getpid()

    @property
    def draining(self) -> bool:
        return self._drain_deadline is not None

    def start(self) -> None:
        with self._lock:
            if self.running or self.draining:  # a stopping service starts nothing new
                return
            self._stop.clear()
            self._pid = os.getpid()
            self._wake_r, self._wake_w = os.pipe()
            for fd in (self._wake_r, self._wake_w):
                fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) | os.O_NONBLOCK)
            self._thread = threading.Thread(target=self._run, name="thidua-job-supervisor",
                                            daemon=True)
            self._thread.start()
            if not self._atexit:
                atexit.register(self.stop)
                self._atexit = True

    def wake(self) -> None:
        fd = self._wake_w
        if fd is not None:
            with contextlib.suppress(BlockingIOError, OSError):
                os.write(fd, b"!")

    def drain(self, grace_s: float) -> None:
        """Stop dispatching; running steps have ``grace_s`` seconds to finish (a later call
        may shorten the deadline, never extend it). Returns at once; signal-handler safe."""
        deadline = time.monotonic() + max(0.0, grace_s)
        if self._drain_deadline is None or deadline < self._drain_deadline:
            self._drain_deadline = deadline
        self.wake()

    def stop(self, grace_s: float | None = None, timeout: float = 10.0) -> None:
        """Stop for good and wait: drain (``grace_s``, default none unless a drain is already
        under way), let the thread end its workers, close the wake-up pipe."""
        if grace_s is not None or not self.draining:
            self.drain(grace_s or 0.0)
        thread = self._thread
        if thread is not None and thread.is_alive() and thread is not threading.current_thread():
            remaining = max(0.0, (self._drain_deadline or 0.0) - time.monotonic())
            thread.join(remaining + timeout)
            if thread.is_alive():
                log.error("job supervisor did not stop in time; stopping its workers")
        self._stop.set()
        self.wake()
        if thread is None or not thread.is_alive():
            self._shutdown_workers()  # nothing left unless the thread never ran or died
            with self._lock:
                for fd in (self._wake_r, self._wake_w):
                    if fd is not None:
                        with contextlib.suppress(OSError):
                            os.close(fd)
                self._wake_r = self._wake_w = None
        else:
            self._shutdown_workers()

    # -- the loop -------------------------------------------------------------------------

    def _run(self) -> None:
        next_maintenance = 0.0
        while not self._stop.is_set():
            try:
                if self.draining:
                    if self._drain_step():
                        break
                    continue
                now = time.monotonic()
                if now >= next_maintenance:
                    self._maintenance()
                    next_maintenance = now + MAINTENANCE_INTERVAL_S
                if self.embedded:
                    self._enforce_time_limits()
                    dispatched = self._dispatch()
                    self._wait(0.02 if dispatched else 1.0)
                else:
                    self._enqueue()
                    self._wait(1.0)
            except Exception:
                log.exception("job supervisor error; retrying")
                self._stop.wait(0.5 if self.draining else 2.0)
        if self.embedded and any(s.process is not None for s in self.slots):
            self._shutdown_workers()  # stopped by stop()'s fallback or an error while draining

    def _drain_step(self) -> bool:
        """One round of stopping; True once every worker has exited."""
        now = time.monotonic()
        past_deadline = now >= (self._drain_deadline or 0.0)
        for slot in self.slots:
            if slot.process is None:
                continue
            if slot.busy and past_deadline:
                self._hand_back(slot)
            elif not slot.busy and not slot.exiting:
                slot.exiting = True
                with contextlib.suppress(OSError, EOFError, ValueError):
                    slot.conn.send(None)  # exits once it has read this
            elif not slot.busy and past_deadline and now - self._drain_deadline > 5.0:
                with contextlib.suppress(Exception):  # an idle worker that does not exit
                    slot.process.kill()
        if all(slot.process is None for slot in self.slots):
            log.info("batch workers stopped")
            return True
        busy = [s for s in self.slots if s.busy]
        if busy and now >= self._next_renew:  # running steps keep their claim meanwhile
            self._next_renew = now + MAINTENANCE_INTERVAL_S
            lease = float(self.settings["CHUNK_LEASE_S"])
            for slot in busy:
                with contextlib.suppress(Exception):
                    self.store.renew([(slot.step.job_id, slot.step.number)], slot.claimer,
                                     lease)
        until_deadline = (self._drain_deadline or 0.0) - now
        self._wait(min(0.5, max(0.01, until_deadline)) if busy else 0.5)
        return False

    def _maintenance(self) -> None:
        max_attempts = int(self.settings["MAX_CHUNK_ATTEMPTS"])
        lease = float(self.settings["CHUNK_LEASE_S"])
        own = [s.claimer for s in self.slots if s.busy and s.claimer]
        for slot in self.slots:
            if slot.busy and slot.claimer:
                self.store.renew([(slot.step.job_id, slot.step.number)], slot.claimer, lease)
        for job_id, number, status in self.store.reclaim_stale(max_attempts=max_attempts,
                                                               exclude=own):
            log.warning("batch step released", extra={"job": job_id, "step": number,
                                                      "status": status})
        if time.monotonic() >= self._next_cleanup:
            from service.jobs.cleanup import cleanup

            self._next_cleanup = time.monotonic() + CLEANUP_INTERVAL_S
            report = cleanup(self.store, self.service.files,
                             ttl_hours=float(self.settings["RESULT_TTL_HOURS"]))
            if report.jobs or report.orphans:
                log.info("batch files removed", extra={"jobs": len(report.jobs),
                                                       "orphans": len(report.orphans),
                                                       "bytes": report.bytes_freed})
        if self.embedded:
            self._stop_idle_workers()

    def _stop_idle_workers(self) -> None:
        """Ask workers that are up and have had nothing to do for ``IDLE_STOP_WORKERS_S`` to
        exit. A worker still starting is never idle: its clock starts when it says ready."""
        now = time.monotonic()
        for slot in self.slots:
            if slot.process is None or not slot.ready or slot.busy or slot.exiting:
                continue
            if now - slot.idle_since <= IDLE_STOP_WORKERS_S:
                continue
            log.info("batch worker idle; stopping it", extra={"pid": slot.process.pid})
            process = slot.process
            with contextlib.suppress(Exception):
                slot.conn.send(None)
                process.join(2)
            if process.is_alive():
                with contextlib.suppress(Exception):
                    process.kill()
                    process.join(2)
            self._clear(slot)

    def _wait(self, timeout: float) -> None:
        watched: list[Any] = [self._wake_r]
        for slot in self.slots:
            if slot.process is not None:
                watched.append(slot.process.sentinel)
                if slot.busy or not slot.ready:
                    watched.append(slot.conn)
        ready = wait_any(watched, timeout)
        if self._wake_r in ready:
            with contextlib.suppress(BlockingIOError, OSError):
                while os.read(self._wake_r, 4096):
                    pass
        for slot in self.slots:
            if slot.conn is not None and slot.conn in ready:
                self._receive(slot)
        for slot in self.slots:
            if slot.process is not None and slot.process.sentinel in ready:
                self._reap(slot)

    # -- embedded: workers ----------------------------------------------------------------

    def _spawn(self, slot: _Slot) -> None:
        import multiprocessing

        from service.jobs import worker

        mp = multiprocessing.get_context("spawn")
        parent_conn, child_conn = mp.Pipe(duplex=True)
        process = mp.Process(target=worker.main, name=f"thidua-job-worker-{slot.index}",
                             args=(worker_settings(self.settings), child_conn, os.getpid()),
                             daemon=True)
        process.start()
        child_conn.close()
        slot.process, slot.conn = process, parent_conn
        slot.claimer = claimer_id(process.pid)
        slot.step, slot.ready, slot.timed_out, slot.exiting = None, False, False, False
        log.info("batch worker started", extra={"pid": process.pid, "slot": slot.index})

    def worker_pids(self) -> list[int]:
        return [s.process.pid for s in self.slots
                if s.process is not None and s.process.is_alive()]

    def _dispatch(self) -> bool:
        dispatched = False
        max_attempts = int(self.settings["MAX_CHUNK_ATTEMPTS"])
        lease = float(self.settings["CHUNK_LEASE_S"])
        for slot in self.slots:
            if slot.busy or slot.exiting or self._stop.is_set() or self.draining:
                continue
            if slot.process is None:
                if time.monotonic() < self._spawn_after or not self.store.has_runnable():
                    return dispatched
                self._spawn(slot)
            if not slot.ready:
                continue
            step = self.store.claim_next(slot.claimer, lease_s=lease, max_attempts=max_attempts)
            if step is None:
                return dispatched
            try:
                slot.conn.send(step)
            except (OSError, EOFError):
                self.store.release(step.job_id, step.number, slot.claimer, "worker_died",
                                   max_attempts=max_attempts, refund=True)  # never sent
                self._reap(slot)
                continue
            slot.step, slot.dispatched_at = step, time.monotonic()
            dispatched = True
        return dispatched

    def _receive(self, slot: _Slot) -> bool:
        """Read and handle one message; False when there is none (the worker has gone)."""
        try:
            kind, job_id, number, detail = slot.conn.recv()
        except (EOFError, OSError, ValueError):
            return False  # the worker died; its sentinel tells us next
        self._handle(slot, kind, job_id, number, detail)
        return True

    def _receive_pending(self, slot: _Slot) -> None:
        """Handle every message a worker sent before it ended."""
        while slot.conn is not None and self._poll(slot) and self._receive(slot):
            pass

    def _handle(self, slot: _Slot, kind: str, job_id, number, detail) -> None:
        if kind == "ready":
            slot.ready, slot.idle_since = True, time.monotonic()
            return
        if kind == "exiting":  # it will not take another step (its step cap, or SIGTERM)
            slot.exiting = True
            return
        step = slot.step
        slot.step, slot.idle_since = None, time.monotonic()
        if kind == "error" and step is not None:
            self.store.release(job_id, number, slot.claimer, "worker_error",
                               max_attempts=int(self.settings["MAX_CHUNK_ATTEMPTS"]))
            log.warning("batch step error", extra={"job": job_id, "step": number,
                                                   "error": detail})

    def _reap(self, slot: _Slot) -> None:
        """The worker process ended: release its step, if any."""
        process = slot.process
        if process is None:
            return
        process.join(0.5)
        if not slot.ready and not slot.busy and not slot.exiting:
            log.error("batch worker exited while starting", extra={
                "pid": process.pid, "exitcode": process.exitcode})
            self._spawn_after = time.monotonic() + 5.0
        self._receive_pending(slot)  # it may have finished its step before exiting
        if slot.busy:
            max_attempts = int(self.settings["MAX_CHUNK_ATTEMPTS"])
            if process.exitcode == 0:
                # a clean exit (its step cap, or told to stop) before it read the step: the
                # step never started, so it costs no attempt
                reason = "shutdown" if self.draining else "worker_exited"
                status = self.store.release(slot.step.job_id, slot.step.number, slot.claimer,
                                            reason, max_attempts=max_attempts, refund=True)
            else:
                reason = "timeout" if slot.timed_out else "worker_died"
                status = self.store.release(slot.step.job_id, slot.step.number, slot.claimer,
                                            reason, max_attempts=max_attempts)
            log.warning("batch worker died", extra={"pid": process.pid, "job": slot.step.job_id,
                                                    "step": slot.step.number,
                                                    "exitcode": process.exitcode,
                                                    "reason": reason, "status": status})
        self._clear(slot)

    @staticmethod
    def _poll(slot: _Slot) -> bool:
        try:
            return slot.conn.poll(0)
        except (OSError, EOFError, ValueError):
            return False

    @staticmethod
    def _clear(slot: _Slot) -> None:
        with contextlib.suppress(Exception):
            slot.conn.close()
        slot.process = slot.conn = slot.claimer = slot.step = None
        slot.ready = slot.timed_out = slot.exiting = False

    def _hand_back(self, slot: _Slot) -> None:
        """Stopping: end a worker still busy at the deadline and give its step back without
        using an attempt. Its output, if any, was going to a temporary file that dies with
        it (see :func:`service.bulk.write_atomic`)."""
        process, step = slot.process, slot.step
        with contextlib.suppress(Exception):
            process.kill()
            process.join(5)
        self._receive_pending(slot)  # it finished just before the kill: recorded already
        if slot.busy:
            status = self.store.release(step.job_id, step.number, slot.claimer, "shutdown",
                                        max_attempts=int(self.settings["MAX_CHUNK_ATTEMPTS"]),
                                        refund=True)
            log.warning("batch step handed back", extra={"job": step.job_id,
                                                         "step": step.number,
                                                         "status": status})
        self._clear(slot)

    def _enforce_time_limits(self) -> None:
        limit = float(self.settings["CHUNK_TIME_LIMIT_S"])
        now = time.monotonic()
        for slot in self.slots:
            if slot.busy and not slot.timed_out and now - slot.dispatched_at > limit:
                log.warning("batch step over its time limit; stopping its worker",
                            extra={"job": slot.step.job_id, "step": slot.step.number})
                slot.timed_out = True
                with contextlib.suppress(Exception):
                    slot.process.kill()

    def _shutdown_workers(self) -> None:
        """End every worker now: idle ones are asked to exit, busy ones are stopped and their
        steps handed back without using an attempt."""
        for slot in self.slots:
            process = slot.process
            if process is None:
                continue
            if slot.busy:
                with contextlib.suppress(Exception):
                    self._hand_back(slot)
                continue
            with contextlib.suppress(Exception):
                slot.conn.send(None)
                process.join(2)
            if process.is_alive():
                with contextlib.suppress(Exception):
                    process.kill()
                    process.join(2)
            self._clear(slot)

    # -- celery: messages -----------------------------------------------------------------

    def _enqueue(self) -> None:
        from service.jobs.celery_app import send_step

        keys = self.store.to_enqueue(
            requeue_after_s=float(self.settings["BROKER_VISIBILITY_TIMEOUT_S"]) + 60)
        sent = []
        try:
            for job_id, number in keys:
                send_step(self.settings, job_id, number)
                sent.append((job_id, number))
        except Exception:
            unsent = [k for k in keys if k not in sent]
            self.store.forget_enqueued(unsent)
            log.exception("cannot reach the broker; %d steps will be sent again", len(unsent))
            self._stop.wait(2.0)
