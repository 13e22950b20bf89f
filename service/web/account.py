"""Sign-in, sign-out, one's own password, and the admins' page for users and API keys.

Plain HTML forms (they work without JavaScript) posted with the session's CSRF token in a
hidden field. A new password or API key is shown once, in the answer to the POST that made
it (never redirected through a cookie or a URL), on a page that is not cached.
"""

from __future__ import annotations

import logging
import math
import time
from urllib.parse import urlsplit

from flask import Response, current_app, g, redirect, request, session, url_for

from service import ratelimit
from service.auth.guard import SESSION_KEY, admin_required, current_principal, store
from service.auth.store import AuthError, LockedOut, LoginFailed, generate_password
from service.db.auth import ROLE_TITLES, ROLES
from service.web.session import csrf_token
from service.web.views import batches_enabled, bp, render_page

log = logging.getLogger("thidua.auth")
FAILED_LOGIN_DELAY_S = 0.5  # on top of the Argon2 cost: slows guessing from one client


def _safe_next(target: str | None) -> str:
    """Only a path of this service (no scheme, no host, no //): never an open redirect."""
    if not target:
        return url_for("web.home")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") \
            or "\\" in target:
        return url_for("web.home")
    return target


@bp.get("/dang-nhap")
def login() -> Response:
    if current_principal() is not None and current_principal().kind == "user":
        return redirect(_safe_next(request.args.get("next")), code=303)
    return render_page("web/login.html", next=_safe_next(request.args.get("next")),
                       batches=False)


@bp.post("/dang-nhap")
def login_submit() -> Response:
    username = request.form.get("username", "")[:200]
    password = request.form.get("password", "")[:1000]
    target = _safe_next(request.form.get("next"))
    error, status, headers = None, 200, {}
    wait = ratelimit.failure_wait()
    if wait > 0:  # this address has failed too often: the password is not even checked
        seconds = max(1, math.ceil(wait))
        response = render_page("web/login.html", status=429, next=target, error=(
            f"Địa chỉ này đã đăng nhập sai quá nhiều lần. Thử lại sau {seconds} giây."),
            username=username[:64], batches=False)
        response.headers["Retry-After"] = str(seconds)
        log.warning("login refused: address over its failure budget")
        return response
    try:
        user = store().authenticate(username, password, address=request.remote_addr or "")
    except LockedOut as locked:
        ratelimit.record_failure()
        minutes = max(1, round(locked.retry_after / 60))
        error = (f"Tài khoản tạm khóa do đăng nhập sai nhiều lần. Thử lại sau khoảng {minutes} "
                 "phút, hoặc nhờ quản trị viên mở khóa.")
        status, headers = 429, {"Retry-After": str(locked.retry_after)}
        log.warning("login refused: locked", extra={"user": username[:64]})
    except LoginFailed:
        ratelimit.record_failure()
        time.sleep(FAILED_LOGIN_DELAY_S)
        error = "Tên đăng nhập hoặc mật khẩu không đúng."
        status = 401
        log.warning("login failed", extra={"user": username[:64]})
    if error is not None:
        response = render_page("web/login.html", status=status, next=target, error=error,
                               username=username[:64], batches=False)
        response.headers.update(headers)
        return response
    # A fresh session: nothing from before sign-in survives (no session fixation), and a
    # new CSRF token.
    session.clear()
    session[SESSION_KEY] = store().create_session(user)
    csrf_token()
    log.info("login", extra={"user": user.username})
    return redirect(target, code=303)


@bp.post("/dang-xuat")
def logout() -> Response:
    sid = session.get(SESSION_KEY)
    if sid:
        store().end_session(sid)
    session.clear()
    return redirect(url_for("web.login"), code=303)


# ---------------------------------------------------------------------------- own account


@bp.get("/tai-khoan")
def account() -> Response:
    return _account_page()


def _account_page(status: int = 200, **context) -> Response:
    principal = current_principal()
    user = store().get_user(principal.ident) if principal.kind == "user" else None
    return render_page("web/account.html", status=status, principal=principal, user=user,
                       role_titles=ROLE_TITLES, batches=batches_enabled(), **context)


@bp.post("/tai-khoan/mat-khau")
def change_password() -> Response:
    principal = current_principal()
    if principal.kind != "user":
        return _account_page(400, error="Chỉ người dùng đăng nhập mới đổi được mật khẩu.")
    current = request.form.get("current_password", "")[:1000]
    new = request.form.get("new_password", "")[:1000]
    again = request.form.get("new_password_again", "")[:1000]
    try:
        store().authenticate(principal.ident, current, address=request.remote_addr or "")
    except (LoginFailed, LockedOut):
        ratelimit.record_failure()
        return _account_page(400, error="Mật khẩu hiện tại không đúng.")
    if new != again:
        return _account_page(400, error="Hai lần nhập mật khẩu mới không khớp.")
    try:
        store().set_password(principal.ident, new)  # ends every session, this one too
    except AuthError as exc:
        return _account_page(400, error=exc.message)
    user = store().get_user(principal.ident)
    session.clear()
    session[SESSION_KEY] = store().create_session(user)
    csrf_token()
    return _account_page(message="Đã đổi mật khẩu. Các phiên đăng nhập khác đã kết thúc.")


# ---------------------------------------------------------------------------- admin


@bp.get("/quan-tri")
@admin_required
def admin() -> Response:
    return _admin_page()


def _admin_page(status: int = 200, **context) -> Response:
    auth = store()
    return render_page("web/admin.html", status=status, users=auth.list_users(),
                       keys=auth.list_keys(), roles=ROLES, role_titles=ROLE_TITLES,
                       now=time.time(), batches=batches_enabled(), **context)


def _by() -> str:
    principal = current_principal()
    return principal.owner if principal is not None else ""


@bp.post("/quan-tri/nguoi-dung")
@admin_required
def admin_create_user() -> Response:
    username = request.form.get("username", "")[:200]
    role = request.form.get("role", "clerk")
    name = request.form.get("display_name", "")[:200]
    password = generate_password()
    try:
        user = store().create_user(username, password, role, name)
    except AuthError as exc:
        return _admin_page(400, error=exc.message)
    log.info("user created", extra={"user": user.username, "by": _by()})
    return _admin_page(secret={"what": f"Mật khẩu của {user.username}", "value": password,
                               "hint": "Đưa cho người dùng qua kênh an toàn; họ nên đổi mật "
                                       "khẩu ở trang Tài khoản sau lần đăng nhập đầu."})


@bp.post("/quan-tri/nguoi-dung/<username>/<action>")
@admin_required
def admin_user_action(username: str, action: str) -> Response:
    auth = store()
    try:
        if action == "dat-lai-mat-khau":
            password = generate_password()
            auth.set_password(username, password)
            log.info("password reset", extra={"user": username[:64], "by": _by()})
            return _admin_page(secret={"what": f"Mật khẩu mới của {username}",
                                       "value": password,
                                       "hint": "Các phiên đăng nhập cũ của người này đã kết "
                                               "thúc."})
        if action == "khoa":
            auth.set_disabled(username, True)
            message = f"Đã khóa {username}; các phiên đăng nhập của họ đã kết thúc."
        elif action == "mo-khoa":
            auth.set_disabled(username, False)
            auth.unlock(username)
            message = f"Đã mở khóa {username}."
        elif action == "vai-tro":
            role = request.form.get("role", "")
            auth.set_role(username, role)
            message = f"{username}: {ROLE_TITLES.get(role, role)}."
        else:
            return _admin_page(404, error="Thao tác không có.")
    except AuthError as exc:
        return _admin_page(400, error=exc.message)
    log.info("user changed", extra={"user": username[:64], "action": action, "by": _by()})
    return _admin_page(message=message)


@bp.post("/quan-tri/khoa-api")
@admin_required
def admin_create_key() -> Response:
    name = request.form.get("name", "")[:200]
    role = request.form.get("role", "clerk")
    try:
        key, token = store().create_key(name, role, _by())
    except AuthError as exc:
        return _admin_page(400, error=exc.message)
    log.info("api key created", extra={"key": key.id, "by": _by()})
    return _admin_page(secret={"what": f"Khóa API “{key.name}”", "value": token,
                               "hint": "Sao chép ngay: dịch vụ chỉ lưu mã băm nên không hiện "
                                       "lại được. Hệ thống gửi kèm tiêu đề "
                                       "Authorization: Bearer <khóa>."})


@bp.post("/quan-tri/khoa-api/<key_id>/thu-hoi")
@admin_required
def admin_revoke_key(key_id: str) -> Response:
    if not store().revoke_key(key_id[:32]):
        return _admin_page(404, error="Không có khóa đang dùng nào như vậy.")
    log.info("api key revoked", extra={"key": key_id[:32], "by": _by()})
    return _admin_page(message=f"Đã thu hồi khóa {key_id}.")


@bp.app_context_processor
def _who() -> dict:
    return {"principal": g.get("principal"),
            "auth_enabled": current_app.config.get("AUTH_ENABLED", True)}
