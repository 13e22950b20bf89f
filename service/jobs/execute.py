"""Doing one claimed step: render a chunk or merge the result, then record the outcome.

The same function runs in the embedded worker processes and in Celery tasks. Every file is
written through :func:`service.bulk.write_atomic` under a deterministic name, so a step that
runs again (a redelivered message, a worker that died after writing) finds its file and only
records it. A write error (disk full, read-only, quota) fails the job with the reason; a file
is never recorded unless it was written completely.
"""

from __future__ import annotations

import errno
import logging
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from service.bulk import Output
from service.db import database_url, on_dispose
from service.db.jobs import ACTIVE, DONE, DOSSIER, MERGE, RENDER
from service.jobs.files import JobFiles
from service.jobs.store import JobStore, StepView

log = logging.getLogger(__name__)

# Settings a worker needs; they travel to embedded workers at spawn time.
WORKER_KEYS = ("DATA_DIR", "TEMPLATES_DIR", "DATABASE_URL", "MAX_CHUNK_ATTEMPTS",
               "CHUNK_LEASE_S", "CHUNK_TIME_LIMIT_S", "BROKER_URL", "BROKER_KEY_PREFIX",
               "JOB_QUEUE",
               "BROKER_VISIBILITY_TIMEOUT_S", "LOG_LEVEL")

STORAGE_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


@dataclass
class JobContext:
    """What a process needs to run steps: settings, the store and the file layout."""

    settings: dict[str, Any]
    store: JobStore
    files: JobFiles

    @property
    def max_attempts(self) -> int:
        return int(self.settings["MAX_CHUNK_ATTEMPTS"])

    @property
    def lease_s(self) -> float:
        return float(self.settings["CHUNK_LEASE_S"])


_contexts: dict[tuple[int, str, str], JobContext] = {}
_contexts_lock = threading.Lock()


def worker_settings(settings: Mapping[str, Any]) -> dict[str, Any]:
    return {key: settings[key] for key in WORKER_KEYS}


def context_for(settings: Mapping[str, Any]) -> JobContext:
    """The process-wide context for these settings (one store and engine per process)."""
    url = database_url(settings)
    key = (os.getpid(), url, str(settings["DATA_DIR"]))
    with _contexts_lock:
        ctx = _contexts.get(key)
        if ctx is None:
            ctx = JobContext(dict(settings), JobStore(url), JobFiles(settings["DATA_DIR"]))
            _contexts[key] = ctx
        return ctx


class ShutdownRequested(BaseException):
    """Raised into a running step when its process is being stopped (a Celery pool process
    sent SIGTERM): the step is abandoned and handed back without using an attempt. A
    BaseException, so that no ``except Exception`` on the way turns it into a failure."""


# Exceptions that interrupt a step from outside (a Celery soft time limit); a renderer error
# handler must let them through instead of failing the job with ``render_failed``.
INTERRUPTS: list[type[BaseException]] = []


class StepFailed(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(code)
        self.code, self.message = code, message


def _what(step: StepView) -> str:
    return f"phần {step.number} (mục {step.start + 1}–{step.stop})"


def _write_error(exc: OSError, step: StepView) -> StepFailed:
    where = _what(step) if step.kind != MERGE else "tệp kết quả"
    if exc.errno in STORAGE_FULL:
        return StepFailed("storage_full",
                          f"Hết dung lượng lưu trữ khi ghi {where}; lô bị dừng, không có tệp "
                          f"kết quả dở dang. Giải phóng dung lượng rồi gửi lại.")
    reason = os.strerror(exc.errno) if exc.errno else type(exc).__name__
    return StepFailed("storage_error",
                      f"Không ghi được {where} ({reason}); lô bị dừng, không có tệp kết quả "
                      f"dở dang.")


def _os_error_cause(exc: BaseException) -> OSError | None:
    """The storage error behind an exception, if that is what it is."""
    seen = 0
    current: BaseException | None = exc
    while current is not None and seen < 10:
        if isinstance(current, OSError) and current.errno in STORAGE_FULL | {
                errno.EROFS, errno.EIO, errno.EACCES}:
            return current
        current = current.__cause__ or current.__context__
        seen += 1
    return None


def _interrupt_cause(exc: BaseException) -> BaseException | None:
    """The :data:`INTERRUPTS` exception behind ``exc``, if that is what it is."""
    seen = 0
    current: BaseException | None = exc
    while current is not None and seen < 10:
        if INTERRUPTS and isinstance(current, tuple(INTERRUPTS)):
            return current
        current = current.__cause__ or current.__context__
        seen += 1
    return None


def run_step(ctx: JobContext, step: StepView) -> str:
    """Do a step this process has claimed and record it.

    :returns: ``done``, ``merge_ready`` (the last render step: the merge may start),
        ``succeeded`` (the merge finished), ``failed`` or ``inactive`` (cancelled meanwhile).
    """
    job = ctx.store.get(step.job_id)
    if job is None or job.status not in ACTIVE:
        return "inactive"
    try:
        if step.kind == MERGE:
            return _merge(ctx, step)
        return _render(ctx, step)
    except StepFailed as failure:
        log.warning("batch step failed", extra={"job": step.job_id, "step": step.number,
                                                "code": failure.code})
        ctx.store.fail_step(step.job_id, step.number, failure.code, failure.message)
        return "failed"


def _chunk_output(step: StepView) -> Output:
    """A dossier's render steps make merged PDFs (split per certificate at the end)."""
    return Output.PDF if step.job_kind == DOSSIER else Output(step.output)


def _render(ctx: JobContext, step: StepView) -> str:
    from service.bulk import write_atomic

    path = ctx.files.chunk_path(step.job_id, step.number, _chunk_output(step))
    if not path.exists():
        content = _render_content(ctx, step)
        try:
            write_atomic(path, content)
        except OSError as exc:
            raise _write_error(exc, step) from None
    finish = ctx.store.finish_render(step.job_id, step.number)
    return "merge_ready" if finish.merge_ready else "done"


def _load_items(ctx: JobContext, step: StepView) -> list:
    try:
        items = _step_items(ctx, step)
    except FileNotFoundError:
        raise StepFailed("input_missing", f"Dữ liệu đầu vào của {_what(step)} không còn "
                                          f"trên đĩa; hãy gửi lại lô.") from None
    if step.job_kind == DOSSIER:  # the commendation register numbers reserved for them
        from service.jobs.dossier_zip import numbered

        items = numbered(ctx.settings, step.job_id, items)
    return items


def _render_content(ctx: JobContext, step: StepView) -> bytes:
    from service import registry
    from service.bulk import render_chunk
    from service.rendering import get_renderer

    doc_type = registry.get(step.document_type)
    if doc_type is None:
        raise StepFailed("unknown_document_type",
                         f"Loại văn bản “{step.document_type}” không còn được hỗ trợ.")
    items = _load_items(ctx, step)
    try:
        return render_chunk(get_renderer(ctx.settings["TEMPLATES_DIR"]), doc_type, items,
                            _chunk_output(step))
    except Exception as exc:
        interrupt = _interrupt_cause(exc)
        if interrupt is not None:  # the renderer wrapped it (RenderError from …)
            raise interrupt from None
        log.exception("batch chunk render failed",
                      extra={"job": step.job_id, "step": step.number})
        cause = _os_error_cause(exc)
        if cause is not None:  # e.g. a full temporary directory while rendering
            raise _write_error(cause, step) from None
        raise StepFailed("render_failed",
                         f"Không tạo được văn bản của {_what(step)}; lỗi đã được ghi "
                         f"lại.") from None


def _source(step: StepView) -> int:
    """The render step whose input file holds this step's items: itself, or for a step split
    from a failing one, the original step its items came from."""
    return step.start // step.chunk_size + 1 if step.chunk_size else step.number


def _step_items(ctx: JobContext, step: StepView) -> list:
    items = ctx.files.read_input(step.job_id, _source(step))
    return [item for item in items if step.start <= item.index < step.stop]


def _record_failed_rows(ctx: JobContext, job_id: str) -> None:
    """Note the spreadsheet row of every failed item while the inputs are still there."""
    rows = {}
    for step in ctx.store.failed_item_steps(job_id):
        try:
            items = _step_items(ctx, step)
        except (OSError, ValueError):
            continue
        if items and items[0].row is not None:
            rows[step.number] = items[0].row
    if rows:
        ctx.store.record_item_rows(job_id, rows)


def _merge(ctx: JobContext, step: StepView) -> str:
    _record_failed_rows(ctx, step.job_id)
    output = Output(step.output)
    paths = [ctx.files.chunk_path(step.job_id, n, _chunk_output(step))
             for n in ctx.store.delivered_steps(step.job_id)]
    missing = [p for p in paths if not p.exists()]
    dest = ctx.files.result_path(step.job_id, output)
    if not dest.exists():
        if not paths:
            raise StepFailed("all_items_failed", "Không mục nào in được (mục nào cũng lỗi khi "
                                                 "tạo văn bản); xem failed_items.")
        if missing:
            raise StepFailed("chunk_missing",
                             f"Thiếu {len(missing)} phần đã tạo (tệp bị xóa khỏi đĩa); hãy "
                             f"gửi lại lô.")
        _assemble(ctx, step, paths, dest)
    size = Path(dest).stat().st_size
    if ctx.store.finish_merge(step.job_id, step.number, size):
        ctx.files.remove_intermediates(step.job_id)
        return "succeeded"
    return "inactive"


def _assemble(ctx: JobContext, step: StepView, paths: list[Path], dest: Path) -> None:
    from service.bulk import assemble

    try:
        if step.job_kind == DOSSIER:
            _assemble_dossier(ctx, step, paths, dest)
        else:
            assemble(paths, Output(step.output), dest)
    except OSError as exc:
        raise _write_error(exc, step) from None
    except Exception as exc:
        interrupt = _interrupt_cause(exc)
        if interrupt is not None:
            raise interrupt from None
        log.exception("batch merge failed", extra={"job": step.job_id})
        raise StepFailed("merge_failed", "Không ghép được các phần thành tệp kết quả; lỗi "
                                         "đã được ghi lại.") from None


def _assemble_dossier(ctx: JobContext, step: StepView, paths: list[Path], dest: Path) -> None:
    from service.jobs.dossier_zip import assemble_dossier

    job = ctx.store.get(step.job_id)
    done = sorted((s for s in ctx.store.steps(step.job_id)
                   if s.kind == RENDER and s.status == DONE), key=lambda s: s.start)
    chunks = [(path, _step_items(ctx, s)) for path, s in zip(paths, done, strict=True)]
    failed = {i for s in ctx.store.failed_item_steps(step.job_id) for i in range(s.start, s.stop)}
    assemble_dossier(ctx.settings, step.job_id, job.source if job else "", chunks, failed, dest)


def forget_contexts(url: str) -> None:
    with _contexts_lock:
        for key in [k for k in _contexts if k[1] == database_url({"DATABASE_URL": url})]:
            del _contexts[key]


on_dispose(forget_contexts)  # a dropped database takes its cached stores along
