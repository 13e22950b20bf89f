"""Credentials for tests: API keys made straight in the app's (or a data dir's) store."""

from __future__ import annotations

import contextlib
from pathlib import Path


def store_of(app):
    from service.auth.guard import EXTENSION

    return app.extensions[EXTENSION]


def make_key(app, role: str = "clerk", name: str = "tests") -> str:
    """A new API key of ``role`` in ``app``'s store; returns the token."""
    _key, token = store_of(app).create_key(name, role, "tests")
    return token


def authorize(client, token: str):
    """Every request of this test client carries ``Authorization: Bearer token``."""
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


def client_as(app, role: str = "clerk", name: str = "tests"):
    """A test client acting as a new API client of ``role``."""
    return authorize(app.test_client(), make_key(app, role, name))


def key_for_data_dir(data_dir: Path, env: dict[str, str] | None = None,
                     role: str = "admin", name: str = "tests") -> str:
    """A key in the database a service started on ``data_dir`` (and ``env``) will use."""
    from service.auth.store import AuthStore
    from service.db import dispose_engines

    store = AuthStore.from_settings({"DATA_DIR": str(data_dir), "DATABASE_URL": (
        env or {}).get("THIDUA_DATABASE_URL", "")})
    _key, token = store.create_key(name, role, "tests")
    dispose_engines(store.url)
    return token


PASSWORD = "mat-khau-thu-nghiem-2026"


def login(client, username: str, password: str = PASSWORD, next_path: str = "/"):
    """Sign in through the real form (GET for the CSRF token, POST); returns the response."""
    import re

    html = client.get("/dang-nhap").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    return client.post("/dang-nhap", data={"username": username, "password": password,
                                           "csrf_token": token, "next": next_path})


def user_client(app, role: str = "clerk", username: str = "can.bo"):
    """A test client with a browser-like session: a user of ``role`` signed in by the form."""
    from service.auth.store import AuthError

    with contextlib.suppress(AuthError):  # made by an earlier call
        store_of(app).create_user(username, PASSWORD, role, "Cán bộ thử nghiệm")
    client = app.test_client()
    response = login(client, username)
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    return client
