"""The Flask side of authentication: who is asking, and may they.

Before every request: an ``Authorization: Bearer <key>`` header names an API client; else the
web session cookie names a signed-in user (server-side session, so logout and disabling end
it at once). ``g.principal`` is then a :class:`~service.auth.store.Principal` or None, and
``g.client_id`` its owner string for logs and the rate limit.

Open without signing in: health checks, the API description and docs, static files and the
sign-in page. Everything else needs a principal: API routes answer 401 problem+json with
``WWW-Authenticate: Bearer``; a web page redirects to the sign-in page. Views marked
:func:`admin_required` answer 403 to anyone but an admin; views marked :func:`public` need no
credentials (``/metrics`` with ``METRICS_PUBLIC``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar
from urllib.parse import quote

from flask import Flask, current_app, g, redirect, request, session
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from service import ratelimit
from service.auth.store import AuthStore, Principal
from service.db.auth import ADMIN
from service.errors import Problem

EXTENSION = "thidua_auth"
SESSION_KEY = "sid"
LOCAL = Principal("local", "local", "Máy cục bộ", ADMIN)  # authentication turned off
PUBLIC_ENDPOINTS = frozenset({
    "static", "web.static", "web.login", "web.login_submit", "health.healthz",
    "health.readyz", "docs.api_docs", "api-docs.openapi_json"})
ADMIN_ATTR = "_thidua_admin_only"
PUBLIC_ATTR = "_thidua_public"

F = TypeVar("F", bound=Callable)


def admin_required(view: F) -> F:
    """Mark a view as admins only (checked before the request reaches it)."""
    setattr(view, ADMIN_ATTR, True)
    return view


def public(view: F) -> F:
    """Mark a view as open without credentials."""
    setattr(view, PUBLIC_ATTR, True)
    return view


def store() -> AuthStore:
    return current_app.extensions[EXTENSION]


def current_principal() -> Principal | None:
    return g.get("principal")


def _unauthorized(code: str, detail: str) -> Problem:
    return Problem(401, code, "Cần xác thực", detail,
                   headers={"WWW-Authenticate": 'Bearer realm="thidua"'})


def _wants_page() -> bool:
    return request.blueprint == "web" and request.method in ("GET", "HEAD")


def _identify() -> Principal | None:
    header = request.headers.get("Authorization")
    if header is not None:
        scheme, _, token = header.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise _unauthorized("invalid_credentials",
                                "Tiêu đề Authorization phải có dạng “Bearer <khóa API>”.")
        key = store().verify_key(token.strip())
        if key is None:
            raise _unauthorized("invalid_api_key",
                                "Khóa API không đúng, đã bị thu hồi hoặc không tồn tại.")
        return key.principal()
    sid = session.get(SESSION_KEY)
    if sid:
        user = store().resolve_session(sid)
        if user is not None:
            return user.principal()
        session.pop(SESSION_KEY, None)  # ended, expired or disabled: forget it
    return None


STORE_DOWN = (OperationalError, PoolTimeout)  # locked, unreachable, no free connection
RETRY_AFTER_S = 5


def store_unavailable() -> Problem:
    """503 when credentials cannot be checked: the database is locked or unreachable."""
    return Problem(503, "auth_unavailable", "Chưa kiểm tra được thông tin xác thực",
                   "Cơ sở dữ liệu của dịch vụ đang bận hoặc không kết nối được; vui lòng "
                   "thử lại sau ít giây.", headers={"Retry-After": str(RETRY_AFTER_S)})


def _is_public(view) -> bool:
    endpoint = request.endpoint
    return endpoint is None or endpoint in PUBLIC_ENDPOINTS or getattr(view, PUBLIC_ATTR, False)


def _who(is_public: bool) -> Principal | None:
    """The principal the request's credentials name (None: no credentials, or a public view
    while the store is down); a wrong key counts as a failure of this address."""
    if request.headers.get("Authorization") is not None:
        wait = ratelimit.failure_wait()  # this address has failed too often: not even checked
        if wait > 0:
            raise ratelimit.too_many_failures(wait)
    try:
        return _identify()
    except Problem:  # a malformed, wrong or revoked key
        ratelimit.record_failure()
        raise
    except STORE_DOWN as exc:
        logging.getLogger("thidua.auth").error("credentials not checked: %s",
                                               type(exc).__name__)
        if not is_public:
            raise store_unavailable() from None
        return None  # health checks and docs answer without knowing who asks


def _anonymous():
    """No principal on a view that needs one: a page goes to the sign-in page, anything
    else is 401 (and counts as a failure of this address)."""
    if _wants_page():
        target = request.full_path if request.query_string else request.path
        return redirect(f"/dang-nhap?next={quote(target, safe='/')}", code=303)
    wait = ratelimit.failure_wait()
    if wait > 0:
        raise ratelimit.too_many_failures(wait)
    ratelimit.record_failure()
    raise _unauthorized("authentication_required",
                        "Cần khóa API (Authorization: Bearer …) hoặc đăng nhập trên trang "
                        "web để dùng chức năng này.")


def _guard():
    if not current_app.config["AUTH_ENABLED"]:
        g.principal = LOCAL
        return None
    view = current_app.view_functions.get(request.endpoint)
    is_public = _is_public(view)
    principal = _who(is_public)
    g.principal = principal
    if principal is not None:
        g.client_id = principal.owner
    if is_public:
        return None  # unknown routes fall through to the usual 404/405
    if principal is None:
        return _anonymous()
    if getattr(view, ADMIN_ATTR, False) and not principal.is_admin:
        raise Problem(403, "forbidden", "Không có quyền",
                      "Chức năng này chỉ dành cho quản trị viên.")
    return None


def init_app(app: Flask) -> None:
    """Open the user/key store and check every request. Registered before the rate limit,
    so authenticated clients are limited by who they are, not by their address."""
    settings = app.config
    app.extensions[EXTENSION] = AuthStore.from_settings(settings)
    app.before_request(_guard)
    if settings["AUTH_ENABLED"] and app.extensions[EXTENSION].count_users() == 0:
        logging.getLogger("thidua.auth").warning(
            "no user can sign in yet: create an admin with "
            "`python -m service users create admin --role admin --generate` "
            "(`python -m service serve` does this on its first start)")
