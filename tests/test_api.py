"""The HTTP API: document types, rendering, and one error shape for every failure."""

from __future__ import annotations

import json
from urllib.parse import unquote

import pytest

from tests.conftest import load_sample
from tests.support.documents import docx_lines, pdf_pages_text

PROBLEM = "application/problem+json"


def assert_problem(response, status: int, code: str):
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == PROBLEM
    body = response.get_json(force=True)
    assert body["status"] == status
    assert body["code"] == code
    assert body["title"]
    assert body["request_id"] == response.headers["X-Request-ID"]
    text = json.dumps(body)
    assert "Traceback" not in text
    assert "/work/" not in text
    assert ".py" not in text
    return body


def post_json(client, url, payload, **kw):
    return client.post(url, data=json.dumps(payload, ensure_ascii=False).encode(),
                       content_type="application/json", **kw)


def test_health_and_ready(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert "directive" in ready.get_json()["document_types"]


def test_list_document_types(client):
    body = client.get("/api/v1/document-types").get_json()
    directive = next(t for t in body if t["id"] == "directive")
    assert directive["formats"] == ["docx", "pdf"]
    assert directive["title"]


def test_document_type_detail_has_schema_and_example(client):
    body = client.get("/api/v1/document-types/directive").get_json()
    assert body["example"] == load_sample("directive")
    schema = body["schema"]
    assert schema["type"] == "object"
    assert schema["additionalProperties"] is False
    assert {"issuer", "summary", "closing", "signer", "recipients"} <= set(schema["required"])
    assert {"sections", "tasks", "movement"} <= set(schema["properties"])  # sections or tasks
    assert schema["properties"]["date"]["type"] == ["string", "null"]
    assert schema["properties"]["signer"]["properties"]["prefix"]["enum"] == [
        "TM.", "KT.", "Q.", "TL.", "TUQ."]


def test_unknown_document_type(client):
    assert_problem(client.get("/api/v1/document-types/nope"), 404, "unknown_document_type")
    assert_problem(post_json(client, "/api/v1/documents/nope.pdf", {}), 404,
                   "unknown_document_type")
    assert_problem(post_json(client, "/api/v1/documents/directive.odt", {}), 404,
                   "format_not_available")


@pytest.mark.parametrize(("ext", "mimetype"), [
    ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("pdf", "application/pdf"),
])
def test_render_directive(client, ext, mimetype):
    response = post_json(client, f"/api/v1/documents/directive.{ext}", load_sample("directive"))
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == mimetype
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    star = disposition.split("filename*=UTF-8''")[1]
    assert unquote(star) == f"Chỉ thị 07-CT-BKHCN 2026-12-28.{ext}"
    assert 'filename="Chi thi 07-CT-BKHCN 2026-12-28.' in disposition
    content = response.data
    if ext == "docx":
        assert "CHỈ THỊ" in docx_lines(content)
    else:
        assert "CHỈ THỊ" in pdf_pages_text(content)[0]


def test_validation_errors_have_pointers_and_codes(client):
    payload = load_sample("directive")
    payload["signer"]["name"] = ""
    payload["sections"][1]["items"][0]["text"] = 5
    del payload["summary"]
    payload["extra"] = 1
    payload["date"] = "2026-02-30"
    payload["issuer"]["abbreviation"] = "bkhcn"
    body = assert_problem(post_json(client, "/api/v1/documents/directive.pdf", payload), 422,
                          "validation_failed")
    found = {(e["pointer"], e["code"]) for e in body["errors"]}
    assert ("/signer/name", "too_short") in found
    assert ("/sections/1/items/0/text", "invalid_type") in found
    assert ("/summary", "required") in found
    assert ("/extra", "unknown_field") in found
    assert ("/date", "invalid_date") in found
    assert ("/issuer/abbreviation", "invalid_format") in found
    assert all(e["message"] for e in body["errors"])


def test_control_and_invisible_characters_rejected(client):
    payload = load_sample("directive")
    payload["summary"] = "Về công tác\x0c thi đua"
    payload["signer"]["name"] = "Nguyễn\u200b Văn A"
    body = assert_problem(post_json(client, "/api/v1/documents/directive.docx", payload), 422,
                          "validation_failed")
    pointers = {e["pointer"] for e in body["errors"]}
    assert {"/summary", "/signer/name"} <= pointers


def test_blank_date_requires_year(client):
    payload = load_sample("directive") | {"date": None}
    body = assert_problem(post_json(client, "/api/v1/documents/directive.pdf", payload), 422,
                          "validation_failed")
    assert body["errors"][0]["pointer"] == "/year"


@pytest.mark.parametrize(("raw", "code"), [
    (b'{"a": ', "json_malformed"),
    (b"[" * 100 + b"]" * 100, "json_too_deep"),
    (b'{"a": 1, "a": 2}', "json_duplicate_key"),
    (b'{"a": NaN}', "json_invalid_number"),
    (b'{"a": 1e999}', "json_invalid_number"),
    (b'{"a": ' + b"9" * 50 + b"}", "json_invalid_number"),
    (b"\xff\xfe{}", "json_not_utf8"),
    (b"", "json_empty"),
])
def test_malformed_json(client, raw, code):
    response = client.post("/api/v1/documents/directive.pdf", data=raw,
                           content_type="application/json")
    assert_problem(response, 400, code)


def test_body_that_is_not_an_object(client):
    assert_problem(post_json(client, "/api/v1/documents/directive.pdf", [1, 2]), 422,
                   "validation_failed")


def test_wrong_content_type(client):
    response = client.post("/api/v1/documents/directive.pdf", data="a=b",
                           content_type="application/x-www-form-urlencoded")
    assert_problem(response, 415, "unsupported_media_type")


def test_oversized_body(app, client):
    app.config["MAX_DOCUMENT_JSON_BYTES"] = 1000
    big = json.dumps(load_sample("directive") | {"closing": "x" * 5000})
    response = client.post("/api/v1/documents/directive.pdf", data=big,
                           content_type="application/json")
    assert_problem(response, 413, "payload_too_large")


def test_body_beyond_request_limit(tmp_path):
    from service import create_app

    app = create_app({"DATA_DIR": str(tmp_path), "MAX_REQUEST_BYTES": 2048})
    from tests.support.auth import client_as

    response = client_as(app).post("/api/v1/documents/directive.pdf", data=b"x" * 10000,
                                      content_type="application/json")
    assert_problem(response, 413, "payload_too_large")


def test_unknown_route_and_wrong_method(client):
    assert_problem(client.get("/nowhere"), 404, "not_found")
    response = client.get("/api/v1/documents/directive.pdf")
    body = assert_problem(response, 405, "method_not_allowed")
    assert "POST" in response.headers["Allow"]
    assert body["detail"]


def test_openapi_document_lists_render_routes(client):
    spec = client.get("/api/openapi.json").get_json()
    assert "/api/v1/documents/directive.pdf" in spec["paths"]
    op = spec["paths"]["/api/v1/documents/directive.docx"]["post"]
    assert "requestBody" in op


def test_docs_page_is_offline(client):
    page = client.get("/api/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "http://" not in html
    assert "https://" not in html
    for src in ("/static/vendor/swagger-ui/swagger-ui-bundle.js",
                "/static/vendor/swagger-ui/swagger-ui.css"):
        assert src in html
        asset = client.get(src)
        assert asset.status_code == 200
        asset.close()


def test_request_id_is_echoed(client):
    response = client.get("/healthz", headers={"X-Request-ID": "abcdef123456"})
    assert response.headers["X-Request-ID"] == "abcdef123456"


def test_literal_markup_and_template_syntax_print_as_typed(client):
    """Values that look like markup or Jinja are printed exactly, in both formats."""
    hostile = "A & B <C> {{ 7*7 }} {% if x %} {_{ y }_} </w:t>"
    payload = load_sample("directive")
    payload["summary"] = hostile
    payload["sections"][0]["items"][0]["text"] = hostile
    docx = post_json(client, "/api/v1/documents/directive.docx", payload)
    assert docx.status_code == 200, docx.get_data(as_text=True)[:300]
    lines = docx_lines(docx.data)
    assert hostile in lines
    assert f"1. {hostile}" in lines
    pdf = post_json(client, "/api/v1/documents/directive.pdf", payload)
    assert pdf.status_code == 200
    assert " ".join(hostile.split()) in " ".join(" ".join(pdf_pages_text(pdf.data)).split())
