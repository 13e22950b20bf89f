"""The emulation plan, opened as a reader would: Decree 30 parts in order, numbering at every
depth, titled items, bullets, tables (heading row repeated, rows kept whole), both formats."""

from __future__ import annotations

import copy
import io
import json
import re

import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt

from service import registry
from service.registry import Format
from tests.conftest import load_sample
from tests.support.documents import (
    docx_paragraphs,
    open_docx,
    pdf_page_number_of,
    pdf_pages_text,
    render_type,
    validation_problems,
    words,
)

PLAN = registry.get("emulation_plan")


def render(payload, fmt):
    return render_type(PLAN, payload, fmt)


def problems(payload) -> list[tuple[str, str]]:
    return validation_problems(PLAN, payload)


@pytest.fixture(scope="module")
def docx_doc():
    return open_docx(render(load_sample("emulation_plan"), Format.DOCX).content)


@pytest.fixture(scope="module")
def pdf_text():
    return " ".join(pdf_pages_text(render(load_sample("emulation_plan"), Format.PDF).content))


def texts(doc) -> list[str]:
    return [p.text.strip() for p in docx_paragraphs(doc) if p.text.strip()]


def para(doc, text):
    return next(p for p in docx_paragraphs(doc) if p.text.strip() == text)


EXPECTED_ORDER = [
    "ỦY BAN NHÂN DÂN",  # the parent is wider than the column: broken before TỈNH
    "TỈNH THANH HÓA",
    "SỞ GIÁO DỤC VÀ ĐÀO TẠO",
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Số: 125/KH-SGDĐT",
    "Thanh Hóa, ngày 08 tháng 01 năm 2026",
    "KẾ HOẠCH",
    "Tổ chức phong trào thi đua “Đổi mới, sáng tạo trong dạy và học” năm học 2025 - 2026",
    "I. MỤC ĐÍCH, YÊU CẦU",
    "1. Mục đích",
    "2. Yêu cầu",
    "II. CHỦ ĐỀ, ĐỐI TƯỢNG, PHẠM VI, THỜI GIAN THI ĐUA",
    "1. Chủ đề",
    "“Đổi mới, sáng tạo trong dạy và học”.",
    "III. NỘI DUNG, CHỈ TIÊU THI ĐUA",
    "Chỉ tiêu thi đua năm học 2025 - 2026",
    "STT",
    "IV. HÌNH THỨC TỔ CHỨC",
    "V. KHEN THƯỞNG",
    "VI. TỔ CHỨC THỰC HIỆN",
    "1. Văn phòng Sở",
    "2. Các đơn vị trực thuộc",
    "Nơi nhận:",
    "- Lưu: VT, VP.",
    "KT. GIÁM ĐỐC",
    "PHÓ GIÁM ĐỐC",
    "Lê Thị Hồng Nhung",
]


def test_docx_parts_in_order(docx_doc):
    found = texts(docx_doc)
    positions = [found.index(t) for t in EXPECTED_ORDER]
    assert positions == sorted(positions)


def test_pdf_parts_in_order(pdf_text):
    flat = re.sub(r"\s+", " ", pdf_text)
    positions = [flat.index(t) for t in EXPECTED_ORDER]
    assert positions == sorted(positions)


def test_numbering_at_every_depth(docx_doc):
    found = texts(docx_doc)
    i = found.index("1. Thi đua đổi mới phương pháp dạy học, kiểm tra, đánh giá theo định hướng "
                    "phát triển phẩm chất, năng lực học sinh:")
    assert [t.split(" ")[0] for t in found[i:i + 7]] == ["1.", "a)", "b)", "-", "+", "+", "-"]
    assert found[i + 7].startswith("2. Thi đua ứng dụng công nghệ thông tin")
    assert found[i + 4] == "+ học liệu số dùng chung toàn ngành;"
    mục_đích = found.index("1. Mục đích")
    assert found[mục_đích + 1].startswith("- Động viên cán bộ")
    assert found[mục_đích + 2].startswith("- Phát hiện, bồi dưỡng")


def test_decimal_point_style():
    payload = load_sample("emulation_plan") | {"point_style": "decimal"}
    found = texts(open_docx(render(payload, Format.DOCX).content))
    assert ("1.1. 100% giáo viên đăng ký thực hiện ít nhất 01 chuyên đề đổi mới phương pháp;"
            in found)
    assert any(t.startswith("1.2. Mỗi trường có ít nhất 01 sáng kiến") for t in found)
    assert not any(t.startswith("a) 100%") for t in found)


def test_extra_parts_the_payload_gives_are_numbered_on():
    payload = load_sample("emulation_plan")
    payload["sections"].append({"heading": "Chế độ thông tin, báo cáo",
                                "items": [{"text": "Báo cáo sơ kết trước ngày 15/3/2026."}]})
    found = texts(open_docx(render(payload, Format.DOCX).content))
    assert "VII. CHẾ ĐỘ THÔNG TIN, BÁO CÁO" in found
    assert found.index("VII. CHẾ ĐỘ THÔNG TIN, BÁO CÁO") > found.index("VI. TỔ CHỨC THỰC HIỆN")


@pytest.mark.parametrize(("text", "bold", "align"), [
    ("KẾ HOẠCH", True, WD_ALIGN_PARAGRAPH.CENTER),
    ("I. MỤC ĐÍCH, YÊU CẦU", True, WD_ALIGN_PARAGRAPH.JUSTIFY),
    ("1. Mục đích", True, WD_ALIGN_PARAGRAPH.JUSTIFY),
    ("“Đổi mới, sáng tạo trong dạy và học”.", False, WD_ALIGN_PARAGRAPH.JUSTIFY),
    ("+ học liệu số dùng chung toàn ngành;", False, WD_ALIGN_PARAGRAPH.JUSTIFY),
    ("Chỉ tiêu thi đua năm học 2025 - 2026", True, WD_ALIGN_PARAGRAPH.CENTER),
])
def test_docx_styles(docx_doc, text, bold, align):
    p = para(docx_doc, text)
    run = next(r for r in p.runs if r.text.strip())
    assert run.font.size == Pt(14)
    assert bool(run.bold) is bold
    assert p.alignment == align


def test_closing_ends_with_the_final_mark(docx_doc, pdf_text):
    closing = next(t for t in texts(docx_doc) if t.startswith("Trên đây là Kế hoạch"))
    assert closing.endswith("triển khai thực hiện./.")
    assert "triển khai thực hiện./." in pdf_text


def test_docx_table_heading_row_repeats_and_rows_never_split(docx_doc):
    table = next(t for t in docx_doc.tables if t.rows[0].cells[0].text == "STT")
    rows = table.rows
    assert [c.text for c in rows[0].cells] == ["STT", "Chỉ tiêu", "Mức phấn đấu", "Thời hạn"]
    assert [c.text for c in rows[2].cells] == [
        "2", "Sáng kiến được công nhận cấp cơ sở", "Ít nhất 01 sáng kiến mỗi trường",
        "15/5/2026"]
    assert len(rows) == 4
    assert rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    for row in rows:
        assert row._tr.trPr.find(qn("w:cantSplit")) is not None
    grid = [int(c.get(qn("w:w"))) for c in table._tbl.tblGrid.findall(qn("w:gridCol"))]
    assert len(grid) == 4
    assert abs(sum(grid) - 165 * 1440 / 25.4) < 5   # the text width, 165 mm
    assert grid[0] < grid[1]                         # STT narrow, text wide
    for row in rows:
        widths = [int(c._tc.tcPr.find(qn("w:tcW")).get(qn("w:w"))) for c in row.cells]
        assert widths == grid


def test_tables_at_item_level_with_given_widths():
    payload = load_sample("emulation_plan")
    payload["sections"][4]["items"][0]["table"] = {
        "caption": None, "columns": ["Đơn vị", "Số lượng"], "widths": [3, 1],
        "rows": [["Tập thể", "05"], ["Cá nhân", "20"]]}
    doc = open_docx(render(payload, Format.DOCX).content)
    table = next(t for t in doc.tables if t.rows[0].cells[0].text == "Đơn vị")
    grid = [int(c.get(qn("w:w"))) for c in table._tbl.tblGrid.findall(qn("w:gridCol"))]
    assert abs(grid[0] / grid[1] - 3) < 0.01
    found = texts(doc)
    assert found.index("Đơn vị") > found.index("1. Giám đốc Sở tặng Giấy khen cho các tập thể, cá "
                                               "nhân có thành tích xuất sắc trong phong trào thi "
                                               "đua.")
    assert found.index("Đơn vị") < found.index("2. Lựa chọn tập thể, cá nhân tiêu biểu đề nghị "
                                               "Chủ tịch Ủy ban nhân dân tỉnh tặng Bằng khen.")


def test_long_pdf_table_repeats_its_heading_on_every_page_and_keeps_rows_whole():
    payload = load_sample("emulation_plan")
    long_text = ("Tổ chức chuyên đề đổi mới phương pháp dạy học theo định hướng phát triển năng "
                 "lực, có biên bản đánh giá của tổ chuyên môn và báo cáo kết quả về Sở")
    payload["sections"][2]["tables"][0]["rows"] = [
        [str(i), f"Chỉ tiêu {i:03d}: {long_text} (hết {i:03d})", f"Mức {i:03d}", "31/5/2026"]
        for i in range(1, 121)]
    pages = pdf_pages_text(render(payload, Format.PDF).content)
    with_rows = [i for i, t in enumerate(pages) if re.search(r"Chỉ tiêu \d{3}:", t)]
    assert len(with_rows) >= 3
    for i in with_rows[1:]:
        assert words(pages[i])[:2] == ["STT", "Chỉ"], i  # the heading row first on the page
    flat = [re.sub(r"\s+", " ", t) for t in pages]
    for n in range(1, 121):
        holding = [i for i, t in enumerate(flat) if f"Chỉ tiêu {n:03d}:" in t]
        assert len(holding) == 1
        assert f"(hết {n:03d})" in flat[holding[0]]  # the row is whole on that page
        assert f"Mức {n:03d}" in flat[holding[0]]


def test_pdf_page_numbers_from_page_two():
    content = render(load_sample("emulation_plan"), Format.PDF).content
    pages = pdf_pages_text(content)
    assert len(pages) >= 2
    assert pdf_page_number_of(pages[0]) is None
    for number, text in enumerate(pages[1:], start=2):
        assert pdf_page_number_of(text) == str(number)


def test_blank_number_and_date_for_signing():
    payload = load_sample("emulation_plan") | {"number": None, "date": None, "year": 2026}
    found = [p.text for p in docx_paragraphs(open_docx(render(payload, Format.DOCX).content))]
    assert "Số:       /KH-SGDĐT" in found
    assert "Thanh Hóa, ngày      tháng      năm 2026" in found


@pytest.mark.parametrize(("change", "expected"), [
    (lambda p: p["sections"][2]["tables"][0]["rows"][1].pop(),
     ("/sections/2/tables/0/rows/1", "inconsistent")),
    (lambda p: p["sections"][2]["tables"][0].update(widths=[1, 2]),
     ("/sections/2/tables/0/widths", "inconsistent")),
    (lambda p: p["sections"][0]["items"][0].pop("title"),
     ("/sections/0/items/0/text", "required")),
    (lambda p: p["sections"][2]["items"][0]["items"][1]["items"][0]["items"][0].update(
        items=[{"text": "quá sâu"}]),
     ("/sections/2/items/0/items/1/items/0/items/0/items", "unknown_field")),
    (lambda p: p.update(point_style="roman"), ("/point_style", "invalid_choice")),
    (lambda p: p.update(sections=[]), ("/sections", "too_few_items")),
    (lambda p: p["sections"][2]["tables"][0].update(columns=[f"C{i}" for i in range(9)]),
     ("/sections/2/tables/0/columns", "too_many_items")),
    (lambda p: p.pop("closing"), ("/closing", "required")),
])
def test_bad_payloads_are_422_with_pointers(change, expected):
    payload = copy.deepcopy(load_sample("emulation_plan"))
    change(payload)
    assert expected in problems(payload)


def test_api_renders_both_formats_and_lists_the_type(client):
    body = json.dumps(load_sample("emulation_plan"), ensure_ascii=False).encode()
    for ext, magic in (("docx", b"PK"), ("pdf", b"%PDF")):
        response = client.post(f"/api/v1/documents/emulation_plan.{ext}", data=body,
                               content_type="application/json")
        assert response.status_code == 200
        assert response.data.startswith(magic)
    types = {t["id"]: t for t in client.get("/api/v1/document-types").get_json()}
    assert types["emulation_plan"]["formats"] == ["docx", "pdf"]
    bad = load_sample("emulation_plan")
    bad["sections"][0]["items"][0] = {}
    response = client.post("/api/v1/documents/emulation_plan.pdf",
                           data=json.dumps(bad).encode(), content_type="application/json")
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert {"pointer": "/sections/0/items/0/text", "code": "required"}.items() <= \
        response.get_json()["errors"][0].items()


def test_pdf_fonts_are_the_bundled_ones():
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(render(load_sample("emulation_plan"), Format.PDF).content))
    fonts = {str(f.get_object()["/BaseFont"]) for page in reader.pages
             for f in (page["/Resources"].get("/Font") or {}).values()}
    assert fonts
    assert all(re.match(r"/[A-Z]{6}\+Liberation-Serif-Bundled", f) for f in fonts)
