"""The decision form's list from a spreadsheet, in a real browser (Debian's Chromium):
"Tải danh sách từ Excel" with a bad row first (row errors beside the list in clerk words,
what was typed kept), then a good file (asks before replacing), "Tải mẫu danh sách", and a
3.000-row list filled from the page."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest

from tests.support.browser import screenshot
from tests.test_lists_api import GOOD, rows_3000, xlsx

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TYPE = "commendation_decision"


def expect():
    from playwright.sync_api import expect as _expect

    return _expect


def field(page, pointer: str):
    return page.locator(f'[data-pointer="{pointer}"]')


def list_input(page):
    return page.locator(".list-upload input[type=file]")


def open_decision(page) -> None:
    page.goto(f"/van-ban/{TYPE}")
    expect()(field(page, "/entries/0/name")).to_be_visible()


def write(tmp_path: Path, name: str, rows) -> Path:
    path = tmp_path / name
    path.write_bytes(xlsx(rows))
    return path


def test_the_list_is_filled_from_xlsx_with_row_errors_and_typed_work_kept(page, tmp_path):
    open_decision(page)
    tools = page.locator(".list-upload")
    expect()(tools.get_by_role("button", name="Tải danh sách từ Excel…")).to_be_visible()
    field(page, "/entries/0/name").fill("Người đã gõ tay")

    bad = [*GOOD, [5, "Cá nhân", "Bà", "Trần Thị Bình", None, None, "Huân chương lạ", None],
           [6, "Hội đồng", None, "Tổ Lịch sử", None, None, None, None]]
    list_input(page).set_input_files(str(write(tmp_path, "danh_sach_loi.xlsx", bad)))
    errors = page.locator(".list-upload__errors")
    expect()(errors).to_be_visible()
    expect()(errors).to_contain_text(
        "Dòng 8, cột Hình thức khen thưởng: Không hiểu “Huân chương lạ”")
    expect()(errors).to_contain_text("Dòng 9, cột Đối tượng: Không hiểu “Hội đồng”")
    text = errors.inner_text()
    for code in ("giay_khen", "ca_nhan", "/entries", "award"):
        assert code not in text
    expect()(field(page, "/entries/0/name")).to_have_value("Người đã gõ tay")
    assert page.locator('[data-pointer$="/name"][data-pointer^="/entries/"]').count() == 1
    screenshot(page, "decision-list-errors")

    dialogs = []
    page.once("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    good = write(tmp_path, "danh_sach.xlsx", GOOD)
    list_input(page).set_input_files(str(good))
    expect()(page.locator(".list-upload__status")).to_contain_text("giữ nguyên")
    assert "Thay bằng 4 mục" in dialogs[0]
    expect()(field(page, "/entries/0/name")).to_have_value("Người đã gõ tay")

    page.once("dialog", lambda d: d.accept())
    list_input(page).set_input_files(str(good))
    expect()(page.locator(".list-upload__status")).to_contain_text("Đã nạp 4 mục")
    expect()(errors).to_be_hidden()
    expect()(field(page, "/entries/3/name")).to_have_value("Hoàng Văn Dũng")
    expect()(field(page, "/entries/2/award")).to_have_value("bang_khen_bo_tinh")
    screenshot(page, "decision-list-filled")

    with page.expect_download() as info:
        page.get_by_role("link", name="Tải mẫu danh sách").click()
    from openpyxl import load_workbook

    blank = load_workbook(io.BytesIO(Path(info.value.path()).read_bytes()))
    assert blank["Danh sách"].cell(1, 1).value == "Đối tượng"
    assert info.value.suggested_filename.endswith(".xlsx")


def test_a_3000_row_list_fills_the_form_and_the_decision_downloads(page, tmp_path):
    open_decision(page)
    page.click("#btn-sample")
    expect()(page.locator("#notice")).to_contain_text("Đã điền dữ liệu mẫu")
    path = write(tmp_path, "danh_sach_3000.xlsx", rows_3000())
    page.once("dialog", lambda d: d.accept())
    started = time.perf_counter()
    list_input(page).set_input_files(str(path))
    expect()(page.locator(".list-upload__status")).to_contain_text("Đã nạp 3000 mục",
                                                                   timeout=120_000)
    print(f"3000 rows from the page: {time.perf_counter() - started:.1f} s")  # noqa: T201
    expect()(field(page, "/entries/2999/name")).to_have_value("Nguyễn Văn Một Số 2999")
    with page.expect_download(timeout=120_000) as info:
        page.click("#btn-docx")
    from tests.support.documents import docx_lines

    text = " ".join(docx_lines(Path(info.value.path()).read_bytes()))
    assert "Nguyễn Văn Một Số 2999" in text
