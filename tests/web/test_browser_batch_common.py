"""The batch page checks step 2 first (issue 16): an empty common field is one message beside
the field, not one per row, and nothing is sent; the register's first number "0125" is sent
as text and printed 0125, 0126."""

from __future__ import annotations

import re

import pytest

from tests.support.browser import NARROW, WIDE, screenshot
from tests.support.documents import pdf_pages_text
from tests.web.test_browser import _fill_list, download, expect, field

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PEOPLE = [
    {"Danh xưng": "Ông", "Họ và tên": "Nguyễn Văn Minh", "Chức vụ": "Trưởng phòng",
     "Đơn vị": "Phòng Bưu chính, Viễn thông"},
    {"Danh xưng": "Bà", "Họ và tên": "Trần Thị Thúy Hằng", "Chức vụ": "Chuyên viên",
     "Đơn vị": "Văn phòng Sở Nội vụ"},
]


def test_an_empty_common_field_is_one_message_beside_it_and_0125_prints_0125(page, tmp_path):
    page.goto("/hang-loat?loai=certificate")
    expect()(page.locator("#batch-type")).to_have_value("certificate")
    _, template = download(page, "#template-link")
    listed = _fill_list(template, PEOPLE, tmp_path / "danh-sach.xlsx")
    page.click("#btn-common-sample")
    field(page, "/decision_number").fill("")
    # required common fields are marked
    label = page.locator('label[for="' + field(page, "/decision_number").get_attribute("id")
                         + '"]')
    expect()(label.locator(".req")).to_have_count(1)
    page.set_input_files("#batch-file", str(listed))
    sent = []
    page.on("request", lambda request: sent.append(request.url)
            if request.url.endswith("/api/v1/batches") and request.method == "POST" else None)
    page.click("#btn-submit")
    expect()(page.locator("#problems")).to_be_visible()
    errors = page.locator("#common-root .field-error:visible")
    expect()(errors).to_have_count(1)
    expect()(errors.first).to_contain_text("điền một lần ở đây")
    expect()(page.locator("#problems tbody tr")).to_have_count(0)
    assert sent == []
    for size in (WIDE, NARROW):
        page.set_viewport_size(size)
        field(page, "/decision_number").scroll_into_view_if_needed()
        screenshot(page, "batch-common-missing")
    page.set_viewport_size(WIDE)

    field(page, "/decision_number").fill("1520/QĐ-SNV")
    field(page, "/register_start").fill("0125")
    with page.expect_request("**/api/v1/batches") as request:
        page.click("#btn-submit")
    common = re.search(r'name="common"\r\n\r\n(.*?)\r\n', request.value.post_data, re.S)
    assert common
    assert '"register_start":"0125"' in common.group(1)
    expect()(page.locator("#job-percent")).to_have_text("100 %", timeout=120_000)
    _, result = download(page, "#job-download")
    pages = [re.sub(r"\s+", " ", text) for text in pdf_pages_text(result)]
    assert "0125" in pages[0]
    assert "0126" in pages[1]
