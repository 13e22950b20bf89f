"""Typed work is never lost (issue 16): a draft kept in the browser survives a reload and a
sign-out/sign-in in another tab (the stale token is renewed and the request sent again), Xóa
of a list entry can be undone and a double Enter removes one entry, leaving with unsaved
changes asks first, "Xóa bản nháp" clears the draft."""

from __future__ import annotations

import pytest

from tests.support.browser import NARROW, WIDE, screenshot, sign_in
from tests.web.test_browser import download, expect, field, open_form

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TYPED = "Sở Thử Bản Nháp"


def _type_issuer(page) -> None:
    open_form(page, "directive", sample=True)
    control = field(page, "/issuer/name")
    control.fill(TYPED)
    page.wait_for_timeout(700)  # the draft is written a moment after the last key


def test_a_typed_form_survives_a_reload_and_is_cleared_on_request(page):
    _type_issuer(page)
    page.on("dialog", lambda dialog: dialog.accept())
    page.reload()
    expect()(field(page, "/issuer/name")).to_have_value(TYPED)
    expect()(page.locator("#notice")).to_contain_text("Đã mở lại bản nháp")
    page.click("#btn-clear")
    expect()(field(page, "/issuer/name")).to_have_value("")
    page.reload()
    expect()(field(page, "/issuer/name")).to_have_value("")


def test_leaving_with_unsaved_changes_asks_first(page):
    _type_issuer(page)
    asked = []

    def answer(dialog):
        asked.append(dialog.type)
        dialog.dismiss()  # stay on the page

    page.on("dialog", answer)
    page.evaluate("window.__stay = true")
    page.locator('a[href="/"]').first.click()
    page.wait_for_timeout(500)
    assert asked == ["beforeunload"]
    assert page.evaluate("window.__stay === true")  # still the same page, as typed
    expect()(field(page, "/issuer/name")).to_have_value(TYPED)


def test_a_sign_out_and_in_in_another_tab_keeps_the_form_and_the_request_goes_through(page):
    _type_issuer(page)
    other = page.context.new_page()
    other.goto("/tai-khoan")
    other.get_by_role("button", name="Đăng xuất").first.click()
    other.wait_for_url(lambda url: "/dang-nhap" in url)
    sign_in(other)
    other.close()
    name, content = download(page, "#btn-docx")  # the old tab's token is stale: renewed
    assert name.endswith(".docx")
    assert content[:2] == b"PK"
    expect()(field(page, "/issuer/name")).to_have_value(TYPED)


def test_signed_out_in_another_tab_the_clerk_is_told_and_keeps_the_form(page):
    _type_issuer(page)
    other = page.context.new_page()
    other.goto("/tai-khoan")
    other.get_by_role("button", name="Đăng xuất").first.click()
    other.wait_for_url(lambda url: "/dang-nhap" in url)
    other.close()
    page.click("#btn-preview")
    expect()(page.locator("#notice")).to_contain_text("đăng nhập lại trong một thẻ khác")
    expect()(field(page, "/issuer/name")).to_have_value(TYPED)
    for size in (WIDE, NARROW):
        page.set_viewport_size(size)
        page.locator("#notice").scroll_into_view_if_needed()
        screenshot(page, "form-signed-out")
    page.set_viewport_size(WIDE)
    page.on("dialog", lambda dialog: dialog.accept())
    page.reload()  # signed out: the sign-in page; the draft waits for the clerk
    sign_in(page)
    page.goto("/van-ban/directive")
    expect()(field(page, "/issuer/name")).to_have_value(TYPED)


def test_a_double_enter_on_xoa_removes_one_entry_and_undo_puts_it_back(page):
    open_form(page, "directive", sample=True)
    recipients = page.locator('[data-field="/recipients"]')
    before = [field(page, f"/recipients/{i}").input_value()
              for i in range(recipients.locator("li.item").count())]
    assert len(before) >= 3
    recipients.get_by_role("button", name="Xóa Nơi nhận 2", exact=True).focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    expect()(recipients.locator("li.item")).to_have_count(len(before) - 1)
    for size in (WIDE, NARROW):
        page.set_viewport_size(size)
        recipients.locator(".undo-bar").scroll_into_view_if_needed()
        screenshot(page, "form-undo")
    page.set_viewport_size(WIDE)
    assert page.evaluate("document.activeElement.classList.contains('undo-bar')")
    expect()(recipients.locator(".undo-bar")).to_contain_text("Đã xóa Nơi nhận 2")
    recipients.get_by_role("button", name="Hoàn tác: đặt lại Nơi nhận 2").click()
    expect()(recipients.locator("li.item")).to_have_count(len(before))
    after = [field(page, f"/recipients/{i}").input_value() for i in range(len(before))]
    assert after == before
    expect()(recipients.locator(".undo-bar")).to_be_hidden()
