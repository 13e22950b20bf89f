"""What the job store hands out and raises: the claimer identity of a worker process,
read-only views of jobs and steps, the outcomes of claims and finishes, and the messages a
failed step leaves."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import psutil

from service.db.jobs import (
    FAILED,
    FINISHED,
    ITEM_FAILED,
    RENDER,
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
    kind: str = "batch"                  # batch or dossier (service.db.jobs)
    source: str | None = None            # a dossier's issued decision

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
    job_kind: str = "batch"

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
                   tuple(failed_items), job.kind or "batch", job.source)


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
                    job.chunk_count, job.chunk_size, job.kind or "batch")


# ---------------------------------------------------------------------------- outcomes


class QueueDepthExceeded(Exception):
    """Creating the job would take the items waiting or rendering past the limit."""

    def __init__(self, depth: int) -> None:
        super().__init__(depth)
        self.depth = depth


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
