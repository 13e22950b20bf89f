"""The register in a real browser (issue 14, the page): "Ban hành" on a document form (checks
the draft, a confirmation that says the number it will take, the result with its files), and
the "Sổ đăng ký" page (search, filters, pages, exports, void for admins only).

Every test issues under its own made-up agency abbreviation, so its numbers start at 01
whatever the other tests of the session issued."""

from __future__ import annotations

import io
import random
import re
import string
from pathlib import Path

import pytest

from tests.support.browser import NARROW, WIDE, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def expect():
    from playwright.sync_api import expect as _expect

    return _expect


def field(page, pointer: str):
    return page.locator(f'[data-pointer="{pointer}"]')


def error_of(page, pointer: str):
    control = field(page, pointer)
    error_id = next(i for i in control.get_attribute("aria-describedby").split()
                    if i.endswith("-err"))
    return page.locator(f"#{error_id}")


def agency() -> str:
    return "KT" + "".join(random.choices(string.ascii_uppercase, k=5))


def draft_form(page, type_id: str, abbreviation: str, summary: str) -> None:
    page.goto(f"/van-ban/{type_id}")
    expect()(page.locator("#form-root [data-pointer]").first).to_be_visible()
    page.click("#btn-sample")
    expect()(page.locator("#notice")).to_contain_text("Đã điền dữ liệu mẫu")
    field(page, "/issuer/abbreviation").fill(abbreviation)
    field(page, "/summary").fill(summary)
    field(page, "/number").fill("")


def confirm_dialog(page):
    page.click("#btn-issue")
    dialog = page.get_by_role("dialog")
    expect()(dialog).to_be_visible()
    return dialog


def issue(page, type_id: str, abbreviation: str, summary: str, number: str) -> str:
    """Draft, confirm, issue: the number (``01/CT-…``) the dialog says and the result shows."""
    draft_form(page, type_id, abbreviation, summary)
    dialog = confirm_dialog(page)
    expect()(dialog).to_contain_text(f"Văn bản sẽ được cấp số {number}")
    dialog.get_by_role("button", name="Ban hành", exact=True).click()
    expect()(page.locator("#issue-result")).to_contain_text(f"Đã ban hành: số {number}")
    return number


def issued_count(web_service, text: str) -> int:
    from urllib.parse import quote

    from tests.support.processes import http_json

    status, _, body = http_json("GET", f"{web_service.base}/api/v1/issued?q={quote(text)}")
    assert status == 200, body
    return body["total"]


def test_a_clerk_issues_a_draft_once_and_finds_it_in_the_register(page, web_service):
    abbreviation = agency()
    word = "".join(random.choices(string.ascii_lowercase, k=8))
    summary = f"Về công tác thi đua năm 2027 ({word})"
    draft_form(page, "directive", abbreviation, summary)
    field(page, "/number").fill("7")  # a number typed by hand: the register gives it
    page.click("#btn-issue")
    expect()(error_of(page, "/number")).to_contain_text("sổ đăng ký cấp số khi ban hành")
    expect()(page.locator("#error-summary")).to_be_visible()
    expect()(field(page, "/summary")).to_have_value(summary)  # nothing typed is lost
    field(page, "/number").fill("")

    dialog = confirm_dialog(page)
    expect()(dialog).to_contain_text(
        f"Văn bản sẽ được cấp số 01/CT-{abbreviation}, ngày 28/12/2026.")
    expect()(dialog).to_contain_text("không sửa hoặc xóa được")
    for size in (WIDE, NARROW):
        page.set_viewport_size(size)
        screenshot(page, "issue-confirm")
    page.set_viewport_size(WIDE)
    dialog.get_by_role("button", name="Quay lại sửa").click()
    expect()(dialog).to_be_hidden()
    assert issued_count(web_service, word) == 0  # the preview takes no number

    dialog = confirm_dialog(page)
    dialog.get_by_role("button", name="Ban hành", exact=True).dblclick()  # a double click
    result = page.locator("#issue-result")
    expect()(result).to_contain_text(f"Đã ban hành: số 01/CT-{abbreviation}, ngày 28/12/2026.")
    with page.expect_download() as pdf:
        result.get_by_role("link", name="Tải bản PDF đã ban hành").click()
    assert Path(pdf.value.path()).read_bytes().startswith(b"%PDF")
    with page.expect_download() as docx:
        result.get_by_role("link", name="Tải bản Word đã ban hành").click()
    assert docx.value.suggested_filename.endswith(f"01-CT-{abbreviation} 2026-12-28.docx")
    for size in (WIDE, NARROW):
        page.set_viewport_size(size)
        result.scroll_into_view_if_needed()
        screenshot(page, "issue-result")
    page.set_viewport_size(WIDE)
    # the same draft again: no second number
    page.click("#btn-issue")
    expect()(result).to_contain_text("đã được ban hành rồi")
    expect()(page.get_by_role("dialog")).to_be_hidden()
    assert issued_count(web_service, word) == 1
    expect()(field(page, "/summary")).to_have_value(summary)

    result.get_by_role("link", name="Xem trong sổ đăng ký").click()
    page.wait_for_url(re.compile(r"/so-dang-ky\?"))
    row = page.locator("#register-table tbody tr")
    expect()(row).to_have_count(1)
    expect()(row).to_contain_text(f"01/CT-{abbreviation}")
    expect()(row).to_contain_text(summary)
    expect()(row.get_by_role("button", name="Hủy")).to_have_count(0)  # a clerk does not void
    expect()(page.get_by_role("link", name="Sổ đăng ký", exact=True)).to_have_attribute(
        "aria-current", "page")


def test_the_register_searches_filters_and_exports(page, web_service):
    from openpyxl import load_workbook

    abbreviation = agency()
    word = "".join(random.choices(string.ascii_lowercase, k=8))
    number = issue(page, "directive", abbreviation, f"Về phát động thi đua ({word} chỉ thị)",
                   f"01/CT-{abbreviation}")
    # one sequence per agency and year, shared by the types (REGISTER_SEQUENCE=shared)
    plan = issue(page, "emulation_plan", abbreviation, f"Kế hoạch thi đua ({word} kế hoạch)",
                 f"02/KH-{abbreviation}")

    page.goto("/")
    page.get_by_role("link", name="Sổ đăng ký", exact=True).click()
    expect()(page.get_by_role("heading", name="Sổ đăng ký văn bản đi")).to_be_visible()
    # the text in the summary, typed without diacritics
    page.get_by_label("Trích yếu có chữ").fill(f"phat dong thi dua ({word}")
    page.get_by_role("button", name="Tìm").click()
    rows = page.locator("#register-table tbody tr")
    expect()(rows).to_have_count(1)
    expect()(rows).to_contain_text(number)
    expect()(page.get_by_label("Trích yếu có chữ")).to_have_value(f"phat dong thi dua ({word}")

    # both of this test's documents, then by type, then by year
    page.get_by_label("Trích yếu có chữ").fill(word)
    page.get_by_role("button", name="Tìm").click()
    expect()(rows).to_have_count(2)
    page.get_by_label("Loại văn bản").select_option(label="Kế hoạch tổ chức phong trào thi đua")
    page.get_by_role("button", name="Tìm").click()
    expect()(rows).to_have_count(1)
    expect()(rows).to_contain_text(plan)
    page.get_by_label("Loại văn bản").select_option(label="Tất cả các loại")
    page.get_by_label("Năm").fill("2025")
    page.get_by_role("button", name="Tìm").click()
    expect()(rows).to_have_count(0)
    expect()(page.locator("main")).to_contain_text("Không có văn bản đã ban hành nào khớp")
    page.get_by_label("Năm").fill("2026")
    page.get_by_role("button", name="Tìm").click()
    expect()(rows).to_have_count(2)
    page.get_by_label("Số văn bản").fill("2")
    page.get_by_role("button", name="Tìm").click()
    expect()(rows).to_have_count(1)
    expect()(rows).to_contain_text(plan)
    page.get_by_label("Số văn bản").fill("")
    page.get_by_role("button", name="Tìm").click()
    expect()(rows).to_have_count(2)

    # the export is the search: this test's two documents
    with page.expect_download() as xlsx:
        page.get_by_role("link", name="Tải sổ (Excel)").click()
    sheet = load_workbook(io.BytesIO(Path(xlsx.value.path()).read_bytes())).active
    table = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert table[0][:3] == ["Số, ký hiệu", "Số", "Năm"]
    assert sorted(r[0] for r in table[1:]) == sorted([number, plan])
    row = next(r for r in table[1:] if r[0] == number)
    assert (row[1], row[2], row[3], row[4]) == (
        1, 2026, "28/12/2026", "Chỉ thị phát động phong trào thi đua")
    assert word in row[5]
    assert xlsx.value.suggested_filename == "Sổ đăng ký văn bản đi 2026.xlsx"
    with page.expect_download() as csv_file:
        page.get_by_role("link", name=re.compile("csv")).click()
    text = Path(csv_file.value.path()).read_bytes().decode("utf-8-sig")
    assert number in text
    assert plan in text
    with page.expect_download() as book:
        page.get_by_role("link", name="In sổ đăng ký năm 2026").click()
    assert Path(book.value.path()).read_bytes().startswith(b"%PDF")
    for size in (WIDE, NARROW):
        page.set_viewport_size(size)
        screenshot(page, "register")
        assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]


def test_an_admin_voids_with_a_reason_a_clerk_cannot(page, admin_page, web_service):
    abbreviation = agency()
    word = "".join(random.choices(string.ascii_lowercase, k=8))
    number = issue(page, "commendation_decision", abbreviation, f"Về việc khen thưởng ({word})",
                   f"01/QĐ-{abbreviation}")
    page.goto(f"/so-dang-ky?tu-khoa={word}")
    expect()(page.locator("#register-table tbody tr")).to_have_count(1)
    expect()(page.get_by_role("button", name="Hủy")).to_have_count(0)

    admin = admin_page
    admin.goto(f"/so-dang-ky?tu-khoa={word}")
    row = admin.locator("#register-table tbody tr")
    row.get_by_role("button", name="Hủy").click()
    dialog = admin.get_by_role("dialog")
    expect()(dialog).to_contain_text(f"Hủy văn bản {number}")
    dialog.get_by_role("button", name="Hủy văn bản").click()  # no reason: refused
    expect()(dialog.locator("#void-error")).to_contain_text("Ghi lý do hủy")
    for size in (WIDE, NARROW):
        admin.set_viewport_size(size)
        screenshot(admin, "register-void")
    admin.set_viewport_size(WIDE)
    dialog.get_by_label("Lý do hủy").fill("Ban hành nhầm đối tượng khen thưởng")
    dialog.get_by_role("button", name="Hủy văn bản").click()
    expect()(admin.locator("#notice")).to_contain_text(f"Đã hủy văn bản {number}")
    expect()(row).to_contain_text("Đã hủy")
    expect()(row).to_contain_text("Lý do: Ban hành nhầm đối tượng khen thưởng")
    expect()(row.get_by_role("button", name="Hủy")).to_have_count(0)
    admin.get_by_label("Tình trạng").select_option(label="Đã hủy")
    admin.get_by_role("button", name="Tìm").click()
    expect()(row).to_have_count(1)
    admin.get_by_label("Tình trạng").select_option(label="Đang có hiệu lực")
    admin.get_by_role("button", name="Tìm").click()
    expect()(row).to_have_count(0)
    # the clerk sees the reason too, still without "Hủy"
    page.reload()
    expect()(page.locator("#register-table tbody tr")).to_contain_text("Đã hủy")
    expect()(page.get_by_role("button", name="Hủy")).to_have_count(0)


def test_a_retry_after_a_lost_answer_returns_the_document_already_issued(page, web_service):
    abbreviation = agency()
    word = "".join(random.choices(string.ascii_lowercase, k=8))
    draft_form(page, "directive", abbreviation, f"Về công tác thi đua ({word})")
    lost: list[str] = []

    def lose_the_first_answer(route):
        if route.request.method == "POST" and not lost:
            lost.append(route.request.headers.get("idempotency-key", ""))
            route.fetch()   # the service gets the request and issues the document …
            route.abort()   # … but its answer never reaches the page
        else:
            route.continue_()

    page.route("**/api/v1/issued", lose_the_first_answer)
    dialog = confirm_dialog(page)
    dialog.get_by_role("button", name="Ban hành", exact=True).click()
    expect()(page.locator("#notice")).to_contain_text("Không kết nối được máy chủ")
    assert lost
    assert lost[0].startswith("trang-")
    assert issued_count(web_service, word) == 1
    expect()(field(page, "/summary")).to_have_value(f"Về công tác thi đua ({word})")
    page.click("#btn-issue")  # again: the same key, no new number, no second dialog
    result = page.locator("#issue-result")
    expect()(result).to_contain_text(f"Đã ban hành: số 01/CT-{abbreviation}")
    expect()(result).to_contain_text("đã được ban hành rồi")
    expect()(page.locator("#notice")).to_be_hidden()
    assert issued_count(web_service, word) == 1
    # the one failed load Chromium logs is the answer this test threw away
    page.problems.errors[:] = [e for e in page.problems.errors
                               if not ("ERR_FAILED" in e and e.endswith("/api/v1/issued)"))]


def test_an_issued_decision_makes_its_dossier_from_the_register_page(page, web_service):
    """One action on the register page: the dossier (the certificates of everyone on the
    decision's list, numbered from the commendation register) with its progress, then its
    download; a directive has no such action."""
    import zipfile

    abbreviation = agency()
    word = "".join(random.choices(string.ascii_lowercase, k=8))
    issue(page, "commendation_decision", abbreviation, f"Về việc khen thưởng ({word})",
          f"01/QĐ-{abbreviation}")
    page.goto(f"/so-dang-ky?tu-khoa={word}")
    row = page.locator("#register-table tbody tr")
    expect()(row).to_have_count(1)
    row.get_by_role("button", name="Làm hồ sơ khen thưởng").click()
    link = row.get_by_role("link", name=re.compile("Tải hồ sơ"))
    expect()(link).to_be_visible(timeout=240_000)
    for size in (WIDE, NARROW):
        page.set_viewport_size(size)
        screenshot(page, "register-dossier")
    page.set_viewport_size(WIDE)
    with page.expect_download() as download:
        link.click()
    with zipfile.ZipFile(Path(download.value.path())) as archive:
        names = archive.namelist()
    assert any(name.lower().endswith(".xlsx") for name in names), names
    pdfs = [name for name in names if name.lower().endswith(".pdf")]
    assert len(pdfs) >= 3, names  # the decision, the merged certificates, one per person

    other, second = "".join(random.choices(string.ascii_lowercase, k=8)), agency()
    issue(page, "directive", second, f"Về việc phát động thi đua ({other})", f"01/CT-{second}")
    page.goto(f"/so-dang-ky?tu-khoa={other}")
    expect()(page.locator("#register-table tbody tr")).to_have_count(1)
    expect()(page.get_by_role("button", name="Làm hồ sơ khen thưởng")).to_have_count(0)
