"""Signing in, signing out and the admin page in a real browser (Debian's Chromium through
Playwright) against ``python -m service serve`` with authentication on, as shipped."""

from __future__ import annotations

import re
import uuid

import pytest

from tests.support.auth import PASSWORD
from tests.support.browser import ADMIN, CLERK, NARROW, WIDE, screenshot, sign_in
from tests.support.processes import http_json

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def expect():
    from playwright.sync_api import expect as _expect

    return _expect


def test_a_page_asks_for_sign_in_and_returns_to_where_the_clerk_was_going(anon_page):
    page = anon_page
    page.goto("/hang-loat?loai=certificate")
    assert "/dang-nhap" in page.url
    expect()(page.get_by_role("heading", name="Đăng nhập")).to_be_visible()
    page.get_by_label("Tên đăng nhập").fill(CLERK)
    page.get_by_label("Mật khẩu").fill("sai-mat-khau-roi-nhe")
    page.get_by_role("button", name="Đăng nhập").click()
    alert = page.get_by_role("alert")
    expect()(alert).to_contain_text("Tên đăng nhập hoặc mật khẩu không đúng")
    expect()(page.get_by_label("Tên đăng nhập")).to_have_value(CLERK)  # kept, password not
    expect()(page.get_by_label("Mật khẩu")).to_have_value("")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(re.compile(r"/hang-loat\?loai=certificate$"))
    expect()(page.get_by_role("link", name=re.compile("Tài khoản"))).to_be_visible()


def test_sign_out_ends_the_session_on_the_server(page, web_service):
    cookies = page.context.cookies()
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url(re.compile(r"/dang-nhap$"))
    page.goto("/")
    assert "/dang-nhap" in page.url
    # the old cookie, replayed by someone who copied it, no longer opens anything
    import urllib.request

    jar = "; ".join(f"{c['name']}={c['value']}" for c in cookies)
    request = urllib.request.Request(web_service.base + "/api/v1/batches",
                                     headers={"Cookie": jar, "Accept": "application/json"})
    try:
        urllib.request.urlopen(request, timeout=10)
        status = 200
    except urllib.error.HTTPError as exc:
        status = exc.code
    assert status == 401


def test_a_clerk_cannot_open_the_admin_page(page):
    page.goto("/quan-tri")
    expect()(page.get_by_role("heading", name="Không có quyền")).to_be_visible()
    expect()(page.get_by_role("link", name="Quản trị")).to_have_count(0)


def test_admin_creates_a_user_who_signs_in_and_a_key_that_works_until_revoked(
        admin_page, browser, web_service):
    page = admin_page
    page.goto("/quan-tri")
    name = f"nguoi.moi.{uuid.uuid4().hex[:6]}"
    page.get_by_label("Tên đăng nhập").fill(name)
    page.get_by_label("Họ tên").fill("Lê Thị Mới")
    page.get_by_role("button", name=re.compile("Tạo người dùng")).click()
    password = page.locator("#secret-value").inner_text().strip()
    assert len(password) >= 10
    expect()(page.locator("#users-table")).to_contain_text(name)

    other = browser.new_context(base_url=web_service.base, viewport=WIDE)
    try:
        newcomer = other.new_page()
        newcomer.goto("/dang-nhap")
        newcomer.get_by_label("Tên đăng nhập").fill(name)
        newcomer.get_by_label("Mật khẩu").fill(password)
        newcomer.get_by_role("button", name="Đăng nhập").click()
        newcomer.wait_for_url(lambda url: "/dang-nhap" not in url)
        expect()(newcomer.get_by_role("link", name=re.compile(name))).to_be_visible()
    finally:
        other.close()

    page.get_by_label("Tên (hệ thống dùng khóa)").fill("Hệ thống quản lý văn bản")
    page.get_by_role("button", name="Tạo khóa").click()
    token = page.locator("#secret-value").inner_text().strip()
    assert token.startswith("thd_")
    headers = {"Authorization": f"Bearer {token}"}
    status, _, _ = http_json("GET", web_service.base + "/api/v1/batches", headers=headers)
    assert status == 200
    key_id = token.split("_")[1]
    row = page.locator("#keys-table tr", has_text=key_id)
    row.get_by_role("button", name="Thu hồi").click()
    expect()(page.get_by_role("status")).to_contain_text(f"Đã thu hồi khóa {key_id}")
    status, _, body = http_json("GET", web_service.base + "/api/v1/batches", headers=headers)
    assert status == 401
    assert body["code"] == "invalid_api_key"


def test_screenshots_of_the_sign_in_account_and_admin_pages(anon_page, browser, web_service):
    for size in (WIDE, NARROW):
        anon_page.set_viewport_size(size)
        anon_page.goto("/dang-nhap")
        shots = screenshot(anon_page, "sign-in")
        context = browser.new_context(base_url=web_service.base, viewport=size)
        try:
            admin = context.new_page()
            sign_in(admin, ADMIN)
            for url, name in (("/tai-khoan", "account"), ("/quan-tri", "admin")):
                admin.goto(url)
                shots += screenshot(admin, name)
                width = admin.evaluate("document.documentElement.scrollWidth")
                assert width <= size["width"], (url, width)
        finally:
            context.close()
        assert all(p.stat().st_size > 5000 for p in shots)
