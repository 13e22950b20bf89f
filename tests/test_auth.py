"""Who may do what: the user/key store on SQLite and PostgreSQL, the request guard, sign-in,
lockout, sessions, roles, the admin page and the ``keys``/``users`` commands."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import timedelta

import pytest

from service.auth.store import (
    AuthError,
    AuthStore,
    LockedOut,
    LoginFailed,
)
from service.db.base import utcnow
from tests.conftest import ROOT, load_sample
from tests.support.auth import PASSWORD, client_as, login, make_key, store_of, user_client

pytest_plugins = ["tests.support.services"]

PROBLEM = "application/problem+json"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def auth(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/auth.sqlite3"
    else:
        from service.db import database_url

        url = database_url({"DATABASE_URL": request.getfixturevalue("postgres_url")})
    return AuthStore(url, max_failures=3, lockout_s=60, session_idle_s=600,
                     session_max_s=3600)


# ---------------------------------------------------------------------------- the store


def test_passwords_are_stored_as_argon2id_hashes_only(auth):
    auth.create_user("Nguyen.Van.An", PASSWORD, "clerk", "Nguyễn Văn An")
    from sqlalchemy import text

    with auth.engine.connect() as conn:
        name, stored = conn.execute(text(
            "SELECT username, password_hash FROM auth_users")).one()
    assert name == "nguyen.van.an"  # user names are case-insensitive
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored
    assert auth.authenticate("NGUYEN.VAN.AN", PASSWORD).username == "nguyen.van.an"


@pytest.mark.parametrize(("username", "password", "code"), [
    ("a", PASSWORD, "invalid_username"),
    ("nguyễn", PASSWORD, "invalid_username"),
    ("ok.name", "short", "weak_password"),
    ("ok.name", "ok.name", "weak_password"),
    ("ok.name", "aaaaaaaaaaaa", "weak_password"),
])
def test_bad_user_names_and_weak_passwords_are_refused(auth, username, password, code):
    with pytest.raises(AuthError) as info:
        auth.create_user(username, password)
    assert info.value.code == code


def test_duplicate_user_is_refused(auth):
    auth.create_user("van.thu", PASSWORD)
    with pytest.raises(AuthError, match="Đã có"):
        auth.create_user("VAN.THU", PASSWORD)


def test_wrong_password_unknown_user_and_disabled_user_all_fail_alike(auth):
    auth.create_user("van.thu", PASSWORD)
    auth.create_user("nghi.viec", PASSWORD)
    auth.create_user("quan.tri", PASSWORD, "admin")
    auth.set_disabled("nghi.viec", True)
    for name, password in (("van.thu", "sai-mat-khau-1"), ("khong.co", PASSWORD),
                           ("nghi.viec", PASSWORD), ("../../etc", PASSWORD)):
        with pytest.raises(LoginFailed):
            auth.authenticate(name, password)


def test_repeated_failures_lock_the_name_even_for_the_right_password(auth):
    auth.create_user("van.thu", PASSWORD)
    now = utcnow()
    for _ in range(3):
        with pytest.raises(LoginFailed):
            auth.authenticate("van.thu", "sai-mat-khau-1", now=now)
    with pytest.raises(LockedOut) as info:
        auth.authenticate("van.thu", PASSWORD, now=now + timedelta(seconds=1))
    assert 1 <= info.value.retry_after <= 60
    assert auth.authenticate("van.thu", PASSWORD, now=now + timedelta(seconds=61))
    # an admin lifts a lockout early
    for _ in range(3):
        with pytest.raises(LoginFailed):
            auth.authenticate("van.thu", "sai-mat-khau-1")
    auth.unlock("van.thu")
    assert auth.authenticate("van.thu", PASSWORD)


def test_a_success_resets_the_failure_count(auth):
    auth.create_user("van.thu", PASSWORD)
    for _ in range(2):
        with pytest.raises(LoginFailed):
            auth.authenticate("van.thu", "sai-mat-khau-1")
    auth.authenticate("van.thu", PASSWORD)
    assert auth.get_user("van.thu").failed_logins == 0
    for _ in range(2):  # two more: not three in a row, so no lockout
        with pytest.raises(LoginFailed):
            auth.authenticate("van.thu", "sai-mat-khau-1")
    assert auth.authenticate("van.thu", PASSWORD).username == "van.thu"


def test_sessions_expire_when_idle_and_at_their_maximum_age(auth):
    user = auth.create_user("van.thu", PASSWORD)
    start = utcnow()

    def resolve(token, now):  # activity is recorded in the background: wait for it here
        found = auth.resolve_session(token, now=now)
        assert auth.flush()
        return found

    token = auth.create_session(user, now=start)
    assert resolve(token, start + timedelta(seconds=300)).username == "van.thu"
    # idle 10 minutes after the last request: gone
    assert resolve(token, start + timedelta(seconds=300 + 601)) is None
    assert resolve(token, start + timedelta(seconds=1)) is None  # deleted
    # active all along, still ends at the maximum age
    token = auth.create_session(user, now=start)
    t = start
    for _ in range(6):
        t += timedelta(seconds=500)
        assert resolve(token, t) is not None
    assert resolve(token, start + timedelta(seconds=3601)) is None


def test_password_change_disable_and_logout_end_sessions(auth):
    user = auth.create_user("van.thu", PASSWORD)
    a, b = auth.create_session(user), auth.create_session(user)
    auth.end_session(a)
    assert auth.resolve_session(a) is None
    assert auth.resolve_session(b) is not None
    auth.set_password("van.thu", "mat-khau-moi-2027")
    assert auth.resolve_session(b) is None
    c = auth.create_session(user)
    auth.set_disabled("van.thu", True)
    assert auth.resolve_session(c) is None
    for junk in ("", "x", "a" * 5000, None):
        assert auth.resolve_session(junk) is None


def test_the_last_admin_cannot_be_disabled_or_demoted(auth):
    auth.create_user("quan.tri", PASSWORD, "admin")
    with pytest.raises(AuthError, match="cuối cùng"):
        auth.set_disabled("quan.tri", True)
    with pytest.raises(AuthError, match="cuối cùng"):
        auth.set_role("quan.tri", "clerk")
    auth.create_user("quan.tri.2", PASSWORD, "admin")
    auth.set_role("quan.tri", "clerk")
    assert auth.get_user("quan.tri").role == "clerk"


def test_first_admin_is_created_once(auth):
    password = auth.create_first_admin()
    assert password
    assert auth.authenticate("admin", password).role == "admin"
    assert auth.create_first_admin() is None


def test_api_keys_are_stored_as_digests_and_revoked_at_once(auth):
    key, token = auth.create_key("Hệ thống e-office", "clerk", "cli")
    assert re.fullmatch(r"thd_[0-9a-f]{12}_[A-Za-z0-9_-]{43}", token)
    from sqlalchemy import text

    with auth.engine.connect() as conn:
        stored = conn.execute(text("SELECT secret_hash FROM auth_api_keys")).scalar_one()
    assert token.split("_", 2)[2] not in stored
    assert len(stored) == 64
    assert auth.verify_key(token).id == key.id
    assert auth.flush()  # last use is recorded in the background, off the request path
    assert auth.verify_key(token).last_used_at is not None
    wrong = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    for bad in (wrong, token + "x", "thd_" + key.id, "", "Bearer " + token,
                f"thd_{'0' * 12}_{token.split('_', 2)[2]}"):
        assert auth.verify_key(bad) is None, bad
    assert auth.revoke_key(key.id) is True
    assert auth.verify_key(token) is None
    assert auth.revoke_key(key.id) is False
    assert [k.id for k in auth.list_keys(include_revoked=False)] == []


# ---------------------------------------------------------------------------- the guard


def test_everything_but_health_docs_and_sign_in_needs_credentials(anon_client):
    for method, path in (("GET", "/api/v1/document-types"), ("POST", "/api/v1/documents/"
                                                                      "directive.pdf"),
                         ("GET", "/api/v1/batches"), ("POST", "/api/v1/batches"),
                         ("GET", "/metrics")):
        response = anon_client.open(path, method=method, json={})
        assert response.status_code == 401, path
        assert response.mimetype == PROBLEM
        assert response.get_json()["code"] == "authentication_required"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    for path in ("/healthz", "/readyz", "/api/openapi.json", "/api/docs", "/dang-nhap"):
        assert anon_client.get(path).status_code == 200, path
    page = anon_client.get("/van-ban/directive?x=1")
    assert page.status_code == 303
    assert page.headers["Location"] == "/dang-nhap?next=/van-ban/directive%3Fx%3D1"


def test_unknown_routes_are_404_for_anyone(anon_client):
    response = anon_client.get("/api/v1/khong-co")
    assert response.status_code == 404
    assert response.mimetype == PROBLEM


@pytest.mark.parametrize(("header", "code"), [
    ("Basic dXNlcjpwYXNz", "invalid_credentials"),
    ("Bearer", "invalid_credentials"),
    ("Bearer    ", "invalid_credentials"),
    ("Bearer thd_000000000000_" + "A" * 43, "invalid_api_key"),
    ("Bearer " + "x" * 10_000, "invalid_api_key"),
    ("bearer garbage", "invalid_api_key"),
])
def test_bad_authorization_headers_are_401_never_500(anon_client, header, code):
    response = anon_client.get("/api/v1/document-types", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.mimetype == PROBLEM
    assert response.get_json()["code"] == code


def test_a_clerk_key_renders_documents_but_not_admin_things(client):
    assert client.post("/api/v1/documents/directive.docx",
                       json=load_sample("directive")).status_code == 200
    forbidden = client.get("/metrics")
    assert forbidden.status_code == 403
    assert forbidden.get_json()["code"] == "forbidden"
    assert client.get("/quan-tri").status_code == 403


def test_metrics_can_be_made_public_for_a_scraper(tmp_path):
    from service import create_app

    app = create_app({"DATA_DIR": str(tmp_path), "METRICS_PUBLIC": True})
    assert app.test_client().get("/metrics").status_code == 200


def test_auth_can_be_turned_off_for_a_single_user_machine(tmp_path):
    from service import create_app

    app = create_app({"DATA_DIR": str(tmp_path), "AUTH_ENABLED": False})
    client = app.test_client()
    assert client.post("/api/v1/documents/directive.docx",
                       json=load_sample("directive")).status_code == 200
    assert client.get("/").status_code == 200


def test_log_lines_name_the_client_not_the_payload(app, caplog):
    import logging

    token = make_key(app, "clerk", "e-office")
    key_id = token.split("_")[1]
    client = app.test_client()
    payload = load_sample("directive")
    payload["signer"]["name"] = "Trần Thị Bí Mật"
    with caplog.at_level(logging.INFO, logger="thidua.access"):
        client.post("/api/v1/documents/directive.docx", json=payload,
                    headers={"Authorization": f"Bearer {token}"})
    record = next(r for r in caplog.records if r.name == "thidua.access")
    assert record.client == f"key:{key_id}"
    assert "Bí Mật" not in caplog.text
    assert token not in caplog.text


# ---------------------------------------------------------------------------- sign-in


def test_sign_in_rotates_the_session_and_sign_out_ends_it(app):
    store_of(app).create_user("van.thu", PASSWORD)
    client = app.test_client()
    client.get("/dang-nhap")
    before = client.get_cookie("thidua_session").value
    assert login(client, "van.thu", next_path="/hang-loat").headers["Location"] == "/hang-loat"
    after = client.get_cookie("thidua_session").value
    assert after != before
    assert client.get("/").status_code == 200
    html = client.get("/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    assert client.post("/dang-xuat", data={"csrf_token": token}).status_code == 303
    assert client.get("/").status_code == 303
    # the cookie from before sign-out, replayed, opens nothing
    replay = app.test_client()
    replay.set_cookie("thidua_session", after)
    assert replay.get("/api/v1/batches").status_code == 401


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x",
                                    "/\\evil.example", "javascript:alert(1)"])
def test_sign_in_never_redirects_off_the_service(app, target):
    store_of(app).create_user("van.thu", PASSWORD)
    response = login(app.test_client(), "van.thu", next_path=target)
    assert response.status_code == 303
    assert response.headers["Location"] == "/"


def test_sign_in_needs_the_csrf_token(app):
    store_of(app).create_user("van.thu", PASSWORD)
    client = app.test_client()
    client.get("/dang-nhap")
    response = client.post("/dang-nhap", data={"username": "van.thu", "password": PASSWORD})
    assert response.status_code == 403


def test_wrong_password_is_401_and_lockout_is_429_with_retry_after(tmp_path):
    from service import create_app

    app = create_app({"DATA_DIR": str(tmp_path), "LOGIN_MAX_FAILURES": 2,
                      "LOGIN_LOCKOUT_S": 120})
    store_of(app).create_user("van.thu", PASSWORD)
    client = app.test_client()
    first = login(client, "van.thu", "sai-mat-khau-1")
    assert first.status_code == 401
    assert "không đúng" in first.get_data(as_text=True)
    login(client, "van.thu", "sai-mat-khau-2")
    locked = login(client, "van.thu", PASSWORD)
    assert locked.status_code == 429
    assert 1 <= int(locked.headers["Retry-After"]) <= 120
    assert "tạm khóa" in locked.get_data(as_text=True)


def test_typed_values_are_escaped_on_the_sign_in_page(app):
    client = app.test_client()
    response = login(client, '<script>alert(1)</script>', "sai-mat-khau-1")
    html = response.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


def test_a_user_changes_their_own_password(app):
    client = user_client(app, "clerk", "van.thu")
    html = client.get("/tai-khoan").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    response = client.post("/tai-khoan/mat-khau", data={
        "csrf_token": token, "current_password": PASSWORD,
        "new_password": "mat-khau-moi-2027", "new_password_again": "mat-khau-moi-2027"})
    assert response.status_code == 200
    assert "Đã đổi mật khẩu" in response.get_data(as_text=True)
    assert client.get("/").status_code == 200  # this session carries on
    assert store_of(app).authenticate("van.thu", "mat-khau-moi-2027")


def test_admin_page_creates_users_and_keys_and_shows_secrets_once(app):
    admin = user_client(app, "admin", "quan.tri")
    html = admin.get("/quan-tri").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    made = admin.post("/quan-tri/khoa-api", data={"csrf_token": token, "name": "e-office",
                                                  "role": "clerk"})
    secret = re.search(r'id="secret-value">([^<]+)<', made.get_data(as_text=True)).group(1)
    assert made.headers["Cache-Control"] == "no-store"
    assert secret not in admin.get("/quan-tri").get_data(as_text=True)
    api = app.test_client()
    assert api.get("/api/v1/batches", headers={"Authorization": f"Bearer {secret}"}
                   ).status_code == 200
    user = admin.post("/quan-tri/nguoi-dung", data={"csrf_token": token, "username": "moi",
                                                    "role": "clerk", "display_name": "Mới"})
    password = re.search(r'id="secret-value">([^<]+)<', user.get_data(as_text=True)).group(1)
    assert store_of(app).authenticate("moi", password)
    no_token = admin.post("/quan-tri/nguoi-dung", data={"username": "x2", "role": "clerk"})
    assert no_token.status_code == 403


# ---------------------------------------------------------------------------- commands


def run_cli(*args, data_dir, stdin: str | None = None):
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("THIDUA_")}
    env["THIDUA_DATA_DIR"] = str(data_dir)
    return subprocess.run([sys.executable, "-m", "service", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120, input=stdin)


def test_keys_commands_create_list_and_revoke(tmp_path):
    made = run_cli("keys", "create", "Hệ thống e-office", "--role", "clerk", data_dir=tmp_path)
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"thd_[0-9a-f]{12}_[A-Za-z0-9_-]{43}", token)
    key_id = token.split("_")[1]
    listed = run_cli("keys", "list", data_dir=tmp_path)
    assert key_id in listed.stdout
    assert "e-office" in listed.stdout
    assert token.split("_", 2)[2] not in listed.stdout
    from service import create_app

    app = create_app({"DATA_DIR": str(tmp_path)})
    ok = app.test_client().get("/api/v1/batches", headers={"Authorization": f"Bearer {token}"})
    assert ok.status_code == 200
    assert run_cli("keys", "revoke", key_id, data_dir=tmp_path).returncode == 0
    gone = app.test_client().get("/api/v1/batches", headers={"Authorization": f"Bearer {token}"})
    assert gone.status_code == 401
    again = run_cli("keys", "revoke", key_id, data_dir=tmp_path)
    assert again.returncode == 1
    assert "không có khóa" in again.stderr


def test_users_commands(tmp_path):
    made = run_cli("users", "create", "can.bo", "--role", "clerk", data_dir=tmp_path,
                   stdin="mat-khau-rat-dai-1\n")
    assert made.returncode == 0, made.stderr
    weak = run_cli("users", "create", "can.bo2", data_dir=tmp_path, stdin="ngan\n")
    assert weak.returncode == 1
    assert "Mật khẩu cần" in weak.stderr
    reset = run_cli("users", "passwd", "can.bo", "--generate", data_dir=tmp_path)
    password = reset.stdout.strip().splitlines()[-1]
    store = AuthStore.from_settings({"DATA_DIR": str(tmp_path)})
    assert store.authenticate("can.bo", password).role == "clerk"
    assert run_cli("users", "disable", "can.bo", data_dir=tmp_path).returncode == 0
    with pytest.raises(LoginFailed):
        store.authenticate("can.bo", password)
    assert "khóa" in run_cli("users", "list", data_dir=tmp_path).stdout


def test_first_serve_prints_how_to_sign_in_once(tmp_path):
    from service import config
    from service.cli import first_admin_notice

    settings = config.load({"DATA_DIR": str(tmp_path)}, environ={})
    notice = first_admin_notice(settings, "http://127.0.0.1:8000/")
    assert "tên đăng nhập: admin" in notice
    password = re.search(r"mật khẩu:\s+(\S+)", notice).group(1)
    assert AuthStore.from_settings({"DATA_DIR": str(tmp_path)}).authenticate("admin", password)
    assert first_admin_notice(settings, "http://127.0.0.1:8000/") is None


def test_every_admin_view_is_marked_admin_only(app):
    """A new admin route that forgets the decorator would be open to clerks: list them."""
    from service.auth.guard import ADMIN_ATTR

    admin_views = {name for name, view in app.view_functions.items()
                   if getattr(view, ADMIN_ATTR, False)}
    assert {n for n in app.view_functions if n.startswith("web.admin")} <= admin_views
    clerk = client_as(app, "clerk")
    for rule in app.url_map.iter_rules():
        if rule.endpoint in admin_views and "GET" in rule.methods:
            assert clerk.get(rule.rule).status_code == 403, rule.rule


def test_openapi_declares_the_bearer_scheme(anon_client):
    spec = anon_client.get("/api/openapi.json").get_json()
    assert spec["security"] == [{"bearerAuth": []}]
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer",
        "description": "Khóa API dạng thd_…; tạo bằng python -m service keys create TÊN"}


def test_a_lockout_is_per_name_and_address(auth):
    """Wrong passwords from one address lock the name there only: the user still signs in
    from their own address, and the stranger stays locked even with the right password."""
    auth.create_user("quan.tri", PASSWORD, "admin")
    now = utcnow()
    for _ in range(3):
        with pytest.raises(LoginFailed):
            auth.authenticate("quan.tri", "doan-bua-mat-khau", now=now, address="203.0.113.9")
    with pytest.raises(LockedOut):
        auth.authenticate("quan.tri", PASSWORD, now=now, address="203.0.113.9")
    assert auth.authenticate("quan.tri", PASSWORD, now=now, address="10.0.0.5").role == "admin"
    assert auth.get_user("quan.tri").locked_until is not None  # the admin page shows it
    auth.unlock("quan.tri")
    assert auth.authenticate("quan.tri", PASSWORD, now=now, address="203.0.113.9")


def test_a_stranger_cannot_lock_admin_out_through_the_sign_in_form(tmp_path):
    from service import create_app

    app = create_app({"DATA_DIR": str(tmp_path), "LOGIN_MAX_FAILURES": 2,
                      "LOGIN_LOCKOUT_S": 120})
    store_of(app).create_user("admin", PASSWORD, "admin")
    stranger = app.test_client()
    stranger.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    for attempt in ("sai-mat-khau-1", "sai-mat-khau-2", PASSWORD):
        last = login(stranger, "admin", attempt)
    assert last.status_code == 429  # locked for the stranger's address
    owner = app.test_client()
    owner.environ_base["REMOTE_ADDR"] = "10.0.0.5"
    assert login(owner, "admin").status_code == 303


def test_users_list_shows_a_lockout_only_while_it_lasts(tmp_path):
    store = AuthStore.from_settings({"DATA_DIR": str(tmp_path), "LOGIN_MAX_FAILURES": 2})
    store.create_user("van.thu", PASSWORD)
    long_ago = utcnow() - timedelta(hours=1)
    for _ in range(2):  # locked an hour ago from some address, for 5 minutes: over
        with pytest.raises(LoginFailed):
            store.authenticate("van.thu", "sai-mat-khau-1", now=long_ago, address="192.0.2.1")
    assert "hoạt động" in run_cli("users", "list", data_dir=tmp_path).stdout
    for _ in range(2):
        with pytest.raises(LoginFailed):
            store.authenticate("van.thu", "sai-mat-khau-1", address="192.0.2.1")
    assert "tạm khóa" in run_cli("users", "list", data_dir=tmp_path).stdout
