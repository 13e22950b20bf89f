"""HTML templates → PDF with WeasyPrint, with the per-process state WeasyPrint wants shared.

One :class:`PdfBackend` per process keeps the parsed base stylesheet and one
``FontConfiguration`` (a fresh one per document leaks native memory and is 1.5× slower,
PERFORMANCE.md §1.5-1.6), the assets in memory and the sandboxed Jinja environment.
"""

from __future__ import annotations

import gc
import logging
import re
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader

from service.core_errors import RenderBusy
from service.kit.jinja_env import html_environment
from service.rendering.assets import AssetFetcher, AssetStore, asset_root

log = logging.getLogger(__name__)

BASE_URL = "asset:"
_DATA_URL = re.compile(r"(data:[\w.+/-]*(?:;[\w=.+-]*)*,)[^\s'\"]{16,}")



PDFA = "pdf/a-2b"  # the archival variant (issue 15): sRGB output intent, fonts embedded
_VARIANT: ContextVar[str | None] = ContextVar("thidua_pdf_variant", default=None)


def _write_variant(document: Any, variant: str) -> bytes:
    # WeasyPrint 70 opens its sRGB profile for the output intent and never closes it: the
    # ResourceWarning of that one file is silenced here (the file is read and released)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        return document.write_pdf(pdf_variant=variant)


@contextmanager
def pdf_variant(variant: str | None) -> Iterator[None]:
    """Write the PDFs rendered in this block as ``variant`` (WeasyPrint's ``pdf_variant``,
    e.g. :data:`PDFA`); None: plain PDF, as outside the block."""
    token = _VARIANT.set(variant)
    try:
        yield
    finally:
        _VARIANT.reset(token)


class RedactDataUrls(logging.Filter):
    """WeasyPrint names an image it cannot load or draw by its URL: for a ``data:`` image that
    is the whole payload (554 KB a line). Keep the scheme and the size, drop the data."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "data:" in message:
            record.msg = _DATA_URL.sub(lambda m: f"{m.group(1)}…({len(m.group())} B)", message)
            record.args = None
        return True


def redact_weasyprint_logs() -> None:
    logger = logging.getLogger("weasyprint")
    if not any(isinstance(f, RedactDataUrls) for f in logger.filters):
        logger.addFilter(RedactDataUrls())


class PdfBackend:
    """Render a named HTML template with a context to PDF bytes."""

    def __init__(self, templates_dir: Path) -> None:
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        self.html_dir = templates_dir / "html"
        self.assets = AssetStore(asset_root(templates_dir)).load()
        self.fetcher = AssetFetcher(self.assets)
        self.env = html_environment(FileSystemLoader(str(self.html_dir)))
        self.font_config = FontConfiguration()
        css_bytes, _ = self.assets.get("decree30.css") or (b"", "")
        self._base_css = CSS(string=css_bytes.decode("utf-8"), base_url=BASE_URL,
                             url_fetcher=self.fetcher, font_config=self.font_config)
        self._lock = threading.Lock()
        redact_weasyprint_logs()

    def render_html(self, template_name: str, context: Mapping[str, Any]) -> str:
        return self.template(template_name).render(context)

    def template(self, name: str):  # -> jinja2.Template
        """A template of ``doc_templates/html`` in the sandboxed environment."""
        return self.env.get_template(name)

    def stylesheet(self, asset_name: str | None = None, *, text: str | None = None):
        """A parsed stylesheet (an asset such as ``certificate.css``, or ``text``) sharing this
        backend's font configuration and asset fetcher; parse once, reuse per document."""
        from weasyprint import CSS

        if text is None:
            found = self.assets.get(asset_name or "")
            text = found[0].decode("utf-8") if found else ""
        return CSS(string=text, base_url=BASE_URL, url_fetcher=self.fetcher,
                   font_config=self.font_config)

    def html_to_pdf(self, html: str, *, extra_css: str | None = None,
                    wait_s: float | None = None) -> bytes:
        """Lay out and write one PDF with the Decree 30 stylesheet (and ``extra_css``).

        :param wait_s: longest to wait for the renderer (None: as long as it takes).
        :raises RenderBusy: it stayed busy longer.
        """
        stylesheets = [self._base_css]
        if extra_css:
            stylesheets.append(self.stylesheet(text=extra_css))
        return self.write_pdf(html, stylesheets, wait_s=wait_s)

    def write_pdf(self, html: str, stylesheets: list[Any], *,
                  wait_s: float | None = None) -> bytes:
        """Lay out and write ``html`` with exactly ``stylesheets`` (from :meth:`stylesheet`).
        Serialised per process: WeasyPrint's font configuration and caches are shared; GC is
        paused while a document is laid out (PERFORMANCE.md §1.4).

        :raises RenderBusy: the renderer stayed busy longer than ``wait_s``.
        """
        from weasyprint import HTML

        if not self._lock.acquire(timeout=-1 if wait_s is None else wait_s):
            raise RenderBusy(wait_s or 0)
        try:
            gc_was_enabled = gc.isenabled()
            gc.disable()  # as render_document: keeps long documents (3.000-row lists) linear
            try:
                document = HTML(string=html, base_url=BASE_URL, url_fetcher=self.fetcher).render(
                    stylesheets=stylesheets, font_config=self.font_config)
                variant = _VARIANT.get()
                return _write_variant(document, variant) if variant else document.write_pdf()
            finally:
                if gc_was_enabled:
                    gc.enable()
        finally:
            self._lock.release()

    def render_document(self, html: str):  # -> weasyprint.document.Document
        """Lay out without writing, for callers that count pages or merge documents."""
        from weasyprint import HTML

        with self._lock:
            gc_was_enabled = gc.isenabled()
            gc.disable()  # GC over a growing layout heap dominates big documents (§1.4)
            try:
                return HTML(string=html, base_url=BASE_URL, url_fetcher=self.fetcher).render(
                    stylesheets=[self._base_css], font_config=self.font_config)
            finally:
                if gc_was_enabled:
                    gc.enable()

    def render(self, template_name: str, context: Mapping[str, Any],
               wait_s: float | None = None) -> bytes:
        return self.html_to_pdf(self.render_html(template_name, context), wait_s=wait_s)
