"""The render core: validate a payload, build its context, render DOCX or PDF.

Rule: nothing in ``service/rendering`` imports Flask (a test walks the AST to keep it so).
The API, the web page, the CLI and the job workers all call :func:`validate` and
:func:`render` (or :meth:`Renderer.render`) and only translate inputs and outputs.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from marshmallow import ValidationError

from service.core_errors import (
    CoreError,
    FormatNotAvailable,
    InvalidPayload,
    RenderError,
    flatten_messages,
)
from service.registry import DocumentType, Format, Prepared
from service.rendering import memory

if TYPE_CHECKING:  # imported on first use: WeasyPrint and docxtpl load slowly
    from service.rendering.docx_backend import DocxBackend
    from service.rendering.pdf_backend import PdfBackend

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RenderedDocument:
    """A finished file."""

    content: bytes
    mimetype: str
    filename: str


def load(doc_type: DocumentType, payload: Mapping[str, Any]) -> Prepared:
    """The type's schema, then its prepare step: the clean data with its derived context.

    :raises marshmallow.ValidationError: every problem, keyed like the payload (the schema's,
        or, when the schema accepts the payload, what the prepare step finds).
    """
    return doc_type.prepare(doc_type.schema().load(payload))


def validate(doc_type: DocumentType, payload: Any) -> Prepared:
    """Load and prepare ``payload``: what every adapter checks a payload with.

    :returns: the clean data (NFC text, ``date`` objects, defaults filled in), carrying the
        derived ``context`` the templates read, so rendering it prepares nothing again.
    :raises InvalidPayload: with one ``{pointer, code, message}`` per problem.
    """
    if not isinstance(payload, Mapping):
        raise InvalidPayload([], "Nội dung gửi lên phải là một đối tượng JSON.")
    try:
        return load(doc_type, payload)
    except ValidationError as exc:
        raise InvalidPayload(flatten_messages(exc.messages)) from None


class Renderer:
    """Per-process renderer: backends are created on first use and reused."""

    def __init__(self, templates_dir: Path) -> None:
        self.templates_dir = Path(templates_dir)
        self._pdf: PdfBackend | None = None
        self._docx: DocxBackend | None = None
        self._lock = threading.Lock()
        self.timings: list[tuple[str, str, float]] = []

    @property
    def pdf(self) -> PdfBackend:
        with self._lock:
            if self._pdf is None:
                from service.rendering.pdf_backend import PdfBackend

                self._pdf = PdfBackend(self.templates_dir)
            return self._pdf

    @property
    def docx(self) -> DocxBackend:
        with self._lock:
            if self._docx is None:
                from service.rendering.docx_backend import DocxBackend

                self._docx = DocxBackend(self.templates_dir)
            return self._docx

    def render(self, doc_type: DocumentType, data: Mapping[str, Any],
               fmt: Format, wait_s: float | None = None) -> RenderedDocument:
        """Render validated ``data`` as ``fmt`` (prepared by :func:`validate`, or here), waiting
        at most ``wait_s`` for the PDF renderer (None: as long as it takes).

        :raises FormatNotAvailable: the type has no such format.
        :raises RenderBusy: the PDF renderer stayed busy longer than ``wait_s``.
        :raises RenderError: a template failed (our bug; logged with context).
        """
        if fmt not in doc_type.formats:
            raise FormatNotAvailable(doc_type.id, fmt.value)
        try:
            context = doc_type.prepare(data).context
        except ValidationError as exc:
            raise InvalidPayload(flatten_messages(exc.messages)) from None
        started = time.perf_counter()
        try:
            if fmt is Format.PDF:
                content = self.pdf.render(doc_type.html_name, context, wait_s=wait_s)
            else:
                content = self.docx.render(doc_type.docx_name, context,
                                           properties=document_properties(doc_type, data))
                if doc_type.finish_docx is not None:
                    content = doc_type.finish_docx(content, context)
        except CoreError:  # RenderBusy, or a type's own refusal: not a bug of the template
            raise
        except Exception as exc:
            log.exception("render failed", extra={"doc_type": doc_type.id, "format": fmt.value})
            raise RenderError(f"{doc_type.id}.{fmt.value}") from exc
        elapsed = time.perf_counter() - started
        memory.release()  # throttled malloc_trim: keeps a threaded server's RSS flat
        log.debug("rendered", extra={"doc_type": doc_type.id, "format": fmt.value,
                                     "seconds": round(elapsed, 4)})
        return RenderedDocument(content, fmt.mimetype, doc_type.filename(data, fmt))


def document_properties(doc_type: DocumentType, data: Mapping[str, Any]) -> dict[str, str]:
    """What a DOCX says of itself (File › Properties): its own title, the agency as author."""
    summary = data.get("summary") or data.get("recipient_name") or ""
    stem = doc_type.file_stem(data)
    issuer = data.get("issuer") or {}
    return {"title": f"{stem} - {summary}" if summary else stem,
            "author": issuer.get("name") or data.get("authority") or ""}


_renderers: dict[Path, Renderer] = {}
_renderers_lock = threading.Lock()
# Drop renderers before interpreter teardown: WeasyPrint's FontConfiguration.__del__ needs
# modules that are already gone by then.
atexit.register(_renderers.clear)


def get_renderer(templates_dir: Path | str) -> Renderer:
    """The process-wide renderer for a templates directory."""
    key = Path(templates_dir).resolve()
    with _renderers_lock:
        if key not in _renderers:
            _renderers[key] = Renderer(key)
        return _renderers[key]


def render(doc_type: DocumentType, payload: Any, fmt: Format, *,
           templates_dir: Path | str, wait_s: float | None = None) -> RenderedDocument:
    """Validate ``payload`` and render it: the one function every adapter calls.

    :raises InvalidPayload, FormatNotAvailable, RenderBusy: see :meth:`Renderer.render`.
    """
    data = validate(doc_type, payload)
    return get_renderer(templates_dir).render(doc_type, data, fmt, wait_s=wait_s)
