"""Browser fixtures for the web page tests (see tests/support/browser.py)."""

from tests.support.browser import browser, page, web_service  # noqa: F401
