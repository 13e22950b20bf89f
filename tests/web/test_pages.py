"""The clerks' pages without a browser: what the server sends, its headers, the session,
the CSRF rule, escaping, and that nothing is loaded from outside the service."""

from __future__ import annotations

import dataclasses
import io
import json
import os
import re
import stat

import pytest

from service import registry
from tests.conftest import ROOT

TYPES = list(registry.document_types())
WEB = ROOT / "service" / "web"


def embedded_json(html: str, element_id: str) -> object:
    match = re.search(rf'<script type="application/json" id="{element_id}">(.*?)</script>', html,
                      re.S)
    assert match, element_id
    return json.loads(match.group(1))


def csrf_of(html: str) -> str:
    match = re.search(r'<meta name="csrf-token" content="([^"]+)">', html)
    assert match
    return match.group(1)


def test_home_lists_every_type_with_its_form_in_vietnamese(client):
    response = client.get("/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert '<html lang="vi">' in html
    for doc_type in registry.document_types().values():
        assert doc_type.title in html
        assert doc_type.description in html
        assert f'href="/van-ban/{doc_type.id}"' in html
    assert 'href="/hang-loat"' in html
    assert "Soạn văn bản" in html
    assert "Bỏ qua, đến nội dung chính" in html


@pytest.mark.parametrize("type_id", TYPES)
def test_form_page_carries_the_same_type_detail_as_the_api(client, type_id):
    page = client.get(f"/van-ban/{type_id}")
    assert page.status_code == 200
    api = client.get(f"/api/v1/document-types/{type_id}").get_json()
    assert embedded_json(page.get_data(as_text=True), "type-detail") == api


@pytest.mark.parametrize("type_id", TYPES)
def test_schema_keeps_its_property_order_for_the_form(client, type_id):
    detail = client.get(f"/api/v1/document-types/{type_id}").get_json()
    schema = detail["schema"]
    declared = list(registry.get(type_id).schema().fields)
    assert schema["x-property-order"] == [registry.get(type_id).schema().fields[k].data_key or k
                                          for k in declared]


def test_enum_given_only_as_metadata_reaches_the_schema():
    from marshmallow import Schema

    from schemas.base import Text
    from service.jsonschema import schema_to_jsonschema

    class Probe(Schema):
        kind = Text(metadata={"title": "Loại", "enum": ["a", "b"]})

    assert schema_to_jsonschema(Probe)["properties"]["kind"]["enum"] == ["a", "b"]


def test_pages_send_security_headers_and_no_cache(client):
    for url in ("/", f"/van-ban/{TYPES[0]}", "/hang-loat"):
        response = client.get(url)
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp
        assert "default-src 'self'" in csp
        assert "unsafe-inline" not in csp
        assert "unsafe-eval" not in csp
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_unknown_type_is_a_vietnamese_page(client):
    response = client.get("/van-ban/khong-co", headers={"Accept": "text/html"})
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "Không có loại văn bản này" in html
    assert 'href="/"' in html


def test_unknown_address_is_html_for_browsers_and_problem_json_for_clients(client):
    accept = "text/html,application/xhtml+xml,*/*;q=0.8"
    browser = client.get("/khong-co", headers={"Accept": accept})
    assert browser.status_code == 404
    assert browser.mimetype == "text/html"
    assert "Không tìm thấy trang" in browser.get_data(as_text=True)
    api_client = client.get("/khong-co")
    assert api_client.status_code == 404
    assert api_client.mimetype == "application/problem+json"
    under_api = client.get("/api/v1/khong-co", headers={"Accept": "text/html"})
    assert under_api.mimetype == "application/problem+json"


def test_every_value_on_a_page_is_escaped(client, monkeypatch):
    real = registry.document_types()
    base = next(iter(real.values()))
    hostile = dataclasses.replace(base, id=base.id, title="<script>alert('tiêu đề')</script>",
                                  description='"><img src=x onerror=alert(1)>')
    monkeypatch.setattr(registry, "document_types", lambda: {**real, base.id: hostile})
    for url in ("/", f"/van-ban/{base.id}", f"/hang-loat?loai={base.id}"):
        html = client.get(url).get_data(as_text=True)
        assert "<script>alert" not in html, url
        assert "<img src=x" not in html, url
        assert "&lt;script&gt;" in html or "\\u003cscript\\u003e" in html, url
    page = client.get(f"/van-ban/{base.id}").get_data(as_text=True)
    assert embedded_json(page, "type-detail")["title"] == hostile.title  # intact as data


def test_batch_page_selects_the_asked_type_and_falls_back(client):
    batch_types = [t for t in registry.document_types().values() if t.batch is not None]
    asked = client.get(f"/hang-loat?loai={TYPES[-1]}").get_data(as_text=True)
    assert embedded_json(asked, "batch-data")["detail"]["id"] == TYPES[-1]
    fallback = client.get("/hang-loat?loai=<x>").get_data(as_text=True)
    expected = batch_types[0].id if batch_types else TYPES[0]
    assert embedded_json(fallback, "batch-data")["detail"]["id"] == expected


@pytest.mark.parametrize("type_id", TYPES)
def test_xlsx_list_template_of_every_type(client, type_id):
    from openpyxl import load_workbook

    response = client.get(f"/hang-loat/{type_id}/mau.xlsx")
    assert response.status_code == 200
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.data)).worksheets[0]
    headers = [c.value for c in sheet[1] if c.value]
    assert headers
    assert all(isinstance(h, str) for h in headers)


def test_xlsx_template_of_unknown_type_is_404(client):
    assert client.get("/hang-loat/khong-co/mau.xlsx").status_code == 404


# ------------------------------------------------------------------------------ session, CSRF


def test_session_cookie_is_http_only_and_same_site(app):
    cookie = app.test_client().get("/dang-nhap").headers["Set-Cookie"]
    assert cookie.startswith("thidua_session=")
    assert "HttpOnly" in cookie
    assert "SameSite=Strict" in cookie
    assert "Secure" not in cookie  # plain http on 127.0.0.1: a Secure cookie would be lost
    over_tls = app.test_client().get("/dang-nhap", base_url="https://localhost").headers[
        "Set-Cookie"]
    assert "Secure" in over_tls


def test_api_clients_without_the_page_cookie_need_no_token(app):
    from tests.support.auth import client_as

    response = client_as(app).post("/api/v1/documents/directive.pdf", json={})
    assert response.status_code == 422  # validation, not CSRF


def test_requests_with_the_page_cookie_need_the_token(client, sample):
    token = csrf_of(client.get("/").get_data(as_text=True))
    payload = sample("directive")
    missing = client.post("/api/v1/documents/directive.pdf", json=payload)
    assert missing.status_code == 403
    assert missing.get_json()["code"] == "csrf_failed"
    wrong = client.post("/api/v1/documents/directive.pdf", json=payload,
                        headers={"X-CSRF-Token": token[:-2] + "xx"})
    assert wrong.status_code == 403
    batch = client.post("/api/v1/batches", json={}, headers={"X-CSRF-Token": "nope"})
    assert batch.status_code == 403
    assert batch.mimetype == "application/problem+json"
    good = client.post("/api/v1/documents/directive.pdf", json=payload,
                       headers={"X-CSRF-Token": token})
    assert good.status_code == 200
    assert good.data.startswith(b"%PDF")


def test_token_is_stable_within_a_session_and_differs_between_sessions(app):
    from tests.support.auth import user_client

    first, second = user_client(app), user_client(app)
    a1 = csrf_of(first.get("/").get_data(as_text=True))
    a2 = csrf_of(first.get("/hang-loat").get_data(as_text=True))
    b1 = csrf_of(second.get("/").get_data(as_text=True))
    assert a1 == a2
    assert a1 != b1
    assert len(a1) >= 32


def test_secret_key_is_generated_once_private_and_reused(tmp_path):
    from service import create_app

    data = tmp_path / "data"
    one = create_app({"DATA_DIR": str(data), "TESTING": True})
    key_file = data / "secret_key"
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    two = create_app({"DATA_DIR": str(data), "TESTING": True})
    assert one.config["SECRET_KEY"] == two.config["SECRET_KEY"] == key_file.read_text().strip()
    # a session made by one process is valid in the other (workers share the key)
    from tests.support.auth import user_client

    browser = user_client(one)
    token = csrf_of(browser.get("/").get_data(as_text=True))
    other = two.test_client()
    other.set_cookie("thidua_session", browser.get_cookie("thidua_session").value)
    response = other.post("/api/v1/documents/directive.pdf", json={},
                          headers={"X-CSRF-Token": token})
    assert response.status_code == 422


def test_configured_secret_key_wins_and_writes_no_file(tmp_path):
    from service import create_app

    key = "k" * 40
    app = create_app({"DATA_DIR": str(tmp_path / "d"), "SECRET_KEY": key, "TESTING": True})
    assert app.config["SECRET_KEY"] == key
    assert not (tmp_path / "d" / "secret_key").exists()


def test_short_secret_key_stops_the_start():
    from service import config

    with pytest.raises(config.ConfigError, match="THIDUA_SECRET_KEY"):
        config.load(environ={"THIDUA_SECRET_KEY": "short"})


def test_concurrent_first_starts_agree_on_one_key(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    from service.web.session import load_or_create_secret

    with ThreadPoolExecutor(8) as pool:
        keys = set(pool.map(lambda _: load_or_create_secret(tmp_path), range(16)))
    assert len(keys) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]


# ------------------------------------------------------------------------------ static files


def _page_sources() -> list:
    files = sorted((WEB / "static").glob("*.js")) + sorted((WEB / "static").glob("*.css"))
    files += sorted((WEB / "static").glob("*.svg"))
    return files + sorted((WEB / "templates" / "web").glob("*.html"))


def test_pages_load_nothing_from_outside_the_service():
    """Offline on an agency network: no CDN, no web fonts, no external scripts."""
    for path in _page_sources():
        text = path.read_text(encoding="utf-8").replace('xmlns="http://www.w3.org/2000/svg"', "")
        urls = re.findall(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}", text, re.I)
        assert not urls, (path.name, urls)
        assert "@import" not in text, path.name
        assert "@font-face" not in text, path.name


def test_scripts_never_write_markup():
    """Values reach the page through textContent and attributes only."""
    for path in sorted((WEB / "static").glob("*.js")):
        text = path.read_text(encoding="utf-8")
        for banned in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write",
                       "eval(", "new Function"):
            assert banned not in text, (path.name, banned)


def test_templates_have_no_inline_script_or_style():
    for path in sorted((WEB / "templates" / "web").glob("*.html")):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*(src=|type=\"application/json\"))", text), path.name
        assert "style=" not in text, path.name
        assert "<style" not in text, path.name
        assert "|safe" not in text, path.name
        assert "Markup(" not in text, path.name
