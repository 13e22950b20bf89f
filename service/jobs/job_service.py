"""The job service API: what the HTTP API (and any other adapter) talks to.

:class:`JobService` validates and stores a submission, refuses one the queue cannot take
(back-pressure: :meth:`JobService.check_capacity`, ``QUEUE_MAX_ITEMS``), and owns one
:class:`~service.jobs.supervisor.Supervisor` per process, started with the service when
unfinished jobs exist and on the first submission otherwise.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from service.bulk import Output
from service.config import ConfigError
from service.db import database_url
from service.errors import disk_full_problem, is_storage_full
from service.jobs.files import JobFiles
from service.jobs.store import IdempotencyConflict, JobStore, JobView, QueueDepthExceeded
from service.jobs.supervisor import Supervisor


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

    def submit(self, doc_type, output: Output | str, items: Sequence, *, owner: str | None = None,
               idempotency_key: str | None = None, fingerprint: str | None = None,
               start: bool = True, register: range | None = None, kind: str = "batch",
               source: str | None = None, reserve=None) -> Submission:
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
            job = self.store.create_job(job_id, document_type=doc_type.id, output=str(output),
                                        spans=spans, chunk_size=chunk_size, owner=owner,
                                        idempotency_key=idempotency_key,
                                        request_hash=fingerprint,
                                        max_queue_items=int(self.settings["QUEUE_MAX_ITEMS"]),
                                        register=register, kind=kind, source=source,
                                        reserve=reserve)
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
