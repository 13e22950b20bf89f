"""Run the app under gunicorn, programmatically (``serve``) or from ``gunicorn.conf.py``.

Stopping (SIGTERM to the gunicorn master, as systemd, Docker or Kubernetes send it):

1. the master closes the listening socket and sends SIGTERM to its workers; it SIGKILLs a
   worker still alive ``GRACEFUL_TIMEOUT_S`` later;
2. in each worker, :func:`post_worker_init`'s handler tells the batch supervisor to drain
   (:meth:`service.jobs.runner.Supervisor.drain`): no new chunk starts, idle batch workers
   exit, a chunk being rendered has ``GRACEFUL_TIMEOUT_S - CHUNK_GRACE_MARGIN_S`` seconds to
   finish and be recorded, after which it is stopped and handed back without using an
   attempt; meanwhile gunicorn finishes the requests in flight (same timeout);
3. when the worker leaves, :func:`worker_exit` waits for the supervisor, which ends only
   after its batch workers have exited; then the process exits, well before the SIGKILL.

SIGINT and SIGQUIT are gunicorn's quick shutdown: running chunks are handed back at once.
"""

from __future__ import annotations

import signal
import sys
from typing import Any

GRACEFUL_TIMEOUT_S = 30
# time kept after a running chunk's grace for stopping it, recording the hand-back and exiting
CHUNK_GRACE_MARGIN_S = 10


def chunk_grace(graceful_timeout: float) -> float:
    return max(0.0, float(graceful_timeout) - CHUNK_GRACE_MARGIN_S)


def post_worker_init(worker) -> None:
    """gunicorn hook: on SIGTERM, start draining batch work alongside gunicorn's own
    graceful stop (its handler still runs: no new connections, requests in flight finish)."""
    from service.jobs.runner import drain_all  # imported now, not inside the handler

    previous = signal.getsignal(signal.SIGTERM)
    grace = chunk_grace(worker.cfg.graceful_timeout)

    def on_sigterm(signum, frame) -> None:
        drain_all(grace)
        if callable(previous):
            previous(signum, frame)

    signal.signal(signal.SIGTERM, on_sigterm)
    signal.siginterrupt(signal.SIGTERM, False)


def worker_int(worker) -> None:
    """gunicorn hook (SIGINT/SIGQUIT, quick shutdown): hand running chunks back now."""
    from service.jobs.runner import drain_all

    drain_all(0)


def worker_abort(worker) -> None:
    """gunicorn hook (SIGABRT: the worker missed its heartbeat and is being replaced)."""
    from service.jobs.runner import drain_all

    drain_all(0)


def worker_exit(server, worker) -> None:
    """gunicorn hook, in the exiting worker: wait until its batch workers have stopped (also
    when gunicorn recycles the worker without a signal: then chunks get the same grace)."""
    import os

    if worker.pid != os.getpid():  # gunicorn also calls this in the master for a lost worker
        return
    from service.jobs.runner import stop_all

    stop_all(chunk_grace(worker.cfg.graceful_timeout))


HOOKS = {"post_worker_init": post_worker_init, "worker_int": worker_int,
         "worker_abort": worker_abort, "worker_exit": worker_exit}


def run(host: str, port: int, *, workers: int = 1, threads: int = 8) -> None:
    from gunicorn.app.base import BaseApplication

    from service import create_app
    from service.config import load

    settings = load()

    class _App(BaseApplication):
        def load_config(self) -> None:
            options: dict[str, Any] = {
                "bind": f"{host}:{port}",
                "workers": workers,
                "threads": threads,
                "worker_class": "service.gworker.BufferingWorker",  # whole requests first
                "timeout": settings["RENDER_TIMEOUT_S"],
                "graceful_timeout": GRACEFUL_TIMEOUT_S,
                "limit_request_line": 8190,
                "limit_request_fields": 100,
                "limit_request_field_size": 8190,
                "accesslog": None,
                **HOOKS,
            }
            if "control_socket_disable" in self.cfg.settings:  # gunicorn >= 27: one shared
                options["control_socket_disable"] = True       # ~/.gunicorn socket otherwise
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self):
            return create_app()

    sys.stdout.write(f"Dịch vụ văn bản thi đua, khen thưởng: http://{host}:{port}/\n")
    sys.stdout.flush()
    _App().run()
