"""Bulk rendering: one list of items (each merged over common fields) → one merged PDF or a
ZIP of one file per item.

The pieces are separate so the job system can run them chunk by chunk in other processes:

* :func:`prepare` validates every item before anything renders and reports every problem at
  once (item index, spreadsheet row, field), and fixes each item's unique file name;
* :func:`render_chunk` renders a slice of prepared items to bytes: a multi-page PDF for
  ``pdf``, a ZIP fragment for ``zip-pdf``/``zip-docx``;
* :func:`write_atomic` writes a file under its final name only when complete;
* :func:`assemble` merges the chunk files, in order, into the final result.

:func:`render_batch` runs the whole pipeline in this process (the CLI's path).
A document type may declare a faster chunk renderer (``BatchSupport.render_chunk``).
"""

from __future__ import annotations

import io
import os
import tempfile
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from marshmallow import ValidationError

from service.core_errors import BatchTooLarge, FieldError, InvalidPayload, flatten_messages
from service.kit.plugin import DocumentType, Format, Output, safe_file_stem, zip_info
from service.rendering import load

OUTPUTS = tuple(o.value for o in Output)


@dataclass(frozen=True)
class BatchItem:
    """One validated item of a batch."""

    index: int            # 0-based position in the list (= output order)
    row: int | None       # spreadsheet row number, when the items came from a file
    data: dict[str, Any]  # validated payload (common fields with the item's over them)
    name: str             # unique file name inside a ZIP, without extension


def merge_item(common: Mapping[str, Any], item: Mapping[str, Any]) -> dict[str, Any]:
    """An item's payload: the common fields with the item's own fields over them (shallow)."""
    return {**common, **item}


def prepare(doc_type: DocumentType, common: Mapping[str, Any], items: Sequence[Any], *,
            rows: Sequence[int] | None = None, max_items: int = 50_000) -> list[BatchItem]:
    """Validate (load and prepare) every item; raise one InvalidPayload listing every problem
    of every item.

    Pointers are ``/items/<i>/<field>``; with ``rows`` each error also carries the
    spreadsheet row number. A type's :class:`~service.registry.BatchSupport` may add two
    hooks: ``prepare_items(common, items) -> (common, items, errors)`` runs before validation
    (the certificate numbers its register from ``common.register_start``), and
    ``check(prepared) -> errors`` runs after it (duplicate register numbers).
    """
    _check_envelope(common, items, max_items)
    errors: list[FieldError] = []
    hooks = doc_type.batch
    if hooks is not None and hooks.prepare_items is not None:
        common, items, hook_errors = hooks.prepare_items(common, items)
        errors.extend(hook_errors)
    reporter = _ItemErrors(common, errors)
    prepared: list[BatchItem] = []
    namer = _Namer()
    shared: dict[Any, Any] = {}
    for index, item in enumerate(items):
        row = rows[index] if rows is not None else None
        if not isinstance(item, Mapping):
            errors.append(FieldError(f"/items/{index}", "invalid_type",
                                     "Mỗi mục phải là một đối tượng JSON.", row=row))
            continue
        try:
            data = dict(load(doc_type, merge_item(common, item)))
        except ValidationError as exc:
            reporter.add(exc, item, index, row)
            continue
        name = namer.name(f"{index + 1:05d} {doc_type.file_stem(data)}")
        prepared.append(BatchItem(index, row, _share(data, shared), name))
    if hooks is not None and hooks.check is not None and not errors:
        errors.extend(hooks.check(prepared))
    if errors:
        raise InvalidPayload(errors, reporter.detail())
    return prepared


def _check_envelope(common: Any, items: Sequence[Any], max_items: int) -> None:
    if not isinstance(common, Mapping):
        raise InvalidPayload([FieldError("/common", "invalid_type",
                                         "“common” phải là một đối tượng JSON.")])
    if len(items) == 0:
        raise InvalidPayload([FieldError("/items", "too_few_items",
                                         "Danh sách không có mục nào.")])
    if len(items) > max_items:
        raise BatchTooLarge(max_items, len(items))


class _Namer:
    """Unique file names inside a ZIP: a repeated stem gets `` (2)``, `` (3)``…"""

    def __init__(self) -> None:
        self.used: dict[str, int] = {}

    def name(self, text: str) -> str:
        stem = safe_file_stem(text)
        count = self.used.get(stem, 0)
        self.used[stem] = count + 1
        return stem if count == 0 else f"{stem} ({count + 1})"


class _ItemErrors:
    """Collects the items' errors: a value that came from the common fields is reported once,
    at ``/common/…``, rather than on every row (and a column the row lacks)."""

    def __init__(self, common: Mapping[str, Any], errors: list[FieldError]) -> None:
        self.common = common
        self.errors = errors
        self.common_errors: set[tuple[str, str]] = set()

    def add(self, exc: ValidationError, item: Mapping[str, Any], index: int,
            row: int | None) -> None:
        for err in flatten_messages(exc.messages, ("items", index)):
            parts = err.pointer.split("/")
            field = parts[3] if len(parts) > 3 else None
            if field is not None and field not in item and field in self.common:
                err.pointer = "/common/" + "/".join(parts[3:])
                if (err.pointer, err.code) not in self.common_errors:
                    self.common_errors.add((err.pointer, err.code))
                    self.errors.append(err)
                continue
            err.row = row
            err.column = field
            self.errors.append(err)

    def detail(self) -> str | None:
        bad = len({e.pointer.split("/")[2] for e in self.errors
                   if e.pointer.startswith("/items/")})
        detail = f"{bad} mục không hợp lệ; không mục nào được tạo." if bad else None
        if self.common_errors:
            detail = ((detail + " " if detail else "")
                      + "Phần thông tin chung (common) có lỗi; sửa một lần cho cả danh sách.")
        return detail


def _share(value: Any, pool: dict[Any, Any]) -> Any:
    """The same value object for equal values across items (the common fields repeat in
    every item): memory for a batch grows with what differs, not with what is common."""
    if isinstance(value, dict):
        shared = {k: _share(v, pool) for k, v in value.items()}
        try:
            key = ("dict", tuple(sorted((k, v) for k, v in shared.items()
                                        if not isinstance(v, dict | list))))
        except TypeError:
            return shared
        if any(isinstance(v, dict | list) for v in shared.values()):
            return shared
        return pool.setdefault(key, shared)
    if isinstance(value, list):
        return [_share(v, pool) for v in value]
    try:
        return pool.setdefault(("v", type(value), value), value)
    except TypeError:
        return value


def chunk_ranges(total: int, size: int) -> list[range]:
    """Split ``total`` items into consecutive ranges of at most ``size``."""
    return [range(start, min(start + size, total)) for start in range(0, total, size)]


def render_chunk(renderer, doc_type: DocumentType, items: Sequence[BatchItem],
                 output: Output | str) -> bytes:
    """Render a slice of prepared items: a multi-page PDF, or a ZIP fragment of files."""
    output = Output(output)
    fast = doc_type.batch.render_chunk if doc_type.batch is not None else None
    if fast is not None:
        return fast(renderer, doc_type, items, output)
    if not output.is_archive:
        return merge_pdfs([renderer.render(doc_type, it.data, Format.PDF).content
                           for it in items])
    fmt = output.item_format
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for it in items:
            archive.writestr(zip_info(f"{it.name}.{fmt.value}"),
                             renderer.render(doc_type, it.data, fmt).content)
    return buffer.getvalue()


def merge_pdfs(parts: Sequence[bytes | Path]) -> bytes:
    """Concatenate PDFs page by page without re-rendering."""
    from service.pdf_merge import concatenate

    out = io.BytesIO()
    concatenate(parts, out)
    return out.getvalue()


def write_atomic(path: Path, content: bytes) -> None:
    """Write ``content`` to ``path`` through a temporary file, fsync and rename: a reader
    sees either no file or the complete one, and a rewrite yields the same file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def assemble(chunk_paths: Sequence[Path], output: Output | str, dest: Path) -> None:
    """Merge chunk files, in order, into ``dest`` (atomically). Streams: one chunk is in
    memory at a time, whatever the number of chunks."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".tmp")
    os.close(fd)
    try:
        if not Output(output).is_archive:
            from service.pdf_merge import concatenate

            with open(tmp, "wb") as handle:
                concatenate(list(chunk_paths), handle)
        else:
            with zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED, allowZip64=True) as out:
                for path in chunk_paths:
                    with zipfile.ZipFile(path) as part:
                        for info in part.infolist():
                            with part.open(info) as src, out.open(
                                    zip_info(info.filename), "w", force_zip64=True) as dst:
                                while block := src.read(1 << 20):
                                    dst.write(block)
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def render_batch(doc_type: DocumentType, common: Mapping[str, Any], items: Sequence[Any],
                 output: str, dest: Path, *, templates_dir: Path | str,
                 rows: Sequence[int] | None = None, chunk_size: int = 100,
                 progress: Callable[[int, int], None] | None = None,
                 workers: int = 1) -> int:
    """Validate, render in chunks and assemble. Returns the item count.

    With ``workers > 1`` chunks render in that many worker processes (started, and warmed
    up, while the items are validated); each writes its chunk file itself, so no rendered
    bytes pass through this process until the streaming :func:`assemble`.
    """
    if output not in OUTPUTS:
        raise InvalidPayload([FieldError("/output", "invalid_choice",
                                             "output phải là pdf, zip-pdf hoặc zip-docx.")])
    pool = _start_pool(doc_type.id, templates_dir, workers) if workers > 1 else None
    try:
        prepared = prepare(doc_type, common, items, rows=rows)
        if pool is not None:
            chunk_size = max(1, min(chunk_size, -(-len(prepared) // (2 * workers))))
        work = Path(tempfile.mkdtemp(prefix="batch-", dir=dest.parent))
        try:
            spans = chunk_ranges(len(prepared), chunk_size)
            paths = [work / f"chunk-{number:06d}" for number in range(len(spans))]
            done = 0
            if pool is None:
                from service.rendering import get_renderer

                renderer = get_renderer(templates_dir)
                for path, span in zip(paths, spans, strict=True):
                    write_atomic(path, render_chunk(renderer, doc_type,
                                                    prepared[span.start:span.stop], output))
                    done += len(span)
                    if progress:
                        progress(done, len(prepared))
            else:
                from concurrent.futures import as_completed

                futures = [pool.submit(_render_chunk_file, doc_type.id, str(templates_dir),
                                       prepared[span.start:span.stop], output, str(path))
                           for path, span in zip(paths, spans, strict=True)]
                for future in as_completed(futures):
                    done += future.result()
                    if progress:
                        progress(done, len(prepared))
            assemble(paths, output, dest)
        finally:
            for child in work.glob("*"):
                child.unlink(missing_ok=True)
            work.rmdir()
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    return len(prepared)


def _start_pool(type_id: str, templates_dir: Path | str, workers: int):
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # spawn, not fork: a worker starts lean instead of inheriting this process's memory
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_warm_worker,
                               initargs=(type_id, str(templates_dir)))
    for _ in range(workers):
        pool.submit(int)  # start the workers now, so they warm up during validation
    return pool


def _warm_worker(type_id: str, templates_dir: str) -> None:
    from service import registry
    from service.rendering import get_renderer

    registry.get(type_id)
    get_renderer(templates_dir).pdf  # noqa: B018 -- fonts, stylesheet, WeasyPrint imports


def _render_chunk_file(type_id: str, templates_dir: str, items: list[BatchItem], output: str,
                       path: str) -> int:
    """Worker task: render one chunk and write its file."""
    from service import registry
    from service.rendering import get_renderer

    doc_type = registry.require(type_id)
    write_atomic(Path(path), render_chunk(get_renderer(templates_dir), doc_type, items, output))
    return len(items)
