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

The parts: :mod:`service.jobs.job_service` (the API side: submissions, back-pressure),
:mod:`service.jobs.supervisor` (the thread, stopping, Celery messages) and
:mod:`service.jobs.pool` (the embedded worker processes). This module keeps their names
importable from one place.
"""

from service.jobs.job_service import (
    RETRY_AFTER_DEFAULT_S,
    RETRY_AFTER_MAX_S,
    THROUGHPUT_WINDOW_S,
    IdempotencyMismatch,
    JobService,
    QueueFull,
    Submission,
    check_settings,
    request_fingerprint,
)
from service.jobs.pool import IDLE_STOP_WORKERS_S, WorkerPool
from service.jobs.supervisor import (
    CLEANUP_INTERVAL_S,
    MAINTENANCE_INTERVAL_S,
    Supervisor,
    drain_all,
    stop_all,
)

__all__ = ["CLEANUP_INTERVAL_S", "IDLE_STOP_WORKERS_S", "MAINTENANCE_INTERVAL_S",
           "RETRY_AFTER_DEFAULT_S", "RETRY_AFTER_MAX_S", "THROUGHPUT_WINDOW_S",
           "IdempotencyMismatch", "JobService", "QueueFull", "Submission", "Supervisor",
           "WorkerPool", "check_settings", "drain_all", "request_fingerprint", "stop_all"]
