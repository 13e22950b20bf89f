"""The web page's session: a signed cookie that carries one CSRF token, and the check.

The secret key comes from ``THIDUA_SECRET_KEY``; when that is empty it is generated once
and kept in ``DATA_DIR/secret_key`` (mode 0600), so every worker process and every restart
signs with the same key. This happens when the app is built, never at import.

CSRF rule: a state-changing request (anything but GET/HEAD/OPTIONS) that carries the web
session cookie, or that targets a web route, must send the session's token in the
``X-CSRF-Token`` header; otherwise it is refused with 403 ``csrf_failed``. API clients that
never loaded the page send no cookie and are not affected — today the API is cookie-less;
once a login puts credentials in this cookie, a forged cross-site request still lacks the
token.
"""

from __future__ import annotations

import contextlib
import hmac
import os
import secrets
from pathlib import Path

from flask import Flask, current_app, has_request_context, request, session
from flask.sessions import SecureCookieSessionInterface

from service.config import ConfigError
from service.errors import Problem

TOKEN_KEY = "csrf"
HEADER = "X-CSRF-Token"
FORM_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
COOKIE_NAME = "thidua_session"
KEY_FILE = "secret_key"


def load_or_create_secret(data_dir: str | Path) -> str:
    """The persisted secret key of this data directory, created (0600) on first use.

    Two processes starting at once agree: the key is written to a temporary file and linked
    into place, which fails for the loser, who then reads the winner's key.
    """
    directory = Path(data_dir)
    path = directory / KEY_FILE
    try:
        directory.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            tmp = directory / f".{KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}"
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                with os.fdopen(fd, "w", encoding="ascii") as handle:
                    handle.write(secrets.token_urlsafe(48))
                with contextlib.suppress(FileExistsError):
                    os.link(tmp, path)
            finally:
                tmp.unlink(missing_ok=True)
        key = path.read_text(encoding="ascii").strip()
    except OSError as exc:
        raise ConfigError(f"THIDUA_SECRET_KEY is empty and {path} cannot be created or read "
                          f"({exc.strerror}); set THIDUA_SECRET_KEY or make DATA_DIR "
                          "writable") from None
    if len(key) < 32:
        raise ConfigError(f"{path}: the stored secret key is shorter than 32 characters; "
                          "delete the file to generate a new one")
    return key


def csrf_token() -> str:
    """This session's CSRF token, created on first use (sets the session cookie)."""
    token = session.get(TOKEN_KEY)
    if not isinstance(token, str) or len(token) < 32:
        token = secrets.token_urlsafe(32)
        session[TOKEN_KEY] = token
    return token


def _check_csrf() -> None:
    if request.method in SAFE_METHODS:
        return
    if "Authorization" in request.headers:
        return  # an API key: a header no cross-site page can make a browser send
    has_cookie = current_app.config["SESSION_COOKIE_NAME"] in request.cookies
    if not has_cookie and request.blueprint != "web":
        return  # an API client: no ambient credentials to forge
    expected = session.get(TOKEN_KEY)
    sent = request.headers.get(HEADER, "")
    if not sent and request.mimetype == "application/x-www-form-urlencoded":
        sent = request.form.get(FORM_FIELD, "")  # the plain HTML forms (sign-in, admin)
    if not isinstance(expected, str) or not expected or not hmac.compare_digest(
            expected.encode(), sent.encode()):
        raise Problem(403, "csrf_failed", "Yêu cầu không hợp lệ",
                      "Phiên làm việc đã hết hạn hoặc yêu cầu không đến từ trang của dịch vụ. "
                      "Hãy lưu dữ liệu ra tệp JSON, tải lại trang rồi thử lại.")


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie session with the ``Secure`` flag decided per request:
    ``COOKIE_SECURE=auto`` sets it whenever the request came over HTTPS (directly, or as a
    trusted reverse proxy reports it), so the same settings work on http://127.0.0.1 and
    behind TLS."""

    def __init__(self, mode: str) -> None:
        self.mode = mode

    def get_cookie_secure(self, app: Flask) -> bool:
        if self.mode == "true":
            return True
        if self.mode == "false":
            return False
        return has_request_context() and request.is_secure


def init_app(app: Flask) -> None:
    """Secret key, cookie settings, the CSRF check before every request."""
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = load_or_create_secret(app.config["DATA_DIR"])
    # The cookie holds the CSRF token and, once signed in, the id of a server-side session
    # (ended at logout); it is HttpOnly, SameSite=Strict and lives as long as the browser.
    app.config.update(SESSION_COOKIE_NAME=COOKIE_NAME, SESSION_COOKIE_HTTPONLY=True,
                      SESSION_COOKIE_SAMESITE="Strict", SESSION_REFRESH_EACH_REQUEST=False)
    app.session_interface = CookieSessions(app.config.get("COOKIE_SECURE", "auto"))
    app.before_request(_check_csrf)
