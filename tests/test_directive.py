"""The directive, opened as a reader would: Decree 30 elements, order, sizes, styles, forms."""

from __future__ import annotations

import io
import re

import pytest
from docx.shared import Pt
from pypdf import PdfReader

from service import registry
from service.registry import Format
from tests.conftest import load_sample
from tests.support.documents import (
    docx_paragraphs,
    open_docx,
    pdf_page_number_of,
    pdf_pages_text,
    render_type,
)

DIRECTIVE = registry.get("directive")


def render(payload, fmt):
    return render_type(DIRECTIVE, payload, fmt)


@pytest.fixture(scope="module")
def docx_doc():
    return open_docx(render(load_sample("directive"), Format.DOCX).content)


@pytest.fixture(scope="module")
def pdf_bytes():
    return render(load_sample("directive"), Format.PDF).content


def _para(doc, text):
    for p in docx_paragraphs(doc):
        if p.text.strip() == text:
            return p
    raise AssertionError(f"no paragraph {text!r}")


def _run_props(p):
    run = next(r for r in p.runs if r.text.strip())
    return run.font.size, bool(run.bold), bool(run.italic)


EXPECTED_ORDER = [
    "BỘ KHOA HỌC",  # too wide for Word's cell: broken between words, never in "CÔNG NGHỆ"
    "VÀ CÔNG NGHỆ",
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
    "Số: 07/CT-BKHCN",
    "Hà Nội, ngày 28 tháng 12 năm 2026",
    "CHỈ THỊ",
    "Về công tác thi đua, khen thưởng năm 2027",
    "I. ĐỔI MỚI NỘI DUNG, HÌNH THỨC, NÂNG CAO CHẤT LƯỢNG CÔNG TÁC THI ĐUA, KHEN THƯỞNG",
    "II. TỔ CHỨC THỰC HIỆN",
    "Nơi nhận:",
    "- Lưu: VT, TĐKT.",
    "BỘ TRƯỞNG",
    "Nguyễn Mạnh Hùng",
]


def test_docx_elements_in_order(docx_doc):
    texts = [p.text.strip() for p in docx_paragraphs(docx_doc) if p.text.strip()]
    positions = [texts.index(t) for t in EXPECTED_ORDER]
    assert positions == sorted(positions)


@pytest.mark.parametrize(("text", "size", "bold", "italic"), [
    ("BỘ KHOA HỌC", 12, True, False),
    ("VÀ CÔNG NGHỆ", 12, True, False),
    ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 12, True, False),
    ("Độc lập - Tự do - Hạnh phúc", 13, True, False),
    ("Số: 07/CT-BKHCN", 13, False, False),
    ("Hà Nội, ngày 28 tháng 12 năm 2026", 13, False, True),
    ("CHỈ THỊ", 14, True, False),
    ("Về công tác thi đua, khen thưởng năm 2027", 14, True, False),
    ("Nơi nhận:", 12, True, True),
    ("- Lưu: VT, TĐKT.", 11, False, False),
    ("BỘ TRƯỞNG", 14, True, False),
    ("Nguyễn Mạnh Hùng", 14, True, False),
])
def test_docx_sizes_and_styles(docx_doc, text, size, bold, italic):
    assert _run_props(_para(docx_doc, text)) == (Pt(size), bold, italic)


def test_docx_body_paragraphs_justified_and_indented(docx_doc):
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    p = _para(docx_doc, "1. Tiếp tục đề cao vai trò, trách nhiệm của cấp ủy Đảng, thủ trưởng cơ "
                        "quan, đơn vị trong lãnh đạo, chỉ đạo công tác thi đua, khen thưởng.")
    assert p.alignment == WD_ALIGN_PARAGRAPH.JUSTIFY
    assert abs(p.paragraph_format.first_line_indent.cm - 1.27) < 0.01
    assert p.paragraph_format.space_after >= Pt(6)
    # Decree 30: single to 1,5 lines. A single line of Times New Roman is 1,15 × its size;
    # the DOCX sets it exactly, as the PDF's line-height does, so both break pages alike.
    from docx.enum.text import WD_LINE_SPACING

    assert p.paragraph_format.line_spacing_rule == WD_LINE_SPACING.EXACTLY
    assert Pt(14 * 1.15) - 100 <= p.paragraph_format.line_spacing <= Pt(14 * 1.15 * 1.5)


def test_docx_outline_numbering(docx_doc):
    texts = [p.text.strip() for p in docx_paragraphs(docx_doc)]
    assert any(t.startswith("a) Gắn phong trào") for t in texts)
    assert any(t.startswith("b) Phát hiện") for t in texts)
    assert any(t.startswith("- chú trọng") for t in texts)
    assert texts.count("") >= 0
    closing = next(t for t in texts if t.startswith("Bộ trưởng yêu cầu"))
    assert closing.endswith("Chỉ thị này./.")


def test_docx_page_setup_and_font(docx_doc):
    section = docx_doc.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert 20 <= round(section.top_margin.mm) <= 25
    assert 20 <= round(section.bottom_margin.mm) <= 25
    assert 30 <= round(section.left_margin.mm) <= 35
    assert 15 <= round(section.right_margin.mm) <= 20
    normal = docx_doc.styles["Normal"]
    assert normal.font.name == "Times New Roman"
    rfonts = normal.element.rPr.rFonts
    from docx.oxml.ns import qn
    assert {rfonts.get(qn(f"w:{a}")) for a in ("ascii", "hAnsi", "eastAsia", "cs")} == {
        "Times New Roman"}


def test_docx_has_no_all_caps_formatting(docx_doc):
    xml = docx_doc.element.xml
    assert "<w:caps" not in xml
    assert "<w:smallCaps" not in xml


def test_docx_page_number_in_header_from_page_two(docx_doc):
    section = docx_doc.sections[0]
    assert section.different_first_page_header_footer
    header_xml = section.header._element.xml
    assert "PAGE" in header_xml
    assert "PAGE" not in section.first_page_header._element.xml


def test_pdf_page_size_text_and_fonts(pdf_bytes):
    reader = PdfReader(io.BytesIO(pdf_bytes))
    box = reader.pages[0].mediabox
    assert (round(float(box.width) * 25.4 / 72), round(float(box.height) * 25.4 / 72)) == (210, 297)
    first = pdf_pages_text(pdf_bytes)[0]
    for text in EXPECTED_ORDER[:7]:
        assert text in first
    fonts = set()
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font \
                else font
            descriptor = descendant["/FontDescriptor"].get_object()
            assert "/FontFile2" in descriptor, "font not embedded"
            fonts.add(str(font["/BaseFont"]))
    assert fonts, fonts
    assert all(re.match(r"/[A-Z]{6}\+Liberation-Serif-Bundled", f) for f in fonts), fonts


def test_pdf_page_numbers_start_on_page_two():
    payload = load_sample("directive")
    payload["sections"][0]["paragraphs"] = [payload["preamble"][0]] * 12
    content = render(payload, Format.PDF).content
    pages = pdf_pages_text(content)
    assert len(pages) >= 2
    assert pdf_page_number_of(pages[0]) is None
    for number, text in enumerate(pages[1:], start=2):
        assert pdf_page_number_of(text) == str(number)


def test_pdf_margins(pdf_bytes):
    import pdfplumber

    with pdfplumber.open(io.BytesIO(pdf_bytes)) as pdf:
        page = pdf.pages[0]
        chars = page.chars
        left = min(c["x0"] for c in chars) * 25.4 / 72
        right = (page.width - max(c["x1"] for c in chars)) * 25.4 / 72
        top = min(c["top"] for c in chars) * 25.4 / 72
    assert 29.5 <= left <= 36
    assert right >= 14.5
    assert top >= 19.5


def test_blank_number_and_date_for_signing():
    payload = load_sample("directive") | {"number": None, "date": None, "year": 2027}
    docx_doc = open_docx(render(payload, Format.DOCX).content)
    texts = [p.text for p in docx_paragraphs(docx_doc)]
    assert "Số:       /CT-BKHCN" in texts
    assert "Hà Nội, ngày      tháng      năm 2027" in texts
    pdf_first = pdf_pages_text(render(payload, Format.PDF).content)[0]
    # the PDF keeps the room for writing in by hand, as the DOCX does (not one collapsed space)
    assert re.search(r"Số: {4,}/CT-BKHCN", pdf_first), pdf_first[:300]
    assert re.search(r"ngày {4,}tháng {4,}năm 2027", pdf_first)


def test_signer_with_authority_prefix():
    payload = load_sample("directive")
    payload["signer"] = {"prefix": "KT.", "on_behalf_of": "Bộ trưởng", "position": "Thứ trưởng",
                         "name": "Lê Xuân Định"}
    texts = [p.text for p in docx_paragraphs(open_docx(render(payload, Format.DOCX).content))]
    i = texts.index("KT. BỘ TRƯỞNG")
    assert texts[i + 1] == "THỨ TRƯỞNG"
    assert "Lê Xuân Định" in texts[i + 2:]
