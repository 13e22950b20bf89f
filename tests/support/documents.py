"""Open generated files the way a reader would and pull out what they say."""

from __future__ import annotations

import io
import re
import unicodedata
import zlib
from collections.abc import Iterator

import docx
from docx.document import Document as DocxDocument
from docx.table import Table
from docx.text.paragraph import Paragraph
from pypdf import PdfReader


def open_docx(content: bytes) -> DocxDocument:
    return docx.Document(io.BytesIO(content))


def iter_block_items(parent) -> Iterator[Paragraph | Table]:
    """Paragraphs and tables of a document body in order."""
    from docx.oxml.ns import qn

    element = parent.element.body if hasattr(parent, "element") and hasattr(
        parent.element, "body") else parent._tc
    for child in element.iterchildren():
        if child.tag == qn("w:p"):
            yield Paragraph(child, parent)
        elif child.tag == qn("w:tbl"):
            yield Table(child, parent)


def docx_paragraphs(document: DocxDocument) -> list[Paragraph]:
    """Every paragraph of the body in reading order, descending into table cells."""
    out: list[Paragraph] = []

    def walk(container) -> None:
        for item in iter_block_items(container):
            if isinstance(item, Paragraph):
                out.append(item)
            else:
                for row in item.rows:
                    seen = set()
                    for cell in row.cells:
                        if id(cell._tc) in seen:
                            continue
                        seen.add(id(cell._tc))
                        walk(cell)

    walk(document)
    return out


def docx_lines(content: bytes) -> list[str]:
    return [p.text for p in docx_paragraphs(open_docx(content)) if p.text.strip()]


def pdf_pages_text(content: bytes) -> list[str]:
    reader = PdfReader(io.BytesIO(content))
    return [unicodedata.normalize("NFC", page.extract_text() or "") for page in reader.pages]


def words(text: str) -> list[str]:
    return unicodedata.normalize("NFC", text).split()


def pdf_words_without_page_numbers(content: bytes) -> list[str]:
    """All words of a PDF, minus the page numbers printed in the top margin of pages 2+.

    WeasyPrint draws margin boxes after the page content, so the number is the last word
    of the page's text (or the first, for other producers); only a word equal to the page's
    own number is removed.
    """
    out: list[str] = []
    for index, text in enumerate(pdf_pages_text(content)):
        page_words = words(text)
        number = str(index + 1)
        if index > 0 and page_words:
            if page_words[-1] == number:
                page_words = page_words[:-1]
            elif page_words[0] == number:
                page_words = page_words[1:]
        out.extend(page_words)
    return out


def pdf_page_number_of(text: str) -> str | None:
    """The number printed in the page's top margin, if any (last or first word)."""
    page_words = words(text)
    for word in (page_words[-1:] + page_words[:1]):
        if re.fullmatch(r"\d+", word):
            return word
    return None


def inflated_streams(content: bytes) -> bytes:
    """The PDF with every Flate stream inflated, for searching what compression hides."""
    chunks = [content]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", content, re.S):
        try:
            chunks.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    return b"\n".join(chunks)


def render_type(doc_type, payload, fmt):
    """Validate ``payload`` as ``doc_type`` and render it with the project's templates."""
    from pathlib import Path

    from service.rendering import get_renderer, validate

    templates = Path(__file__).resolve().parents[2] / "doc_templates"
    return get_renderer(templates).render(doc_type, validate(doc_type, payload), fmt)


def validation_problems(doc_type, payload) -> list[tuple[str, str]]:
    """(pointer, code) of every problem of an invalid ``payload``; fails if it is valid."""
    import pytest

    from service.core_errors import InvalidPayload
    from service.errors import as_problem
    from service.rendering import validate

    with pytest.raises(InvalidPayload) as info:
        validate(doc_type, payload)
    assert as_problem(info.value).status == 422
    return [(e.pointer, e.code) for e in info.value.errors]
