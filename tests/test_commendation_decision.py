"""The commendation decision and its attached list, opened as a reader would: the decision's
parts and articles in order, the list on its own pages (heading, "Kèm theo" line, groups
numbered separately, heading row repeated, rows never split, page numbers restarting), the
rewards computed from the configuration, totals in numerals and in words."""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
import shutil
import subprocess

import pytest
from docx.enum.section import WD_SECTION
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt

from service import registry, rewards, vn
from service.registry import Format
from service.rendering import get_renderer, validate
from tests.conftest import ROOT, load_sample
from tests.support.documents import (
    docx_paragraphs,
    open_docx,
    pdf_page_number_of,
    pdf_pages_text,
    render_type,
    validation_problems,
    words,
)
from tests.test_rewards import expected_amount, shipped_doc

DECISION = registry.get("commendation_decision")
KÈM_THEO = ("(Kèm theo Quyết định số 1520/QĐ-SGDĐT ngày 07 tháng 12 năm 2026 của Giám đốc Sở "
            "Giáo dục và Đào tạo)")


def render(payload, fmt):
    return render_type(DECISION, payload, fmt)


def problems(payload) -> list[tuple[str, str]]:
    return validation_problems(DECISION, payload)


def sample(**changes):
    payload = copy.deepcopy(load_sample("commendation_decision"))
    payload.update(changes)
    return payload


def person(name, honorific, unit="Trường THPT Hàm Rồng", **more):
    return {"kind": "ca_nhan", "honorific": honorific, "name": name, "position": "Giáo viên",
            "unit": unit, **more}


def collective(name, unit="Trường THPT Hàm Rồng", **more):
    return {"kind": "tap_the", "name": name, "unit": unit, **more}


def many_entries(n: int) -> list[dict]:
    """``n`` entries, one collective in ten; each name and unit carries its own marker so a
    test can find each row, and the units are long enough to wrap in their cells."""
    out = []
    for i in range(1, n + 1):
        unit = (f"Trường Trung học phổ thông số {i % 37 + 1} thành phố Thanh Hóa, tỉnh Thanh "
                f"Hóa (mã {i:04d})")
        if i % 10 == 1:
            out.append(collective(f"Tổ chuyên môn Ngữ văn số {i:04d}", unit))
        else:
            out.append(person(f"Nguyễn Thị Hồng Nhung Thứ {i:04d}", "ba" if i % 2 else "ong",
                              unit))
    return out


def texts(doc) -> list[str]:
    return [p.text.strip() for p in docx_paragraphs(doc) if p.text.strip()]


def para(doc, text):
    return next(p for p in docx_paragraphs(doc) if p.text.strip() == text)


def list_table(doc):
    return next(t for t in doc.tables if t.rows[0].cells[0].text == "STT")


def row_texts(table) -> list[list[str]]:
    out = []
    for row in table.rows:
        seen, cells = set(), []
        for cell in row.cells:
            if id(cell._tc) not in seen:
                seen.add(id(cell._tc))
                cells.append(cell.text)
        out.append(cells)
    return out


@pytest.fixture(scope="module")
def docx_doc():
    return open_docx(render(load_sample("commendation_decision"), Format.DOCX).content)


@pytest.fixture(scope="module")
def pdf_pages():
    return pdf_pages_text(render(load_sample("commendation_decision"), Format.PDF).content)


# ------------------------------------------------------------------ the decision

DECISION_ORDER = [
    "SỞ GIÁO DỤC VÀ ĐÀO TẠO",
    "Số: 1520/QĐ-SGDĐT",
    "Thanh Hóa, ngày 07 tháng 12 năm 2026",
    "QUYẾT ĐỊNH",
    "Về việc tặng Giấy khen cho tập thể, cá nhân có thành tích xuất sắc trong phong trào thi đua "
    "“Đổi mới, sáng tạo trong dạy và học” năm học 2025 - 2026",
    "GIÁM ĐỐC SỞ GIÁO DỤC VÀ ĐÀO TẠO",
    "Căn cứ Luật Thi đua, khen thưởng số 06/2022/QH15;",
    "Căn cứ Biên bản họp Hội đồng Thi đua - Khen thưởng Sở ngày 28 tháng 11 năm 2026;",
    "Theo đề nghị của Chánh Văn phòng Sở.",
    "QUYẾT ĐỊNH:",
    "Điều 1.",
    "Điều 2.",
    "Điều 3.",
    "Nơi nhận:",
    "- Như Điều 3;",
    "- Giám đốc, các Phó Giám đốc Sở;",
    "- Lưu: VT, VP.",
    "KT. GIÁM ĐỐC",
    "PHÓ GIÁM ĐỐC",
    "Lê Thị Hồng Nhung",
    "DANH SÁCH",
    "TẬP THỂ, CÁ NHÂN ĐƯỢC TẶNG GIẤY KHEN CỦA GIÁM ĐỐC SỞ GIÁO DỤC VÀ ĐÀO TẠO",
    KÈM_THEO,
    "STT",
]

ARTICLE_1 = ("Điều 1. Tặng Giấy khen của Giám đốc Sở Giáo dục và Đào tạo cho 02 tập thể và 04 cá "
             "nhân (có danh sách kèm theo), vì đã có thành tích xuất sắc trong phong trào thi "
             "đua “Đổi mới, sáng tạo trong dạy và học” năm học 2025 - 2026.")
# The money article names the amounts' legal basis (rewards.toml [[legal_basis]]) and the
# source of the funds (DOMAIN.md §4.3, Điều 2).
ARTICLE_2 = ("Điều 2. Các tập thể, cá nhân có tên tại Điều 1 được nhận tiền thưởng theo mức ghi "
             "trong danh sách kèm theo, theo quy định tại Nghị định số 152/2025/NĐ-CP ngày 14 "
             "tháng 6 năm 2025 của Chính phủ; tổng số tiền thưởng là 6.080.000 đồng (Bằng chữ: Sáu "
             "triệu không trăm tám mươi nghìn đồng). Kinh phí khen thưởng được chi từ Quỹ thi "
             "đua, khen thưởng của Sở Giáo dục và Đào tạo năm 2026.")
ARTICLE_3 = ("Điều 3. Quyết định này có hiệu lực kể từ ngày ký. Chánh Văn phòng Sở, Trưởng các "
             "phòng thuộc Sở, Thủ trưởng các đơn vị có liên quan và các tập thể, cá nhân có tên "
             "tại Điều 1 chịu trách nhiệm thi hành Quyết định này./.")


def _index_of(found: list[str], needle: str) -> int:
    return next(i for i, t in enumerate(found) if t == needle or t.startswith(needle + " "))


def test_docx_parts_in_order(docx_doc):
    found = texts(docx_doc)
    positions = [_index_of(found, t) for t in DECISION_ORDER]
    assert positions == sorted(positions)


def test_pdf_parts_in_order(pdf_pages):
    flat = re.sub(r"\s+", " ", " ".join(pdf_pages))
    positions = [flat.index(t) for t in DECISION_ORDER]
    assert positions == sorted(positions)


def test_default_articles(docx_doc, pdf_pages):
    found = texts(docx_doc)
    assert [t for t in found if t.startswith("Điều ")] == [ARTICLE_1, ARTICLE_2, ARTICLE_3]
    flat = re.sub(r"\s+", " ", " ".join(pdf_pages))
    flat = re.sub(r"(?<=\S)- (?=\S)", "-", flat)  # a line that ends after the "-" of NĐ-CP
    for article in (ARTICLE_1, ARTICLE_2, ARTICLE_3):
        assert article in flat


@pytest.mark.parametrize(("text", "size", "bold", "italic", "align"), [
    ("GIÁM ĐỐC SỞ GIÁO DỤC VÀ ĐÀO TẠO", 14, True, False, WD_ALIGN_PARAGRAPH.CENTER),
    ("Căn cứ Luật Thi đua, khen thưởng số 06/2022/QH15;", 14, False, True,
     WD_ALIGN_PARAGRAPH.JUSTIFY),
    ("Theo đề nghị của Chánh Văn phòng Sở.", 14, False, True, WD_ALIGN_PARAGRAPH.JUSTIFY),
    ("QUYẾT ĐỊNH:", 14, True, False, WD_ALIGN_PARAGRAPH.CENTER),
    ("DANH SÁCH", 14, True, False, WD_ALIGN_PARAGRAPH.CENTER),
    (KÈM_THEO, 14, False, True, WD_ALIGN_PARAGRAPH.CENTER),
])
def test_docx_styles(docx_doc, text, size, bold, italic, align):
    p = para(docx_doc, text)
    run = next(r for r in p.runs if r.text.strip())
    assert (run.font.size, bool(run.bold), bool(run.italic), p.alignment) == (
        Pt(size), bold, italic, align)


def test_article_label_bold_text_plain(docx_doc):
    p = para(docx_doc, ARTICLE_1)
    runs = [r for r in p.runs if r.text]
    assert runs[0].text == "Điều 1."
    assert runs[0].bold
    assert all(not r.bold for r in runs[1:])
    assert abs(p.paragraph_format.first_line_indent.cm - 1.27) < 0.01


def test_legal_bases_punctuation():
    payload = sample(legal_bases=["Căn cứ Luật Thi đua, khen thưởng số 06/2022/QH15.",
                                  "Căn cứ Nghị định số 152/2025/NĐ-CP;;"], proposal=None)
    found = texts(open_docx(render(payload, Format.DOCX).content))
    assert "Căn cứ Luật Thi đua, khen thưởng số 06/2022/QH15;" in found
    assert "Căn cứ Nghị định số 152/2025/NĐ-CP." in found  # last line closes the preamble
    assert not any(t.startswith("Theo đề nghị") for t in found)


def test_articles_from_the_payload_and_their_numbering():
    payload = sample(articles={
        "award": "Công nhận danh hiệu “Lao động tiên tiến” cho 04 cá nhân (có danh sách kèm theo).",
        "reward": "Mỗi cá nhân được thưởng theo danh sách kèm theo.\nNguồn kinh phí: Quỹ thi đua.",
        "others": ["Văn phòng Sở cấp Giấy chứng nhận cho các cá nhân có tên tại Điều 1."],
        "execution": "Quyết định này có hiệu lực kể từ ngày ký.\nChánh Văn phòng Sở chịu trách "
                     "nhiệm thi hành Quyết định này.",
    })
    found = texts(open_docx(render(payload, Format.DOCX).content))
    assert [t.split(" ")[1] for t in found if t.startswith("Điều ") and t[5:6].isdigit()] == [
        "1.", "2.", "3.", "4."]
    i = found.index("Điều 2. Mỗi cá nhân được thưởng theo danh sách kèm theo.")
    assert found[i + 1] == "Nguồn kinh phí: Quỹ thi đua."
    assert "Điều 3. Văn phòng Sở cấp Giấy chứng nhận cho các cá nhân có tên tại Điều 1." in found
    j = found.index("Điều 4. Quyết định này có hiệu lực kể từ ngày ký.")
    assert found[j + 1] == "Chánh Văn phòng Sở chịu trách nhiệm thi hành Quyết định này./."
    assert "- Như Điều 4;" in found
    assert "- Như Điều 3;" not in found


def test_without_money_there_is_no_reward_article_and_no_amount_column():
    payload = sample(compute_rewards=False, award=None)
    doc = open_docx(render(payload, Format.DOCX).content)
    found = texts(doc)
    articles = [t for t in found if t.startswith("Điều ")]
    assert len(articles) == 2
    assert articles[1].startswith("Điều 2. Quyết định này có hiệu lực kể từ ngày ký.")
    assert "- Như Điều 2;" in found
    table = row_texts(list_table(doc))
    assert table[0] == ["STT", "Tên tập thể, họ và tên", "Chức vụ, đơn vị công tác"]
    assert not any(t.startswith(("Tổng số tiền", "Tiền thưởng")) for t in found)
    assert not any("Tổng cộng" in " ".join(r) for r in table)


def test_a_recipient_line_naming_the_article_is_kept_or_refused():
    payload = sample(recipients=["Như Điều 3", "Các đơn vị trực thuộc"])
    found = texts(open_docx(render(payload, Format.DOCX).content))
    assert found.count("- Như Điều 3;") == 1
    assert ("/recipients/0", "inconsistent") in problems(sample(recipients=["Như Điều 2;"]))


# ------------------------------------------------------------------ the attached list (DOCX)

def test_docx_list_is_a_new_section_numbered_from_one(docx_doc):
    assert len(docx_doc.sections) == 2
    decision, annex = docx_doc.sections
    assert annex.start_type == WD_SECTION.NEW_PAGE
    pg_num = annex._sectPr.find(qn("w:pgNumType"))
    assert pg_num is not None
    assert pg_num.get(qn("w:start")) == "1"
    assert decision._sectPr.find(qn("w:pgNumType")) is None
    for section in (decision, annex):
        assert section.different_first_page_header_footer
        assert "PAGE" in section.header._element.xml
        assert "PAGE" not in section.first_page_header._element.xml
    assert not annex.header.is_linked_to_previous
    assert (round(annex.page_width.mm), round(annex.page_height.mm)) == (210, 297)  # portrait
    # the list's heading is the first text of the new section
    body = docx_doc.element.body
    break_p = next(p for p in body.iter(qn("w:p")) if p.find(qn("w:pPr")) is not None
                   and p.find(qn("w:pPr")).find(qn("w:sectPr")) is not None)
    following = [t for t in (
        "".join(x.text or "" for x in p.iter(qn("w:t"))) for p in break_p.itersiblings(qn("w:p")))
        if t.strip()]
    assert following[0] == "DANH SÁCH"


def test_docx_list_table(docx_doc):
    table = list_table(docx_doc)
    rows = row_texts(table)
    assert rows == [
        ["STT", "Tên tập thể, họ và tên", "Chức vụ, đơn vị công tác", "Số tiền thưởng (đồng)"],
        ["I. TẬP THỂ"],
        ["1", "Tổ Ngữ văn", "Trường THPT Hàm Rồng", "1.520.000"],
        ["2", "Tổ Toán - Tin học", "Trường THPT chuyên Lam Sơn", "1.520.000"],
        ["Cộng", "3.040.000"],
        ["II. CÁ NHÂN"],
        ["1", "Bà Lê Thị Thu Hà", "Giáo viên, Trường THPT Hàm Rồng", "760.000"],
        ["2", "Ông Nguyễn Văn Minh", "Phó Hiệu trưởng, Trường THPT Đào Duy Từ", "760.000"],
        ["3", "Bà Đỗ Thị Ánh", "Giáo viên, Trường THPT chuyên Lam Sơn", "760.000"],
        ["4", "Ông Hoàng Văn Dũng", "Tổ trưởng Tổ Vật lý - Công nghệ, Trung tâm Giáo dục nghề "
                                   "nghiệp - Giáo dục thường xuyên Triệu Sơn", "760.000"],
        ["Cộng", "3.040.000"],
        ["Tổng cộng", "6.080.000"],
    ]
    tr = [r._tr for r in table.rows]
    assert tr[0].trPr.find(qn("w:tblHeader")) is not None
    assert all(t.trPr.find(qn("w:tblHeader")) is None for t in tr[1:])
    assert all(t.trPr.find(qn("w:cantSplit")) is not None for t in tr)
    grid = [int(c.get(qn("w:w"))) for c in table._tbl.tblGrid.findall(qn("w:gridCol"))]
    assert len(grid) == 4
    assert abs(sum(grid) - 165 * 1440 / 25.4) < 5
    assert table.rows[1].cells[0]._tc.tcPr.find(qn("w:gridSpan")).get(qn("w:val")) == "4"
    name = table.rows[2].cells[1].paragraphs[0].runs[0]
    assert name.font.size == Pt(13)


def test_docx_totals_in_words_and_count_line(docx_doc):
    found = texts(docx_doc)
    tail = found[found.index("DANH SÁCH"):]
    assert "Tiền thưởng tập thể: 3.040.000 đồng (Bằng chữ: Ba triệu không trăm bốn mươi nghìn " \
           "đồng)." in tail
    assert "Tiền thưởng cá nhân: 3.040.000 đồng (Bằng chữ: Ba triệu không trăm bốn mươi nghìn " \
           "đồng)." in tail
    assert "Tổng số tiền thưởng: 6.080.000 đồng (Bằng chữ: Sáu triệu không trăm tám mươi nghìn " \
           "đồng)." in tail
    assert tail[-1] == "(Danh sách có 02 tập thể và 04 cá nhân)./."
    assert para(docx_doc, tail[-1]).alignment == WD_ALIGN_PARAGRAPH.RIGHT


# ------------------------------------------------------------------ the attached list (PDF)

def test_pdf_list_starts_a_new_page_without_a_number(pdf_pages):
    start = next(i for i, t in enumerate(pdf_pages) if t.lstrip().startswith("DANH SÁCH"))
    assert start >= 1
    assert "QUYẾT ĐỊNH:" not in pdf_pages[start]
    assert "Lê Thị Hồng Nhung" in pdf_pages[start - 1]
    assert pdf_page_number_of(pdf_pages[start]) is None
    flat = re.sub(r"\s+", " ", pdf_pages[start])
    for text in (KÈM_THEO, "I. TẬP THỂ 1 Tổ Ngữ văn Trường THPT Hàm Rồng 1.520.000",
                 "II. CÁ NHÂN 1 Bà Lê Thị Thu Hà Giáo viên, Trường THPT Hàm Rồng 760.000",
                 "Cộng 3.040.000 Tổng cộng 6.080.000",
                 "Tổng số tiền thưởng: 6.080.000 đồng (Bằng chữ: Sáu triệu không trăm tám mươi "
                 "nghìn đồng).", "(Danh sách có 02 tập thể và 04 cá nhân)./."):
        assert text in flat, text


def test_pdf_list_pages_numbered_from_one_header_repeated_rows_whole():
    payload = sample(entries=many_entries(300))
    pages = pdf_pages_text(render(payload, Format.PDF).content)
    start = next(i for i, t in enumerate(pages) if t.lstrip().startswith("DANH SÁCH"))
    for i in range(1, start):                               # the decision's own pages
        assert pdf_page_number_of(pages[i]) == str(i + 1)
    assert pdf_page_number_of(pages[start]) is None         # first page of the list
    list_pages = pages[start:]
    assert len(list_pages) >= 10
    for k, text in enumerate(list_pages[1:], start=2):
        page_words = words(text)
        assert page_words[-1] == str(k)                     # restarted numbering
        assert page_words[:2] == ["STT", "Tên"]             # heading row repeated
    flat = [re.sub(r"\s+", " ", t) for t in list_pages]
    for i in range(1, 301):
        name = f"Thứ {i:04d}" if i % 10 != 1 else f"Ngữ văn số {i:04d}"
        holding = [k for k, t in enumerate(flat) if name in t]
        assert len(holding) == 1, i
        assert f"(mã {i:04d})" in flat[holding[0]], i      # the row did not split
    counts = "(Danh sách có 30 tập thể và 270 cá nhân)./."
    assert counts in flat[-1]


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is a test tool")
def test_docx_list_pages_in_a_word_processor(tmp_path):
    """LibreOffice lays the DOCX out: the list restarts at page 1 with no number on its first
    page, the heading row repeats, and no row splits."""
    payload = sample(entries=many_entries(300))
    path = tmp_path / "decision.docx"
    path.write_bytes(render(payload, Format.DOCX).content)
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/profile", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(path)],
                   check=True, capture_output=True, timeout=180)
    pages = pdf_pages_text((tmp_path / "decision.pdf").read_bytes())
    start = next(i for i, t in enumerate(pages) if t.lstrip().startswith("DANH SÁCH"))
    assert len(pages) - start >= 10
    for k, text in enumerate(pages[start + 1:], start=2):
        page_words = words(text)
        assert page_words[0] == str(k)                      # LibreOffice writes the header first
        if "(mã" in text:  # a page of the table (not one holding only the totals after it)
            assert {"STT", "Tên"} <= set(page_words[1:12]), page_words[:14]
    flat = [re.sub(r"\s+", " ", t) for t in pages[start:]]
    for i in range(1, 301):
        name = f"Thứ {i:04d}" if i % 10 != 1 else f"Ngữ văn số {i:04d}"
        holding = [k for k, t in enumerate(flat) if name in t]
        assert len(holding) == 1, i
        assert f"(mã {i:04d})" in flat[holding[0]], i


# ------------------------------------------------------------------ rewards

def test_computed_rewards_match_the_table_derived_from_the_configuration():
    entries = [
        collective("Tổ Ngữ văn"),
        collective("Phòng Giáo dục Trung học", award="tap_the_lao_dong_tien_tien"),
        person("Lê Thị Thu Hà", "ba"),
        person("Nguyễn Văn Minh", "ong", award="lao_dong_tien_tien"),
        person("Đỗ Thị Ánh", "ba", award="chien_si_thi_dua_co_so"),
        person("Trần Văn Bình", "ong", amount=1_000_000),
        person("Phạm Thị Cúc", "none", award="bang_khen_bo_tinh"),
    ]
    doc = shipped_doc()
    bases = load_sample("commendation_decision")["legal_bases"][:3]  # the 4th: a 2026-11 meeting
    for day in ("2026-06-30", "2026-07-01", "2025-12-31"):
        payload = sample(date=day, entries=entries, attachment={"award_column": "show"},
                         legal_bases=bases)
        table = row_texts(list_table(open_docx(render(payload, Format.DOCX).content)))
        on = dt.date.fromisoformat(day)
        expected = [
            expected_amount(doc, e.get("award") or "giay_khen", e["kind"], on)
            if "amount" not in e else e["amount"] for e in entries]
        data_rows = [r for r in table if len(r) == 5 and r[0].isdigit()]
        assert [int(r[4].replace(".", "")) for r in data_rows] == expected, day
        assert [r[3] for r in data_rows] == [
            "Giấy khen", "Tập thể lao động tiên tiến", "Giấy khen", "Lao động tiên tiến",
            "Chiến sĩ thi đua cơ sở", "Giấy khen", "Bằng khen"]
        assert data_rows[6][1] == "Phạm Thị Cúc"  # honorific "none": no Ông/Bà
        totals = {r[0]: int(r[1].replace(".", "")) for r in table if len(r) == 2}
        assert totals["Tổng cộng"] == sum(expected)


def test_amounts_in_words_use_the_grand_total():
    payload = sample(entries=many_entries(40))
    found = texts(open_docx(render(payload, Format.DOCX).content))
    total = 4 * 1_520_000 + 36 * 760_000
    line = (f"Tổng số tiền thưởng: {vn.format_number(total)} đồng (Bằng chữ: "
            f"{vn.amount_in_words(total)}).")
    assert line == ("Tổng số tiền thưởng: 33.440.000 đồng (Bằng chữ: Ba mươi ba triệu bốn trăm "
                    "bốn mươi nghìn đồng).")
    assert line in found
    assert any(t.startswith("Điều 2.") and "33.440.000 đồng (Bằng chữ: Ba mươi ba triệu bốn "
               "trăm bốn mươi nghìn đồng)" in t for t in found)


def test_blank_decision_date_needs_a_reward_date_in_a_year_the_salary_changes():
    payload = sample(date=None, year=2026, number=None)
    assert ("/reward_date", "reward_date_required") in problems(payload)
    payload["reward_date"] = "2026-12-07"
    doc = open_docx(render(payload, Format.DOCX).content)
    found = texts(doc)
    assert ("(Kèm theo Quyết định số       /QĐ-SGDĐT ngày      tháng      năm 2026 của Giám đốc "
            "Sở Giáo dục và Đào tạo)") in found
    assert "Số:       /QĐ-SGDĐT" in found
    assert row_texts(list_table(doc))[2][-1] == "1.520.000"
    payload["reward_date"] = "2026-03-02"
    assert row_texts(list_table(open_docx(render(payload, Format.DOCX).content)))[2][-1] == \
        "1.410.000"


@pytest.mark.parametrize(("changes", "expected"), [
    ({"reward_date": "2026-12-01"}, ("/reward_date", "inconsistent")),
    ({"compute_rewards": False, "reward_date": "2026-12-07"}, ("/reward_date", "not_allowed")),
    ({"date": None, "year": 2027, "reward_date": "2026-12-07"}, ("/reward_date", "inconsistent")),
    ({"date": "2027-03-15"}, ("/entries/0/award", "no_coefficient_on_date")),
    ({"award": "huan_chuong"}, ("/award", "unknown_award")),
    ({"award": "Giấy khen"}, ("/award", "invalid_format")),
    ({"award": None}, ("/entries/0/award", "required")),
    ({"reason": None}, ("/reason", "required")),
    ({"authority": ""}, ("/authority", "too_short")),
    ({"legal_bases": []}, ("/legal_bases", "too_few_items")),
    ({"entries": []}, ("/entries", "too_few_items")),
    ({"attachment": {"sort": "alphabet"}}, ("/attachment/sort", "invalid_choice")),
    ({"articles": {"award": "Tặng…", "unknown": "x"}}, ("/articles/unknown", "unknown_field")),
])
def test_bad_decisions_are_422_with_pointers(changes, expected):
    assert expected in problems(sample(**changes))


@pytest.mark.parametrize(("entry", "expected"), [
    (person("Lê Văn An", None), ("/entries/0/honorific", "required")),
    (collective("Tổ Hóa học", honorific="ba"), ("/entries/0/honorific", "not_allowed")),
    (person("Lê Văn An", "anh"), ("/entries/0/honorific", "invalid_choice")),
    ({**person("Lê Văn An", "ong"), "kind": "ho_gia_dinh"}, ("/entries/0/kind", "invalid_choice")),
    (person("Lê Văn An", "ong", award="bang_khen_x"), ("/entries/0/award", "unknown_award")),
    (collective("Tổ Hóa học", award="lao_dong_tien_tien"), ("/entries/0/award", "no_coefficient")),
    (person("Lê Văn An", "ong", amount=-5), ("/entries/0/amount", "out_of_range")),
    (person("Lê Văn An", "ong", amount=7.5), ("/entries/0/amount", "invalid_type")),
    ({**person("Lê Văn An", "ong"), "name": "Lê\u202eVăn"}, ("/entries/0/name", "bidi_control")),
])
def test_bad_entries_are_422_with_pointers(entry, expected):
    assert expected in problems(sample(entries=[entry]))


def test_an_amount_given_wins_over_the_computed_one():
    payload = sample(entries=[person("Lê Văn An", "ong", amount=2_000_000),
                              person("Lê Văn Bình", "ong")])
    rows = row_texts(list_table(open_docx(render(payload, Format.DOCX).content)))
    assert [r[-1] for r in rows[1:3]] == ["2.000.000", "760.000"]


# ------------------------------------------------------------------ options

def test_groups_only_when_both_kinds_are_present():
    payload = sample(entries=[person("Lê Thị Thu Hà", "ba"), person("Nguyễn Văn Minh", "ong"),
                              person("Đỗ Thị Ánh", "ba")])
    doc = open_docx(render(payload, Format.DOCX).content)
    rows = row_texts(list_table(doc))
    assert rows[0][:2] == ["STT", "Họ và tên"]
    assert [r[0] for r in rows[1:]] == ["1", "2", "3", "Tổng cộng"]
    found = texts(doc)
    assert "CÁ NHÂN ĐƯỢC TẶNG GIẤY KHEN CỦA GIÁM ĐỐC SỞ GIÁO DỤC VÀ ĐÀO TẠO" in found
    assert "(Danh sách có 03 cá nhân)./." in found
    assert any(t.startswith("Điều 1. Tặng Giấy khen của Giám đốc Sở Giáo dục và Đào tạo cho 03 "
                            "cá nhân (có danh sách kèm theo)") for t in found)
    assert not any(t.startswith("Tiền thưởng cá nhân") for t in found)
    assert "Tổng số tiền thưởng: 2.280.000 đồng (Bằng chữ: Hai triệu hai trăm tám mươi nghìn " \
           "đồng)." in found


def test_only_collectives():
    payload = sample(entries=[collective("Tổ Ngữ văn"), collective("Tổ Toán - Tin học")])
    doc = open_docx(render(payload, Format.DOCX).content)
    assert row_texts(list_table(doc))[0][:3] == ["STT", "Tên tập thể", "Đơn vị"]
    assert "(Danh sách có 02 tập thể)./." in texts(doc)


def test_sorting_by_vietnamese_name_order_or_payload_order():
    entries = [collective("Tổ Toán - Tin học"), collective("Tổ Ngữ văn"),
               person("Nguyễn Văn Minh", "ong"), person("Lê Thị Thu Hà", "ba"),
               person("Đỗ Thị Ánh", "ba"), person("Hoàng Văn Dũng", "ong")]
    kept = row_texts(list_table(open_docx(render(sample(entries=entries), Format.DOCX).content)))
    assert [r[1] for r in kept if len(r) == 4 and r[0].isdigit()] == [
        "Tổ Toán - Tin học", "Tổ Ngữ văn", "Ông Nguyễn Văn Minh", "Bà Lê Thị Thu Hà",
        "Bà Đỗ Thị Ánh", "Ông Hoàng Văn Dũng"]
    payload = sample(entries=entries, attachment={"sort": "name"})
    for content in (render(payload, Format.DOCX).content, render(payload, Format.PDF).content):
        if content.startswith(b"PK"):
            rows = row_texts(list_table(open_docx(content)))
            order = [r[1] for r in rows if len(r) == 4 and r[0].isdigit()]
            numbers = [r[0] for r in rows if len(r) == 4 and r[0].isdigit()]
        else:
            flat = re.sub(r"\s+", " ", " ".join(pdf_pages_text(content)))
            order = sorted(("Tổ Toán - Tin học", "Tổ Ngữ văn", "Ông Nguyễn Văn Minh",
                            "Bà Lê Thị Thu Hà", "Bà Đỗ Thị Ánh", "Ông Hoàng Văn Dũng"),
                           key=lambda name: flat.index(name + " "))
            numbers = ["1", "2", "1", "2", "3", "4"]
        assert order == ["Tổ Ngữ văn", "Tổ Toán - Tin học", "Bà Đỗ Thị Ánh",
                         "Ông Hoàng Văn Dũng", "Bà Lê Thị Thu Hà", "Ông Nguyễn Văn Minh"]
        assert numbers == ["1", "2", "1", "2", "3", "4"]


def test_award_column_auto_show_hide():
    mixed = [person("Lê Văn An", "ong"), person("Lê Văn Bình", "ong", award="lao_dong_tien_tien"),
             person("Lê Văn Cường", "ong", award_label="Giấy khen và Kỷ niệm chương")]
    rows = row_texts(list_table(open_docx(render(sample(entries=mixed), Format.DOCX).content)))
    assert rows[0] == ["STT", "Họ và tên", "Chức vụ, đơn vị công tác", "Hình thức khen thưởng",
                       "Số tiền thưởng (đồng)"]
    assert [r[3] for r in rows[1:4]] == ["Giấy khen", "Lao động tiên tiến",
                                         "Giấy khen và Kỷ niệm chương"]
    hidden = sample(entries=mixed, attachment={"award_column": "hide"})
    assert len(row_texts(list_table(open_docx(render(hidden, Format.DOCX).content)))[0]) == 4
    same = sample(entries=mixed[:1] * 2)
    assert len(row_texts(list_table(open_docx(render(same, Format.DOCX).content)))[0]) == 4
    shown = sample(entries=mixed[:1] * 2, attachment={"award_column": "show"})
    assert len(row_texts(list_table(open_docx(render(shown, Format.DOCX).content)))[0]) == 5


def test_list_title_issuer_and_agency_header_options():
    payload = sample(attachment={
        "title": "Tập thể, cá nhân được tặng Giấy khen năm học 2025 - 2026",
        "issued_by": "Sở Giáo dục và Đào tạo tỉnh Thanh Hóa", "with_header": True})
    for content in (render(payload, Format.DOCX).content, render(payload, Format.PDF).content):
        if content.startswith(b"PK"):
            found = texts(open_docx(content))
        else:
            pages = pdf_pages_text(content)
            found = [re.sub(r"\s+", " ", pages[-1])]
        flat = " | ".join(found)
        assert "TẬP THỂ, CÁ NHÂN ĐƯỢC TẶNG GIẤY KHEN NĂM HỌC 2025 - 2026" in flat
        assert ("ngày 07 tháng 12 năm 2026 của Sở Giáo dục và Đào tạo tỉnh Thanh Hóa)" in flat)
        after = flat[flat.rindex("Lê Thị Hồng Nhung"):] if "Lê Thị Hồng Nhung" in flat else flat
        assert after.count("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM") == 1   # header on the list
        assert after.count("Số: 1520/QĐ-SGDĐT") == 0                     # without Số and date


def test_api_lists_and_renders_the_decision(client):
    types = {t["id"]: t for t in client.get("/api/v1/document-types").get_json()}
    assert types["commendation_decision"]["formats"] == ["docx", "pdf"]
    detail = client.get("/api/v1/document-types/commendation_decision").get_json()
    assert detail["example"] == load_sample("commendation_decision")
    assert {"authority", "legal_bases", "award_title", "entries"} <= set(
        detail["schema"]["required"])
    body = json.dumps(load_sample("commendation_decision"), ensure_ascii=False).encode()
    for ext, magic in (("docx", b"PK"), ("pdf", b"%PDF")):
        response = client.post(f"/api/v1/documents/commendation_decision.{ext}", data=body,
                               content_type="application/json")
        assert response.status_code == 200
        assert response.data.startswith(magic)
    bad = sample(date=None, year=2026)
    response = client.post("/api/v1/documents/commendation_decision.pdf",
                           data=json.dumps(bad).encode(), content_type="application/json")
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert any(e["pointer"] == "/reward_date" and e["code"] == "reward_date_required"
               for e in response.get_json()["errors"])


# ------------------------------------------------------------------ 3.000 entries

@pytest.mark.slow
def test_a_list_of_three_thousand_entries_in_both_formats():
    payload = sample(entries=many_entries(3000))
    data = validate(DECISION, payload)
    renderer = get_renderer(ROOT / "doc_templates")
    total = 300 * 1_520_000 + 2700 * 760_000

    doc = open_docx(renderer.render(DECISION, data, Format.DOCX).content)
    rows = row_texts(list_table(doc))
    data_rows = [r for r in rows if r[0].isdigit()]
    assert len(data_rows) == 3000
    assert [r[0] for r in data_rows] == [str(i) for i in range(1, 301)] + [
        str(i) for i in range(1, 2701)]
    assert rows[-1] == ["Tổng cộng", vn.format_number(total)]
    found = texts(doc)
    assert "(Danh sách có 300 tập thể và 2.700 cá nhân)./." in found
    assert (f"Tổng số tiền thưởng: 2.508.000.000 đồng (Bằng chữ: "
            f"{vn.amount_in_words(total)}).") in found
    assert vn.amount_in_words(total) == "Hai tỷ năm trăm linh tám triệu đồng"

    pages = pdf_pages_text(renderer.render(DECISION, data, Format.PDF).content)
    start = next(i for i, t in enumerate(pages) if t.lstrip().startswith("DANH SÁCH"))
    list_pages = pages[start:]
    assert pdf_page_number_of(list_pages[0]) is None
    for k, text in enumerate(list_pages[1:], start=2):
        assert words(text)[-1] == str(k)
        assert words(text)[:2] == ["STT", "Tên"]
    flat = re.sub(r"\s+", " ", " ".join(list_pages))
    for i in range(1, 3001):
        assert flat.count(f"(mã {i:04d})") == 1
    assert "(Danh sách có 300 tập thể và 2.700 cá nhân)./." in flat
    assert "Hai tỷ năm trăm linh tám triệu đồng" in flat


def test_reward_table_is_read_once_per_award_and_kind(monkeypatch):
    calls = []
    table = rewards.current()
    original = table.reward

    def counting(*args):
        calls.append(args)
        return original(*args)

    monkeypatch.setattr(table, "reward", counting)
    DECISION.build_context(validate(DECISION, sample(entries=many_entries(200))))
    build_calls = [c for c in calls if c[2] == dt.date(2026, 12, 7)]
    assert len({(c[0], c[1]) for c in build_calls}) == 2
    assert len(build_calls) <= 4   # validation once per (award, kind), rendering once
