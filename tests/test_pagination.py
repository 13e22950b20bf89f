"""Right at first glance: every Decree 30 type breaks its pages as an official expects, and the
DOCX (laid out by LibreOffice with Times New Roman's metrics) breaks them where the PDF does.

Each type is rendered at many lengths: body text is added a sentence at a time, so the page
break sweeps through the whole last page and past the next one. For every length, in the PDF
and in the DOCX:

- the signature page carries the end of the body above ``Nơi nhận`` and the signer;
- the signature block (Nơi nhận, the signer's position lines and name) is on one page;
- no page ends with a heading;
- LibreOffice's page count equals the PDF's, and each page starts with the same words.
"""

from __future__ import annotations

import copy
import re
import unicodedata
from functools import cache

import pytest

from service.registry import Format, document_types
from tests.conftest import load_sample
from tests.support.documents import render_type
from tests.support.pagination import Line, libreoffice_pdfs, page_lines, soffice

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(soffice() is None,
                       reason="LibreOffice is a test tool (make test installs it)"),
]

SENTENCE = ("Các cơ quan, đơn vị tổ chức thực hiện nghiêm túc, hiệu quả các nội dung của phong "
            "trào thi đua")
STEPS = range(0, 48)  # ~14 pt of text a step: more than a page from first to last


def _grown(doc_type: str, base: dict, k: int) -> dict:
    """``base`` with ``k`` more sentences of body text, in paragraphs of at most ten."""
    payload = copy.deepcopy(base)
    paragraphs = [" ".join([SENTENCE] * min(10, k - i)) + "." for i in range(0, k, 10)]
    if doc_type == "directive":
        payload["preamble"] = payload["preamble"] + paragraphs
    elif doc_type == "emulation_plan":
        payload["opening"] = payload["opening"] + paragraphs
    else:
        payload["legal_bases"] = payload["legal_bases"] + paragraphs
    return payload


def _short(doc_type: str) -> dict:
    """The sample cut to well under a page of body, to sweep the first page break too."""
    payload = load_sample(doc_type)
    if doc_type in ("directive", "emulation_plan"):
        payload["sections"] = payload["sections"][:1]
    return payload


FAMILIES = {
    "directive": ("sample", "short"),
    "emulation_plan": ("sample", "short"),
    "commendation_decision": ("sample",),
}


@cache
def rendered(doc_type: str, family: str) -> dict[int, tuple[bytes, bytes, dict]]:
    """k → (PDF, LibreOffice's PDF of the DOCX, context) for every step of a family."""
    from service.rendering import validate

    types = document_types()
    base = load_sample(doc_type) if family == "sample" else _short(doc_type)
    pdfs, docxs, contexts = {}, {}, {}
    for k in STEPS:
        payload = _grown(doc_type, base, k)
        pdfs[k] = render_type(types[doc_type], payload, Format.PDF).content
        docxs[str(k)] = render_type(types[doc_type], payload, Format.DOCX).content
        contexts[k] = types[doc_type].build_context(validate(types[doc_type], payload))
    office = libreoffice_pdfs(docxs)
    return {k: (pdfs[k], office[str(k)], contexts[k]) for k in STEPS}


@cache
def laid_out(doc_type: str, family: str) -> dict[int, tuple[list, list, dict]]:
    """k → (the PDF's lines by page, the DOCX's lines by page, context)."""
    return {k: (page_lines(pdf), page_lines(office), context)
            for k, (pdf, office, context) in rendered(doc_type, family).items()}


CASES = [(t, f) for t, families in FAMILIES.items() for f in families]


def _norm(text: str) -> str:
    return unicodedata.normalize("NFC", " ".join(text.split()))


def _signature_page(pages: list[list[Line]]) -> tuple[int, int]:
    """(page index, line index) of ``Nơi nhận:`` (the first page of the signature block)."""
    for p, lines in enumerate(pages):
        for i, line in enumerate(lines):
            if line.text.startswith("Nơi nhận:"):
                return p, i
    raise AssertionError("no 'Nơi nhận:' in the document")


def _headings(context: dict) -> list[str]:
    """Texts printed as headings (bold, keep-with-next) in the body."""
    out = []
    for b in context["body"]:
        if b["kind"] in ("section", "heading", "titled", "authority", "decides"):
            out.append(_norm(f"{b.get('label', '')} {b['text']}"))
        elif b["kind"] == "table" and b.get("text"):
            out.append(_norm(b["text"]))
    return out


def _problems(pages: list[list[Line]], context: dict, label: str) -> list[str]:
    problems = []
    sig_page, sig_line = _signature_page(pages)
    lines = pages[sig_page]
    if sig_line == 0:
        problems.append(f"{label}: 'Nơi nhận' starts page {sig_page + 1}: no body text above it")
    block = [_norm(t) for t in (*context["signer_lines"], context["signer_name"],
                                context["recipient_lines"][-1])]
    texts = [_norm(line.text) for line in lines]
    for wanted in block:
        if not any(wanted in t for t in texts):
            problems.append(f"{label}: '{wanted}' is not on the signature page {sig_page + 1}")
    headings = _headings(context)
    for p, page in enumerate(pages[:-1]):
        if not page:
            problems.append(f"{label}: page {p + 1} is empty")
            continue
        last = page[-1]
        if last.bold and any(_norm(last.text) in h for h in headings):
            problems.append(f"{label}: page {p + 1} ends with the heading '{last.text}'")
    return problems


def _starts(pages: list[list[Line]], words: int = 5) -> list[str]:
    return [" ".join(" ".join(line.text for line in page).split()[:words]) for page in pages]


@pytest.mark.parametrize(("doc_type", "family"), CASES)
def test_the_signature_page_carries_the_end_of_the_body_in_both_formats(doc_type, family):
    problems = []
    for k, (ours, theirs, context) in laid_out(doc_type, family).items():
        problems += _problems(ours, context, f"+{k} PDF")
        problems += _problems(theirs, context, f"+{k} DOCX")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(("doc_type", "family"), CASES)
def test_the_docx_breaks_pages_where_the_pdf_does(doc_type, family):
    problems = []
    for k, (ours, theirs, _) in laid_out(doc_type, family).items():
        if len(ours) != len(theirs):
            problems.append(f"+{k}: PDF {len(ours)} pages, DOCX {len(theirs)} pages")
            continue
        for p, (a, b) in enumerate(zip(_starts(ours), _starts(theirs), strict=True)):
            if a != b:
                problems.append(f"+{k} page {p + 1}: PDF starts '{a}', DOCX '{b}'")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(("doc_type", "family"), CASES)
def test_the_docx_uses_times_new_roman_metrics_for_every_glyph(doc_type, family):
    """A glyph missing from the Times-compatible font would be drawn from another, wider font
    and move every break after it (Liberation 1.x has no Vietnamese; 2.x has)."""
    import io

    from pypdf import PdfReader

    _, office, _ = rendered(doc_type, family)[0]
    fonts = set()
    for page in PdfReader(io.BytesIO(office)).pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            fonts.add(re.sub(r"^[A-Z]{6}\+", "", str(font.get_object()["/BaseFont"]).lstrip("/")))
    assert fonts, fonts
    assert all(f.startswith("LiberationSerif") for f in fonts), fonts
