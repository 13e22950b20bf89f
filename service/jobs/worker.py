"""The embedded worker process: receives claimed steps from the service's supervisor over a
pipe, runs them (:func:`service.jobs.execute.run_step`) and reports the outcome.

Started with the ``spawn`` method (no state inherited from a threaded server process) and,
on Linux, tied to its parent with ``PR_SET_PDEATHSIG``: when the service dies, its workers
die with it instead of lingering; the steps they held are taken back on the next start.

SIGTERM (a service manager signalling every process of the service) does not interrupt a
step: the worker finishes and reports the step in hand, says it is exiting, and exits.
Before leaving for any reason of its own (SIGTERM, its step cap) it tells the supervisor
(``exiting``), so that no further step is sent to it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
import threading
from typing import Any

log = logging.getLogger(__name__)

# A worker process exits after this many steps and is replaced: bounds slow native growth.
MAX_STEPS_PER_PROCESS = 200
IDLE_POLL_S = 0.5


def _die_with_parent(parent_pid: int) -> None:
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            libc = ctypes.CDLL("libc.so.6", use_errno=True)
            libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except OSError:  # pragma: no cover - no glibc
            pass
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(0)


def main(settings: dict[str, Any], conn, parent_pid: int) -> None:
    _die_with_parent(parent_pid)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C goes to the service, which stops us
    stopping = threading.Event()
    # SIGTERM (e.g. systemd signalling the whole service): finish the step in hand, record
    # it, then exit; the supervisor decides about the rest.
    signal.signal(signal.SIGTERM, lambda signum, frame: stopping.set())
    from service.jobs.execute import context_for, run_step
    from service.logging_setup import configure_logging

    configure_logging(settings.get("LOG_LEVEL", "INFO"))
    ctx = context_for(settings)
    # imports paid before the first step's clock starts
    import service.bulk
    import service.rendering  # noqa: F401

    try:
        conn.send(("ready", None, None, None))
    except (OSError, EOFError):
        return
    handled = 0
    while True:
        if handled >= MAX_STEPS_PER_PROCESS or stopping.is_set():
            with contextlib.suppress(OSError, EOFError):
                conn.send(("exiting", None, None, None))
            return
        try:
            if not conn.poll(IDLE_POLL_S):  # wakes up now and then to notice SIGTERM
                continue
            step = conn.recv()
        except (EOFError, OSError):
            return
        if step is None:
            return
        try:
            outcome = run_step(ctx, step)
            message = ("result", step.job_id, step.number, outcome)
        except Exception as exc:
            log.exception("batch step crashed", extra={"job": step.job_id, "step": step.number})
            message = ("error", step.job_id, step.number, type(exc).__name__)
        try:
            conn.send(message)
        except (OSError, EOFError):
            return
        handled += 1
