"""The certificate's fast chunk renderer (``BatchSupport.render_chunk`` of the certificate type).

What costs time in WeasyPrint is layout, per box of text (PERFORMANCE.md §1.4, §4). In a batch
most of a certificate is the same on every page: the frame, the emblem, Quốc hiệu, authority,
award name, place and date, signer. So, per chunk of items:

1. lay out each item (:mod:`._certificate_layout`) and find the boxes that are identical on
   every page of the chunk;
2. render those once, with the frame and emblem, as a one-page background (cached per process);
3. render only the other boxes (name, position, register number…) as one light multi-page
   WeasyPrint document, sharing the parsed stylesheet and font configuration, GC paused;
4. copy its pages into the result with the background drawn under each as one shared Form
   XObject (:mod:`service.pdf_merge`): nothing is rendered twice, the text stays real text
   with ToUnicode maps, and fonts stay embedded and subset.

Positions are absolute, so a page looks exactly like the single-document rendering of the same
payload. ZIP outputs split the chunk into one standalone PDF per item, or fill the DOCX
template's compiled body once per item (docxtpl's own XML, rendered with the same sandboxed
environment; every other part of the package copied from one docxtpl rendering).
"""

from __future__ import annotations

import atexit
import io
import json
import re
import threading
import zipfile
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import Any

from service import pdf_merge
from service.kit.plugin import Format, Output, zip_info

_STATE: dict[int, _ChunkRenderer] = {}
# Dropped before interpreter teardown, like the renderers (service.rendering): WeasyPrint's
# FontConfiguration.__del__ needs modules that are gone by then.
atexit.register(_STATE.clear)
_STYLE_KEYS = ("x", "y", "w", "h", "size", "line_mm", "color", "align", "bold", "italic")
_LOCK = threading.Lock()


class _ChunkRenderer:
    """Per-process state: parsed stylesheet, template, cached backgrounds and DOCX body."""

    def __init__(self, renderer) -> None:
        backend = renderer.pdf
        self.backend = backend
        self.css = backend.stylesheet("certificate.css")
        self.template = backend.template("certificate_sheets.html")
        self.backgrounds: OrderedDict[str, pdf_merge.Background] = OrderedDict()
        self.docx_body: Any = None
        self.lock = threading.Lock()

    def pdf(self, page: Mapping[str, Any], sheets: list[dict[str, Any]], title: str) -> bytes:
        styles: dict[tuple, dict[str, Any]] = {}
        classed = []
        for sheet in sheets:
            boxes = []
            for box in sheet["boxes"]:
                key = tuple(box[k] for k in _STYLE_KEYS)
                style = styles.get(key)
                if style is None:
                    style = styles[key] = {**box, "cls": f"s{len(styles)}"}
                boxes.append({"cls": style["cls"], "rule": box["rule"], "lines": box["lines"]})
            classed.append({"decor": sheet["decor"], "boxes": boxes})
        html = self.template.render(page=page, sheets=classed, styles=list(styles.values()),
                                    title=title)
        # under the backend's lock, GC paused: its font configuration is shared with single
        # renders, and GC scans of a growing layout heap dominate big documents (§1.4)
        return self.backend.write_pdf(html, [self.css])

    def background(self, page: Mapping[str, Any], boxes: list[dict[str, Any]],
                   title: str) -> pdf_merge.Background:
        key = json.dumps([page, boxes], sort_keys=True, default=str)
        found = self.backgrounds.get(key)
        if found is None:
            found = pdf_merge.Background(self.pdf(page, [{"decor": True, "boxes": boxes}],
                                                  title))
            self.backgrounds[key] = found
            while len(self.backgrounds) > 8:
                self.backgrounds.popitem(last=False)
        else:
            self.backgrounds.move_to_end(key)
        return found


def _state(renderer) -> _ChunkRenderer:
    with _LOCK:
        state = _STATE.get(id(renderer))
        if state is None:
            state = _STATE[id(renderer)] = _ChunkRenderer(renderer)
        return state


def _runs(layouts: Sequence[Mapping[str, Any]]) -> list[tuple[int, int]]:
    """Consecutive spans of items that share a page (profile, mode, emblem)."""
    spans, start = [], 0
    for i in range(1, len(layouts) + 1):
        if i == len(layouts) or layouts[i]["page"] != layouts[start]["page"]:
            spans.append((start, i))
            start = i
    return spans


def _split(layouts: Sequence[Mapping[str, Any]]) -> tuple[list[dict], list[list[dict]]]:
    """Boxes identical on every page (drawn once), and each page's own boxes."""
    first = layouts[0]["boxes"]
    fixed_names = {b["name"] for b in first
                   if all(b in other["boxes"] for other in layouts[1:])}
    fixed = [b for b in first if b["name"] in fixed_names]
    own = [[b for b in lay["boxes"] if b["name"] not in fixed_names] for lay in layouts]
    return fixed, own


def render_pdf_chunk(renderer, doc_type, items: Sequence[Any]) -> bytes:
    """The chunk as one PDF: one page per item, in order."""
    state = _state(renderer)
    layouts = [doc_type.prepare(it.data).context for it in items]
    buffer = io.BytesIO()
    with state.lock:
        out = pdf_merge.PdfOut(buffer)
        pages_root = out.reserve()
        kids: list[int] = []
        for start, stop in _runs(layouts):
            span = layouts[start:stop]
            page = span[0]["page"]
            fixed, own = _split(span)
            background = state.background(page, fixed, doc_type.title)
            sheets = [{"decor": False, "boxes": boxes} for boxes in own]
            variable = state.pdf(page, sheets, doc_type.title)
            from pypdf import PdfReader

            kids.extend(pdf_merge.copy_pages(
                out, PdfReader(io.BytesIO(variable)), pages_root,
                page_extra=pdf_merge.overlay_hook(out, background)))
        pdf_merge.finish(out, pages_root, kids, title=doc_type.title)
    return buffer.getvalue()


def render_zip_pdf_chunk(renderer, doc_type, items: Sequence[Any]) -> bytes:
    files = pdf_merge.split_pages(render_pdf_chunk(renderer, doc_type, items),
                                  title=doc_type.title)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for item, content in zip(items, files, strict=True):
            archive.writestr(zip_info(f"{item.name}.pdf"), content)
    return buffer.getvalue()


# ---------------------------------------------------------------- DOCX

_BODY = re.compile(rb"<w:body>.*</w:body>", re.S)


class _DocxBody:
    """docxtpl's preprocessed body XML compiled once; the rest of the package from one real
    docxtpl rendering (identical for every item)."""

    def __init__(self, renderer, doc_type, first_data: Mapping[str, Any]) -> None:
        from docxtpl import DocxTemplate

        from service.kit.jinja_env import docx_environment

        template_bytes = renderer.docx.template_bytes(doc_type.docx_name)
        tpl = DocxTemplate(io.BytesIO(template_bytes))
        tpl.render_init()
        source = tpl.patch_xml(tpl.get_xml())
        source = re.sub(r"<w:p([ >])", r"\n<w:p\1", source)
        env = docx_environment()
        env.autoescape = True
        self.jinja = env.from_string(source)
        sample = renderer.render(doc_type, first_data, Format.DOCX).content
        with zipfile.ZipFile(io.BytesIO(sample)) as package:
            self.parts = [(info, package.read(info)) for info in package.infolist()]
        document = next(data for info, data in self.parts if info.filename == "word/document.xml")
        match = _BODY.search(document)
        if match is None:
            raise ValueError("the certificate's DOCX template has no body")
        self.head, self.tail = document[:match.start()], document[match.end():]

    def render(self, context: Mapping[str, Any]) -> bytes:
        xml = self.jinja.render(context)
        xml = re.sub(r"\n<w:p([ >])", r"<w:p\1", xml)
        xml = (xml.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%")
               .replace("%_}", "%}"))
        body = re.sub(r"^<w:body[^>]*>", "<w:body>", xml.strip())
        document = self.head + body.encode("utf-8") + self.tail
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as package:
            for info, data in self.parts:
                fresh = zipfile.ZipInfo(info.filename, date_time=info.date_time)
                fresh.compress_type = zipfile.ZIP_DEFLATED
                package.writestr(fresh, document if info.filename == "word/document.xml"
                                 else data)
        return buffer.getvalue()


def render_zip_docx_chunk(renderer, doc_type, items: Sequence[Any]) -> bytes:
    state = _state(renderer)
    with state.lock:
        if state.docx_body is None:
            state.docx_body = _DocxBody(renderer, doc_type, items[0].data)
        body = state.docx_body
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for item in items:
            context = doc_type.prepare(item.data).context
            content = body.render(context)
            if doc_type.finish_docx is not None:
                content = doc_type.finish_docx(content, context)
            archive.writestr(zip_info(f"{item.name}.docx"), content)
    return buffer.getvalue()


def render_chunk(renderer, doc_type, items: Sequence[Any], output: Output) -> bytes:
    if output == Output.PDF:
        return render_pdf_chunk(renderer, doc_type, items)
    if output == Output.ZIP_PDF:
        return render_zip_pdf_chunk(renderer, doc_type, items)
    return render_zip_docx_chunk(renderer, doc_type, items)
