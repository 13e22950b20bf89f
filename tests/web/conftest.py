"""Browser fixtures for the web page tests (see tests/support/browser.py), and a test client
that is a signed-in clerk with a session cookie, as a browser would be."""

import pytest

from tests.support.browser import (  # noqa: F401
    admin_page,
    anon_page,
    browser,
    page,
    web_service,
)


@pytest.fixture
def client(app):
    from tests.support.auth import user_client

    return user_client(app, "clerk")
