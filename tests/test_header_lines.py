"""Header, certificate authority and signer lines as the reader sees them in both formats:
never broken inside a two-syllable word, the caller's own breaks kept, and every line the
context computed printed as one line (WeasyPrint and a word processor wrap nothing again)."""

from __future__ import annotations

import io
import shutil
import subprocess

import pytest

from service import registry
from service.kit import layout
from service.registry import Format
from service.rendering import get_renderer, validate
from tests.conftest import ROOT, load_sample
from tests.support.agencies import AGENCIES, plain, split_inside_a_word

PT_PER_MM = 72 / 25.4
LEFT_MM = layout.PAGE["left"]
SOFFICE = shutil.which("soffice")


@pytest.fixture(scope="module")
def renderer():
    return get_renderer(ROOT / "doc_templates")


def directive_payload(parent: str | None, name: str, head: str) -> dict:
    data = load_sample("directive")
    data["issuer"] = {"parent": plain(parent) if parent else None, "name": plain(name),
                      "abbreviation": "CQ"}
    data["signer"] = {"prefix": None, "on_behalf_of": None,
                      "position": f"{plain(head)} {plain(name)}", "name": "Nguyễn Văn An"}
    return data


def pdf_lines(content: bytes, x0_mm: float, x1_mm: float, *, page: int = 0,
              top: float = 0.0, bottom: float | None = None) -> list[str]:
    """The text lines a reader sees in a column of a page (pdfplumber, NFC)."""
    import unicodedata

    import pdfplumber

    with pdfplumber.open(io.BytesIO(content)) as pdf:
        p = pdf.pages[page]
        box = (x0_mm * PT_PER_MM, top, x1_mm * PT_PER_MM, bottom or p.height)
        text = p.within_bbox(box).extract_text() or ""
    return [unicodedata.normalize("NFC", line).strip() for line in text.splitlines()
            if line.strip()]


def header_lines(content: bytes) -> list[str]:
    """Parent and agency lines: the left header column down to the ``Số:`` line."""
    lines = pdf_lines(content, LEFT_MM - 1, LEFT_MM + layout.HEADER_LEFT_MM + 1,
                      bottom=90 * PT_PER_MM)
    return lines[:next(i for i, t in enumerate(lines) if t.startswith("Số"))]


def signer_block(content: bytes, signer_name: str) -> list[str]:
    """The lines above the signer's name in the signature column of the last page."""
    import pdfplumber

    with pdfplumber.open(io.BytesIO(content)) as pdf:
        last = len(pdf.pages) - 1
        words = pdf.pages[last].extract_words()
    label = next(w for w in words if w["text"].startswith("Nơi"))
    x0 = LEFT_MM + layout.TEXT_WIDTH_MM - layout.SIGNER_COLUMN_MM - 1
    lines = pdf_lines(content, x0, 200, page=last, top=label["top"] - 2)
    return lines[:lines.index(signer_name)]


def expected_lines(data: dict) -> tuple[list[str], list[str]]:
    context = registry.get("directive").build_context(data)
    issuer = context["issuer"]
    return issuer["parent_lines"] + issuer["name_lines"], context["signer_lines"]


def check(lines: list[str], expected: list[str], annotated: str) -> None:
    assert lines == expected, (lines, expected)
    assert split_inside_a_word(lines, annotated) is None, lines


def annotated_header(parent: str | None, name: str) -> str:
    return f"{parent} {name}" if parent else name


@pytest.mark.slow
@pytest.mark.parametrize(("parent", "name", "head"), AGENCIES, ids=[plain(a[1]) for a in AGENCIES])
def test_pdf_header_and_signer_lines(renderer, parent, name, head):
    payload = directive_payload(parent, name, head)
    doc_type = registry.get("directive")
    content = renderer.render(doc_type, validate(doc_type, payload), Format.PDF).content
    header, signer = expected_lines(validate(doc_type, payload))
    check(header_lines(content), header, annotated_header(parent, name))
    check(signer_block(content, "Nguyễn Văn An"), signer, f"{head} {name}")


@pytest.fixture(scope="module")
def docx_as_pdf(renderer, tmp_path_factory):
    """Every agency's directive as DOCX, laid out by LibreOffice in one run: {name: PDF}."""
    if SOFFICE is None:
        pytest.skip("LibreOffice is a test tool")
    folder = tmp_path_factory.mktemp("docx")
    doc_type = registry.get("directive")
    paths = []
    for index, (parent, name, head) in enumerate(AGENCIES):
        data = validate(doc_type, directive_payload(parent, name, head))
        path = folder / f"a{index:02d}.docx"
        path.write_bytes(renderer.render(doc_type, data, Format.DOCX).content)
        paths.append(str(path))
    subprocess.run([SOFFICE, f"-env:UserInstallation=file://{folder}/profile", "--headless",
                    "--convert-to", "pdf", "--outdir", str(folder), *paths],
                   check=True, capture_output=True, timeout=600)
    return {name: (folder / f"a{index:02d}.pdf").read_bytes()
            for index, (_, name, _) in enumerate(AGENCIES)}


@pytest.mark.slow
@pytest.mark.parametrize(("parent", "name", "head"), AGENCIES, ids=[plain(a[1]) for a in AGENCIES])
def test_docx_header_and_signer_lines_in_a_word_processor(docx_as_pdf, parent, name, head):
    content = docx_as_pdf[name]
    header, signer = expected_lines(validate(registry.get("directive"),
                                             directive_payload(parent, name, head)))
    check(header_lines(content), header, annotated_header(parent, name))
    check(signer_block(content, "Nguyễn Văn An"), signer, f"{head} {name}")


# ---------------------------------------------------------------- the certificate

def certificate_payload(name: str, head: str) -> dict:
    data = load_sample("certificate")
    data["authority"] = f"{plain(head)} {plain(name)}"
    data["signer"] = {"prefix": "KT.", "on_behalf_of": f"{plain(head)} {plain(name)}",
                      "position": f"Phó {plain(head)}", "name": "Nguyễn Văn An"}
    return data


def box_lines(content: bytes, box: dict) -> list[str]:
    """The lines printed inside a certificate box (a millimetre of slack around it)."""
    return pdf_lines(content, box["x"] - 1, box["x"] + box["w"] + 1,
                     top=(box["y"] - 1) * PT_PER_MM,
                     bottom=(box["y"] + box["h"] + 1) * PT_PER_MM)


def check_certificate(content: bytes, data: dict, name: str, head: str) -> None:
    from service.doctypes._certificate_layout import layout as certificate_layout

    boxes = {b["name"]: b for b in certificate_layout(data)["boxes"]}
    check(box_lines(content, boxes["authority"]), boxes["authority"]["lines"],
          f"{head} {name}")
    check(box_lines(content, boxes["signer"]), boxes["signer"]["lines"],
          f"KT. {head} {name} Phó {head}")


@pytest.mark.slow
@pytest.mark.parametrize(("parent", "name", "head"), AGENCIES, ids=[plain(a[1]) for a in AGENCIES])
def test_certificate_authority_and_signer_lines_in_the_pdf(renderer, parent, name, head):
    doc_type = registry.get("certificate")
    data = validate(doc_type, certificate_payload(name, head))
    content = renderer.render(doc_type, data, Format.PDF).content
    check_certificate(content, data, name, head)


@pytest.fixture(scope="module")
def certificates_as_pdf(renderer, tmp_path_factory):
    """Every agency's certificate as DOCX, laid out by LibreOffice in one run: {name: PDF}."""
    if SOFFICE is None:
        pytest.skip("LibreOffice is a test tool")
    folder = tmp_path_factory.mktemp("certificates")
    doc_type = registry.get("certificate")
    paths = []
    for index, (_, name, head) in enumerate(AGENCIES):
        data = validate(doc_type, certificate_payload(name, head))
        path = folder / f"c{index:02d}.docx"
        path.write_bytes(renderer.render(doc_type, data, Format.DOCX).content)
        paths.append(str(path))
    subprocess.run([SOFFICE, f"-env:UserInstallation=file://{folder}/profile", "--headless",
                    "--convert-to", "pdf", "--outdir", str(folder), *paths],
                   check=True, capture_output=True, timeout=600)
    return {name: (folder / f"c{index:02d}.pdf").read_bytes()
            for index, (_, name, _) in enumerate(AGENCIES)}


@pytest.mark.slow
@pytest.mark.parametrize(("parent", "name", "head"), AGENCIES, ids=[plain(a[1]) for a in AGENCIES])
def test_certificate_lines_in_a_word_processor(certificates_as_pdf, parent, name, head):
    data = validate(registry.get("certificate"), certificate_payload(name, head))
    check_certificate(certificates_as_pdf[name], data, name, head)
