"""Distributed mode: batch steps as Celery tasks on Redis.

What Celery promises and what it does not (SECURITY.md §1 item 13, §3.3) shapes the setup:

* ``task_acks_late`` + ``task_reject_on_worker_lost``: a message is acknowledged only after
  its step ran; a worker child killed mid-step (OOM, SIGKILL, hard time limit) puts the
  message back instead of losing it. Celery warns that this can loop on a poison message;
  here it cannot, because every delivery must first *claim* the step in the database, and a
  step that has used ``MAX_CHUNK_ATTEMPTS`` claims fails its job instead of running again.
* ``worker_prefetch_multiplier = 1``: a worker holds one message per process, so a long
  chunk never sits behind another in a prefetch buffer.
* soft and hard time limits (``CHUNK_TIME_LIMIT_S``, +30 s), and a Redis
  ``visibility_timeout`` longer than both (checked at start), so a running chunk is never
  redelivered while it still runs.
* steps are idempotent: the chunk file has a deterministic name and is written atomically;
  a delivery that finds it only records it, and recording twice counts once.
* messages carry ids only (job id, step number); the items are in files under ``DATA_DIR``,
  which every worker must see (one machine, or a shared file system).
* cancelling is cooperative (the job's status in the database); nothing is revoked.
* stopping: SIGTERM to ``python -m service worker`` is Celery's warm shutdown: no new
  message is taken, the chunks running finish (within their time limit) and are recorded,
  messages reserved but not started go back to Redis. A cold shutdown (SIGQUIT) or a
  service manager signalling every process sends SIGTERM to the pool processes: the chunk
  is abandoned and its step handed back to ``pending`` without using an attempt (reason
  ``shutdown``; the service sends it again). A soft time limit hands the step back as an
  attempt (reason ``timeout``).

``python -m service worker`` starts a worker; ``celery -A service.jobs.celery_app:app worker``
works too (the app is built from the ``THIDUA_*`` environment on first access).
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
from collections.abc import Mapping
from typing import Any

from service.jobs.execute import (
    INTERRUPTS,
    ShutdownRequested,
    context_for,
    run_step,
    worker_settings,
)
from service.jobs.store import claimer_id

TASK_NAME = "thidua.batch_step"

_apps: dict[tuple, Any] = {}
_apps_lock = threading.Lock()


def celery_config(settings: Mapping[str, Any]) -> dict[str, Any]:
    soft = int(settings["CHUNK_TIME_LIMIT_S"])
    transport = {"visibility_timeout": int(settings["BROKER_VISIBILITY_TIMEOUT_S"])}
    if settings.get("BROKER_KEY_PREFIX"):
        transport["global_keyprefix"] = settings["BROKER_KEY_PREFIX"]
    return {
        "broker_url": settings["BROKER_URL"],
        "broker_transport_options": transport,
        "broker_connection_retry_on_startup": True,
        "task_default_queue": settings["JOB_QUEUE"],
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "task_soft_time_limit": soft,
        "task_time_limit": soft + 30,
        "task_ignore_result": True,
        "task_serializer": "json",
        "accept_content": ["json"],
        "worker_prefetch_multiplier": 1,
        "worker_max_tasks_per_child": 200,
        "worker_cancel_long_running_tasks_on_connection_loss": True,
        "worker_send_task_events": False,
        "enable_utc": True,
    }


def create_celery(settings: Mapping[str, Any]):
    """A Celery app for these settings, with the step task registered."""
    from celery import Celery
    from celery.exceptions import SoftTimeLimitExceeded

    if SoftTimeLimitExceeded not in INTERRUPTS:
        INTERRUPTS.append(SoftTimeLimitExceeded)
    for noisy in ("fontTools", "weasyprint.progress", "alembic"):  # as configure_logging does
        logging.getLogger(noisy).setLevel(logging.WARNING)
    from celery.signals import worker_init

    worker_init.connect(_warm_up, weak=False, dispatch_uid="thidua-warm-up")
    conf = worker_settings(settings)
    app = Celery("thidua", set_as_current=False)
    app.conf.update(celery_config(settings))

    @app.task(name=TASK_NAME, bind=True, acks_late=True, reject_on_worker_lost=True,
              ignore_result=True)
    def batch_step(task, job_id: str, number: int) -> str:
        return execute_task(conf, job_id, int(number))

    return app


def _warm_up(**_kwargs) -> None:
    """In the worker's main process, before its pool processes are forked: the renderer's
    imports (WeasyPrint, fontTools: about a second), which the pool processes then inherit,
    so that they neither count against a chunk's time limit nor get cut in half by it."""
    import service.bulk
    import service.rendering.pdf_backend  # noqa: F401


def get_celery(settings: Mapping[str, Any]):
    key = (os.getpid(), settings["BROKER_URL"], settings["JOB_QUEUE"],
           settings.get("BROKER_KEY_PREFIX", ""), settings["CHUNK_TIME_LIMIT_S"],
           settings["BROKER_VISIBILITY_TIMEOUT_S"])
    with _apps_lock:
        app = _apps.get(key)
        if app is None:
            app = _apps[key] = create_celery(settings)
        return app


def send_step(settings: Mapping[str, Any], job_id: str, number: int) -> None:
    get_celery(settings).send_task(TASK_NAME, args=[job_id, number], queue=settings["JOB_QUEUE"])


def _heartbeat(ctx, job_id: str, number: int, claimer: str, stop: threading.Event) -> None:
    while not stop.wait(ctx.lease_s / 3):
        # a missed beat is retried at the next one; the lease covers a few misses
        with contextlib.suppress(Exception):
            ctx.store.renew([(job_id, number)], claimer, ctx.lease_s)


def _give_back(settings, ctx, job_id: str, number: int, claimer: str, reason: str) -> None:
    """Release a step this delivery could not finish and send it again (bounded by the
    attempt count: the next claim of an exhausted step fails the job)."""
    if ctx.store.release(job_id, number, claimer, reason,
                         max_attempts=ctx.max_attempts) == "pending" and \
            ctx.store.mark_enqueued(job_id, number):
        send_step(settings, job_id, number)


@contextlib.contextmanager
def _raise_on_signal(signum: int | None, exc_type: type[BaseException]):
    """In a prefork pool process, ``signum`` raises ``exc_type`` into the step, once (later
    ones are ignored while the step is handed back). Nothing changes in a worker's main
    process or off the main thread."""
    from billiard.process import current_process

    if signum is None or current_process()._name == "MainProcess" or \
            threading.current_thread() is not threading.main_thread():
        yield
        return
    fired = False

    def handler(signum, frame) -> None:
        nonlocal fired
        if not fired:
            fired = True
            raise exc_type()

    previous = signal.signal(signum, handler)
    try:
        yield
    finally:
        signal.signal(signum, previous)


class SoftLimitReached(BaseException):
    """The chunk's soft time limit, raised into the step as a BaseException. Celery's own
    ``SoftTimeLimitExceeded`` is an ``Exception``: a library that catches every ``Exception``
    (WeasyPrint does, around fetching a font or an image) would swallow it and finish the
    document, late and perhaps without what it was fetching."""


def _interrupt_on_sigterm():
    """SIGTERM raises :class:`ShutdownRequested`: Celery resets SIGTERM to its default in pool
    processes, which would kill the process mid-step and cost the step an attempt."""
    return _raise_on_signal(signal.SIGTERM, ShutdownRequested)


def _interrupt_on_soft_limit():
    """The soft time limit (billiard's SIGUSR1) raises :class:`SoftLimitReached`."""
    return _raise_on_signal(getattr(signal, "SIGUSR1", None), SoftLimitReached)


def execute_task(settings: Mapping[str, Any], job_id: str, number: int) -> str:
    """One delivery of a step message: claim the step, run it, hand on to the merge."""
    from celery.exceptions import SoftTimeLimitExceeded

    ctx = context_for(settings)
    claimer = claimer_id()
    claim = ctx.store.claim(job_id, number, claimer, lease_s=ctx.lease_s,
                            max_attempts=ctx.max_attempts)
    if claim.outcome != "claimed":
        return claim.outcome
    stop = threading.Event()
    beat = threading.Thread(target=_heartbeat, args=(ctx, job_id, number, claimer, stop),
                            daemon=True)
    beat.start()
    try:
        with _interrupt_on_sigterm(), _interrupt_on_soft_limit():
            try:
                outcome = run_step(ctx, claim.step)
            except ShutdownRequested:
                # the supervisor of the service sends it again (enqueued_at is cleared)
                ctx.store.release(job_id, number, claimer, "shutdown",
                                  max_attempts=ctx.max_attempts, refund=True)
                return "shutdown"
    except (SoftTimeLimitExceeded, SoftLimitReached):
        _give_back(settings, ctx, job_id, number, claimer, "timeout")
        return "timeout"
    except Exception:
        _give_back(settings, ctx, job_id, number, claimer, "worker_error")
        raise
    finally:
        stop.set()
    if outcome == "merge_ready":
        merge = ctx.store.merge_number(job_id)  # not chunk_count + 1: steps may be split
        if merge is not None and ctx.store.mark_enqueued(job_id, merge):
            send_step(settings, job_id, merge)
    return outcome


def worker_argv(settings: Mapping[str, Any], *, concurrency: int, loglevel: str,
                hostname: str | None = None) -> list[str]:
    return ["worker", "--loglevel", loglevel, "--concurrency", str(concurrency),
            "--pool", "prefork", "--queues", settings["JOB_QUEUE"], "-O", "fair",
            "--without-gossip", "--without-mingle",
            "--hostname", hostname or f"thidua-{os.getpid()}@%h"]


def __getattr__(name: str):
    if name == "app":
        from service import config

        return get_celery(config.load())
    raise AttributeError(name)
