"""Browser fixtures: the service as a real ``python -m service serve`` subprocess (its own
THIDUA_DATA_DIR) and Debian's Chromium driven by Playwright — never a downloaded browser.

Each test gets a fresh browser context (no cookies, 1366×768, Vietnamese locale) whose page
fails the test on a JavaScript error, a Content-Security-Policy violation or any request that
leaves the service (the page must work offline on an agency network).

Load with ``pytest_plugins = ["tests.support.browser"]``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-gpu",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOTS = ROOT / "build" / "screenshots"
WIDE = {"width": 1366, "height": 768}
NARROW = {"width": 390, "height": 844}
# Chromium logs every 4xx answer to fetch() as a console error; the pages expect those (422).
_EXPECTED_CONSOLE = re.compile(r"Failed to load resource: the server responded with a status "
                               r"of 4\d\d")


@pytest.fixture(scope="session")
def web_service(tmp_path_factory) -> Iterator:
    """``python -m service serve`` on a free port, one embedded job worker, no rate limit."""
    from service.auth.store import AuthStore
    from service.db import dispose_engines
    from tests.support.auth import PASSWORD
    from tests.support.processes import ServiceProcess

    data_dir = tmp_path_factory.mktemp("web-service")
    service = ServiceProcess(data_dir, env={
        "THIDUA_JOB_WORKERS": "1", "THIDUA_RATE_LIMIT_PER_MINUTE": "0"})
    users = AuthStore.from_settings({"DATA_DIR": str(data_dir)})
    users.create_user(CLERK, PASSWORD, "clerk", "Nguyễn Thị Văn Thư")
    users.create_user(ADMIN, PASSWORD, "admin", "Quản trị")
    dispose_engines(users.url)
    service.start()
    yield service
    service.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator:
    """Debian's Chromium; missing is a failure with the command that installs it."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: the browser tests drive Debian's chromium. "
                    "Run scripts/setup.sh --test (it installs the Debian package).", pytrace=False)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("playwright is not installed: run scripts/setup.sh --test", pytrace=False)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class PageProblems:
    """What went wrong in the page while a test ran."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.errors: list[str] = []
        self.external: list[str] = []

    def route(self, route) -> None:
        url = route.request.url
        internal = not url.startswith(("http:", "https:", "ws:", "wss:", "ftp:"))
        if internal or url.startswith(self.base + "/") or url == self.base:
            route.continue_()  # the service itself, or the browser's own PDF viewer
        else:
            self.external.append(url)
            route.abort()

    def console(self, message) -> None:
        if message.type == "error" and not _EXPECTED_CONSOLE.search(message.text):
            self.errors.append(f"console: {message.text} ({message.location.get('url', '')})")

    def page_error(self, error) -> None:
        self.errors.append(f"page error: {error}")


CLERK, ADMIN = "van.thu", "quan.tri"


def sign_in(page, username: str = CLERK) -> None:
    """Through the real sign-in form, as a clerk would."""
    from tests.support.auth import PASSWORD

    page.goto("/dang-nhap")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(lambda url: "/dang-nhap" not in url)


@pytest.fixture
def anon_page(browser, web_service) -> Iterator:
    """A page in a fresh context that has not signed in."""
    yield from _page(browser, web_service, None)


@pytest.fixture
def page(browser, web_service) -> Iterator:
    """A page signed in as a clerk."""
    yield from _page(browser, web_service, CLERK)


@pytest.fixture
def admin_page(browser, web_service) -> Iterator:
    yield from _page(browser, web_service, ADMIN)


def _page(browser, web_service, username: str | None) -> Iterator:
    context = browser.new_context(viewport=WIDE, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh",
                                  accept_downloads=True, base_url=web_service.base)
    problems = PageProblems(web_service.base)
    context.route("**/*", problems.route)
    context.set_default_timeout(30_000)
    page = context.new_page()
    page.on("console", problems.console)
    page.on("pageerror", problems.page_error)
    page.problems = problems
    if username is not None:
        sign_in(page, username)
    yield page
    context.close()
    assert not problems.errors, (problems.errors, problems.external)
    assert not problems.external, f"the page tried to load outside the service: {problems.external}"


def screenshot(page, name: str) -> list[Path]:
    """The page as a clerk sees it first (viewport) and whole (full page), in build/screenshots."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    stem = f"{name}-{size['width']}x{size['height']}"
    first = SCREENSHOTS / f"{stem}.png"
    full = SCREENSHOTS / f"{stem}-full.png"
    page.screenshot(path=str(first))
    page.screenshot(path=str(full), full_page=True)
    return [first, full]
