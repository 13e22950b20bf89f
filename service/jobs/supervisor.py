"""The supervisor: the thread that keeps this process's batch jobs moving.

Embedded mode (no ``BROKER_URL``): it drives the worker processes of its
:class:`~service.jobs.pool.WorkerPool`, renews their leases, and cleans up old job files.

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
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import logging
import os
import threading
import time
import weakref
from multiprocessing.connection import wait as wait_any
from typing import Any, Protocol

from service.jobs.files import JobFiles
from service.jobs.pool import Slot, WorkerPool
from service.jobs.store import JobStore

log = logging.getLogger("service.jobs.runner")  # the name the log records always had

MAINTENANCE_INTERVAL_S = 2.0
CLEANUP_INTERVAL_S = 3600.0


class JobHost(Protocol):
    """What a supervisor needs of its :class:`~service.jobs.job_service.JobService`."""

    settings: dict[str, Any]
    store: JobStore
    files: JobFiles
    mode: str  # "embedded" or "celery"


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


class Supervisor(WorkerPool):
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

    def __init__(self, service: JobHost) -> None:
        self.service = service
        self.store = service.store
        self.settings = service.settings
        self.embedded = service.mode == "embedded"
        self.slots = [Slot(i) for i in range(int(self.settings["JOB_WORKERS"]))] \
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
