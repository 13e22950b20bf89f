"""The embedded worker pool (no ``BROKER_URL``): ``JOB_WORKERS`` worker processes, one slot each.

Workers are started lazily and replaced when one dies or after 200 steps. The pool claims
runnable steps from the database for idle workers, stops a worker whose step runs past
``CHUNK_TIME_LIMIT_S``, and releases the step of a worker that dies: back to ``pending``, or
failing the job once it has used ``MAX_CHUNK_ATTEMPTS``. A worker that dies takes only its own
step with it. :class:`WorkerPool` is a part of :class:`~service.jobs.supervisor.Supervisor`,
whose thread drives it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from service.jobs.execute import worker_settings
from service.jobs.store import JobStore, StepView, claimer_id

log = logging.getLogger("service.jobs.runner")  # the name the log records always had

IDLE_STOP_WORKERS_S = 600.0


@dataclass
class Slot:
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


class WorkerPool:
    """The worker slots of a supervisor and what is done to them (embedded mode)."""

    slots: list[Slot]
    store: JobStore
    settings: Mapping[str, Any]
    draining: bool
    _stop: threading.Event
    _spawn_after: float

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

    def _spawn(self, slot: Slot) -> None:
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

    def _receive(self, slot: Slot) -> bool:
        """Read and handle one message; False when there is none (the worker has gone)."""
        try:
            kind, job_id, number, detail = slot.conn.recv()
        except (EOFError, OSError, ValueError):
            return False  # the worker died; its sentinel tells us next
        self._handle(slot, kind, job_id, number, detail)
        return True

    def _receive_pending(self, slot: Slot) -> None:
        """Handle every message a worker sent before it ended."""
        while slot.conn is not None and self._poll(slot) and self._receive(slot):
            pass

    def _handle(self, slot: Slot, kind: str, job_id, number, detail) -> None:
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

    def _reap(self, slot: Slot) -> None:
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
    def _poll(slot: Slot) -> bool:
        try:
            return slot.conn.poll(0)
        except (OSError, EOFError, ValueError):
            return False

    @staticmethod
    def _clear(slot: Slot) -> None:
        with contextlib.suppress(Exception):
            slot.conn.close()
        slot.process = slot.conn = slot.claimer = slot.step = None
        slot.ready = slot.timed_out = slot.exiting = False

    def _hand_back(self, slot: Slot) -> None:
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
