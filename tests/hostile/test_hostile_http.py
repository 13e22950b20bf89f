"""Hostile HTTP: bodies past the limits (declared or streamed), absurd forms and headers,
wrong content types and charsets, unknown routes and methods, hostile path ids, bad
Idempotency-Key and Authorization values, forged request ids. Each gets a 4xx
``application/problem+json`` with a stable code and a Vietnamese detail — never a 500."""

from __future__ import annotations

import io
import json
import re
import uuid

import pytest

from tests.conftest import load_sample
from tests.support.auth import authorize, client_as, make_key, store_of
from tests.support.problems import problem

DOCUMENT = "/api/v1/documents/directive.docx"
BATCHES = "/api/v1/batches"
JOB = "0123456789abcdef0123456789abcdef"
HEX32 = re.compile(r"^[0-9a-f]{32}$")


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """One app for the module (these requests change nothing; each test still gets its own
    API key through ``client``), without the rate limit and the failed-authentication limit,
    which would answer 429 long before this many requests (both tested on their own)."""
    from service import create_app

    app = create_app({"DATA_DIR": str(tmp_path_factory.mktemp("hostile-http")),
                      "TESTING": True, "RATE_LIMIT_PER_MINUTE": 0,
                      "AUTH_FAILURES_PER_MINUTE": 0})
    yield app
    app.extensions["thidua_jobs"].close()


def post_form(client, url: str, fields: dict):
    """A multipart POST encoded in memory (the test client would spool a large body to a
    temporary file it never closes)."""
    from werkzeug.test import encode_multipart

    boundary, body = encode_multipart(fields)
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def directive_json() -> bytes:
    return json.dumps(load_sample("directive"), ensure_ascii=False).encode()


def batch_json(n: int = 1) -> dict:
    return {"document_type": "directive", "output": "pdf", "common": load_sample("directive"),
            "items": [{"summary": f"Về phong trào thi đua đợt {i}"} for i in range(n)]}


def streamed(client, url: str, body: bytes, content_type: str):
    """A chunked request with no Content-Length, as gunicorn hands it over (it terminates
    the input stream and says so with ``wsgi.input_terminated``)."""
    return client.post(url, input_stream=io.BytesIO(body), content_type=content_type,
                       headers={"Transfer-Encoding": "chunked"},
                       environ_overrides={"wsgi.input_terminated": True})


# ================================================================ bodies past the limits

def test_a_json_batch_over_max_request_bytes(make_app):
    client = client_as(make_app(MAX_REQUEST_BYTES=50_000))
    body = json.dumps(batch_json(2000), ensure_ascii=False).encode()
    assert len(body) > 50_000
    detail = problem(client.post(BATCHES, data=body, content_type="application/json"), 413,
                     "payload_too_large")["detail"]
    assert "50000" in detail
    assert client.get(BATCHES).get_json() == []


@pytest.mark.parametrize("limits", [{"MAX_DOCUMENT_JSON_BYTES": 20_000},
                                    {"MAX_DOCUMENT_JSON_BYTES": 20_000,
                                     "MAX_REQUEST_BYTES": 20_000}])
def test_a_streamed_document_over_the_limit_is_refused_not_cut(make_app, limits):
    """No Content-Length: the body is counted while read; valid JSON in its first bytes and
    junk after must not be parsed as if the first bytes were the whole request."""
    client = client_as(make_app(**limits))
    body = json.dumps(load_sample("directive"), ensure_ascii=False).encode()
    body += b" " * (20_000 - len(body)) + b"and then this, which is not JSON"
    problem(streamed(client, DOCUMENT, body, "application/json"), 413, "payload_too_large")
    exact = json.dumps(load_sample("directive"), ensure_ascii=False).encode()
    ok = streamed(client, DOCUMENT, exact, "application/json")
    assert ok.status_code == 200, ok.get_data(as_text=True)[:300]


def test_a_document_over_max_document_json_bytes(make_app):
    client = client_as(make_app(MAX_DOCUMENT_JSON_BYTES=20_000))
    payload = load_sample("directive")
    payload["closing"] = "x" * 30_000
    detail = problem(client.post(DOCUMENT, json=payload), 413, "payload_too_large")["detail"]
    assert "20000" in detail


def test_a_document_over_max_request_bytes(make_app):
    client = client_as(make_app(MAX_REQUEST_BYTES=40_000))
    raw = directive_json() + b" " * 60_000
    problem(client.post(DOCUMENT, data=raw, content_type="application/json"), 413,
            "payload_too_large")


def test_a_streamed_document_over_its_limit(make_app):
    client = client_as(make_app(MAX_DOCUMENT_JSON_BYTES=20_000))
    raw = directive_json() + b" " * 60_000
    problem(streamed(client, DOCUMENT, raw, "application/json"), 413, "payload_too_large")


# Werkzeug's multipart parser leaves the temporary file of a part it was streaming unclosed
# when the size limit stops it (CPython closes it when the parser's frame goes; nothing leaks
# past the request, but the interpreter reports the unclosed file).
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_a_streamed_multipart_batch_over_max_request_bytes(make_app):
    import gc

    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart

    client = client_as(make_app(MAX_REQUEST_BYTES=100_000))
    csv = ("Họ và tên;Danh xưng\n" + "Nguyễn Văn An;Ông\n" * 10_000).encode()
    boundary, body = encode_multipart({"document_type": "certificate", "output": "pdf",
                                       "file": FileStorage(io.BytesIO(csv), "ds.csv")})
    problem(streamed(client, BATCHES, body, f"multipart/form-data; boundary={boundary}"), 413,
            "payload_too_large")
    assert client.get(BATCHES).get_json() == []
    gc.collect()  # the parser's unclosed temporary file goes now, inside this test


# A chunked body (no Content-Length, as gunicorn hands it over) past MAX_REQUEST_BYTES used to
# be cut at the limit and parsed as if whole (Werkzeug's stream stops there silently): 400, or a
# job made from a truncated request. It is counted while read now: 413.


def test_a_streamed_json_batch_over_max_request_bytes(make_app):
    client = client_as(make_app(MAX_REQUEST_BYTES=50_000))
    body = json.dumps(batch_json(2000), ensure_ascii=False).encode()
    problem(streamed(client, BATCHES, body, "application/json"), 413, "payload_too_large")


def test_junk_past_max_request_bytes_creates_no_job(make_app, monkeypatch):
    """Not JSON as a whole (text after the object), yet its first 50 000 bytes are."""
    from service.jobs.runner import Supervisor

    monkeypatch.setattr(Supervisor, "start", lambda self: None)  # no workers for this job
    client = client_as(make_app(MAX_REQUEST_BYTES=50_000))
    body = json.dumps(batch_json(), ensure_ascii=False).encode()
    body += b" " * (50_000 - len(body)) + b"and then this, which is not JSON"
    problem(streamed(client, BATCHES, body, "application/json"), 413, "payload_too_large")
    assert client.get(BATCHES).get_json() == []


@pytest.mark.parametrize(("length", "status"), [
    ("abc", 400), ("-5", 400), ("1e3", 400), ("0x10", 400), (" ", 400),
    ("99999999999999999999999", 413),
])
def test_a_nonsense_content_length(client, length, status):
    response = client.post(BATCHES, data=json.dumps(batch_json()).encode(),
                           content_type="application/json",
                           environ_overrides={"CONTENT_LENGTH": length})
    problem(response, status)
    assert client.get(BATCHES).get_json() == []


# ================================================================ forms past the limits

@pytest.mark.parametrize("parts", [201, 1000])
def test_a_form_with_too_many_parts(client, parts):
    form = {f"field{i}": "x" for i in range(parts)}
    body = problem(post_form(client, BATCHES, form), 413, "payload_too_large")
    assert "200 phần" in body["detail"]  # the limit that was hit, not the byte limit


def test_a_huge_form_field(client):
    form = {"document_type": "certificate", "output": "pdf", "common": "x" * (9 * 1024 * 1024)}
    body = problem(post_form(client, BATCHES, form), 413, "payload_too_large")
    assert "Biểu mẫu" in body["detail"]
    assert str(8 * 1024 * 1024) in body["detail"]


def test_a_form_field_over_max_request_bytes(make_app):
    client = client_as(make_app(MAX_REQUEST_BYTES=100_000))
    form = {"document_type": "certificate", "output": "pdf", "common": "x" * 200_000}
    body = problem(post_form(client, BATCHES, form), 413, "payload_too_large")
    assert "100000 byte" in body["detail"]


def test_a_huge_field_name(client):
    response = post_form(client, BATCHES, {"x" * 100_000: "1", "document_type": "certificate"})
    errors = problem(response, 422, "validation_failed")["errors"]
    assert {e["code"] for e in errors} == {"unknown_field", "required"}


@pytest.mark.parametrize("raw", [
    b"garbage without any boundary",
    b"--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nno closing boundary",
    b"--b\r\n\r\n\r\n--b--\r\n",
    b"--b\r\nContent-Disposition: form-data\r\n\r\nno name\r\n--b--\r\n",
    b"--b--\r\n",
], ids=["no-boundary", "unterminated", "no-headers", "no-name", "empty"])
def test_malformed_multipart(client, raw):
    response = client.post(BATCHES, data=raw, content_type="multipart/form-data; boundary=b")
    errors = problem(response, 422, "validation_failed")["errors"]
    assert {"/file", "/document_type", "/output"} <= {e["pointer"] for e in errors}
    assert client.get(BATCHES).get_json() == []


# ================================================================ headers

@pytest.mark.parametrize("headers", [
    {"X-Big": "a" * 1_000_000},
    [(f"X-Header-{i}", "v") for i in range(10_000)],
    {"Cookie": "session=" + "x" * 65_536},
    {"Cookie": "; ".join(f"c{i}=v" for i in range(5_000))},
    {"Accept": ", ".join(f"type/sub{i};q=0.{i % 10}" for i in range(5_000))},
    {"Accept-Language": "vi," * 20_000},
], ids=["1MB-value", "10k-headers", "64KB-cookie", "5k-cookies", "huge-accept",
        "huge-accept-language"])
def test_large_or_many_headers_never_break_the_service(client, headers):
    """Werkzeug's test client lets any size through (a real server stops them first with a
    431); the application itself must just work."""
    response = client.get(BATCHES, headers=headers)
    assert response.status_code == 200
    assert response.get_json() == []


def test_an_absurd_host_header(client):
    problem(client.get(BATCHES, environ_overrides={"HTTP_HOST": "a" * 10_000}), 400,
            "bad_request")


# ================================================================ content types and charsets

@pytest.mark.parametrize("content_type", [
    "text/plain", "application/xml", "text/xml", "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x", "application/octet-stream", "application/jsonp",
    "application/json-seq", "text/json5", ";;;", None,
])
def test_wrong_content_type_for_a_document(client, content_type):
    problem(client.post(DOCUMENT, data=directive_json(), content_type=content_type), 415,
            "unsupported_media_type")


def test_a_real_multipart_form_to_the_document_route(client):
    from werkzeug.datastructures import FileStorage

    form = {"payload": FileStorage(io.BytesIO(directive_json()), "directive.json")}
    problem(post_form(client, DOCUMENT, form), 415, "unsupported_media_type")


@pytest.mark.parametrize("content_type", [
    "text/plain", "application/xml", "application/x-www-form-urlencoded",
    "application/octet-stream", "text/csv", None,
])
def test_wrong_content_type_for_a_batch(client, content_type):
    problem(client.post(BATCHES, data=json.dumps(batch_json()).encode(),
                        content_type=content_type), 415, "unsupported_media_type")
    assert client.get(BATCHES).get_json() == []


def test_a_declared_charset_does_not_change_how_json_is_read(client):
    """JSON is UTF-8 (RFC 8259 §8.1; the media type has no charset parameter): a label
    saying latin-1 on UTF-8 bytes does not turn "Hà Nội" into "HÃ  Ná»™i"."""
    from tests.support.documents import docx_lines

    response = client.post(DOCUMENT, data=directive_json(),
                           content_type="application/json; charset=iso-8859-1")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert load_sample("directive")["summary"] in docx_lines(response.data)


@pytest.mark.parametrize(("charset", "encode"), [
    ("windows-1258", lambda text: text.encode("cp1258", errors="replace")),
    ("utf-16", lambda text: text.encode("utf-16")),
    ("utf-16le", lambda text: text.encode("utf-16-le")),
    ("utf-32", lambda text: text.encode("utf-32")),
    ("iso-8859-1", lambda text: text.encode("latin-1", errors="replace")),
])
def test_json_in_another_charset_is_refused_not_guessed(client, charset, encode):
    raw = encode(json.dumps(load_sample("directive"), ensure_ascii=False))
    problem(client.post(DOCUMENT, data=raw, content_type=f"application/json; charset={charset}"),
            400, "json_not_utf8")


def test_a_batch_in_another_charset_is_refused(client):
    raw = json.dumps(batch_json(), ensure_ascii=False).encode("utf-16")
    problem(client.post(BATCHES, data=raw, content_type="application/json; charset=utf-16"),
            400, "json_not_utf8")
    assert client.get(BATCHES).get_json() == []


# ================================================================ routes and methods

@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("path", [
    "/api/v1/nothing", "/api/v2/documents/directive.pdf", "/api/v1/", "/api/v1/batches/",
    "/nothing", "/api", "/admin", "/.env", "/api/v1/documents", "/wp-login.php",
    "/api/v1/" + "a" * 20_000,
])
def test_unknown_routes(client, method, path):
    response = client.open(path, method=method)
    problem(response, 404, "not_found")


@pytest.mark.parametrize(("path", "code"), [
    ("/api/v1/documents/nothing.pdf", "unknown_document_type"),
    ("/api/v1/documents/directive.xlsx", "format_not_available"),
    ("/api/v1/documents/directive", "format_not_available"),
    ("/api/v1/documents/../../etc/passwd", "unknown_document_type"),
])
def test_unknown_document_types_and_formats(client, path, code):
    problem(client.post(path, data=directive_json(), content_type="application/json"), 404,
            code)


ROUTES = {  # path -> the methods it answers
    "/api/v1/documents/directive.pdf": {"POST", "OPTIONS"},
    BATCHES: {"GET", "HEAD", "POST", "OPTIONS"},
    f"{BATCHES}/{JOB}": {"GET", "HEAD", "OPTIONS"},
    f"{BATCHES}/{JOB}/result": {"GET", "HEAD", "OPTIONS"},
    f"{BATCHES}/{JOB}/cancel": {"POST", "OPTIONS"},
}


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "TRACE", "PROPFIND", "FOO"])
@pytest.mark.parametrize("path", list(ROUTES))
def test_wrong_methods(client, path, method):
    response = client.open(path, method=method)
    body = problem(response, 405, "method_not_allowed")
    allowed = {m.strip() for m in response.headers["Allow"].split(",")}
    assert allowed == ROUTES[path]
    assert all(m in body["detail"] for m in allowed)


@pytest.mark.parametrize("path", ["/api/v1/documents/directive.pdf", f"{BATCHES}/{JOB}/cancel"])
def test_get_on_a_post_route(client, path):
    problem(client.get(path), 405, "method_not_allowed")


def test_head_and_options(client):
    head = client.head(BATCHES)
    assert head.status_code == 200
    assert head.data == b""
    missing = client.head(f"{BATCHES}/{JOB}")
    assert missing.status_code == 404
    assert missing.mimetype == "application/problem+json"
    assert missing.data == b""
    assert client.head("/api/v1/documents/directive.pdf").status_code == 405
    for path, methods in ROUTES.items():
        options = client.options(path)
        assert options.status_code == 200, path
        assert {m.strip() for m in options.headers["Allow"].split(",")} == methods
    problem(client.options("/api/v1/nothing"), 404, "not_found")


def test_options_without_credentials(anon_client):
    problem(anon_client.options(BATCHES), 401, "authentication_required")


# ================================================================ hostile ids in paths

IDS = [
    "..%2f..%2fetc%2fpasswd", "..%2F..%2F..%2Fetc%2Fpasswd", "%2e%2e", "..", "...",
    "%2e%2e%2f%2e%2e%2fjobs.sqlite3", "..%5c..%5cwindows", "a" * 5000, "a%00b", "%00",
    JOB.upper(), JOB + "0", JOB[:-1], "é" * 32, "%C0%AE%C0%AE", "' OR '1'='1",
    "<script>alert(1)</script>", "${jndi:ldap://127.0.0.1:1/x}", "%25%32%65%25%32%65",
    "%ff%fe", "0" * 32,
]


@pytest.mark.parametrize("job_id", IDS, ids=lambda i: i[:30])
@pytest.mark.parametrize(("method", "suffix"), [("GET", ""), ("GET", "/result"),
                                                ("POST", "/cancel")])
def test_hostile_job_ids(client, job_id, method, suffix):
    response = client.open(f"{BATCHES}/{job_id}{suffix}", method=method)
    body = problem(response, 404)
    assert body["code"] in {"batch_not_found", "not_found"}
    assert len(body["detail"]) < 200  # a 5000-character id is not echoed whole
    assert "root:" not in response.get_data(as_text=True)


@pytest.mark.parametrize("type_id", ["..%2f..%2fetc%2fpasswd", "a%00", "x" * 5000, "%ff"],
                         ids=lambda i: i[:20])
def test_hostile_document_type_ids(client, type_id):
    body = problem(client.get(f"/api/v1/document-types/{type_id}"), 404)
    assert body["code"] in {"unknown_document_type", "not_found"}
    assert len(body["detail"]) < 300


@pytest.mark.parametrize("limit", ["0", "101", "-1", "1e3", "x" * 10_000, "9" * 30, " 5", "5 "])
def test_hostile_list_limits(client, limit):
    body = problem(client.get(BATCHES, query_string={"limit": limit}), 422, "validation_failed")
    assert body["errors"][0]["pointer"] == "/limit"


# Unicode digits pass str.isdigit() but not int(): this was a 500.
@pytest.mark.parametrize("limit", ["²", "①"])
def test_unicode_digits_as_a_limit(client, limit):
    problem(client.get(BATCHES, query_string={"limit": limit}), 422, "validation_failed")


# ================================================================ Idempotency-Key

@pytest.mark.parametrize("key", [
    "", " ", '""', "a b", "khóa-tiếng-việt", "x" * 256, "a\tb", "a\x7fb", "\u200b",
    "key\x00nul", "line\r\nX-Injected: 1",
], ids=["empty", "space", "quoted-empty", "inner-space", "non-ascii", "256-chars", "tab", "del",
        "zero-width", "nul", "crlf"])
def test_bad_idempotency_keys(client, key):
    response = client.post(BATCHES, data=json.dumps(batch_json()).encode(),
                           content_type="application/json",
                           environ_overrides={"HTTP_IDEMPOTENCY_KEY": key})
    problem(response, 400, "idempotency_key_invalid")
    assert "X-Injected" not in response.headers
    assert client.get(BATCHES).get_json() == []


def test_a_huge_idempotency_key_is_refused_before_the_body_is_read(client):
    response = client.post(BATCHES, data=b"not even json", content_type="application/json",
                           headers={"Idempotency-Key": "k" * 100_000})
    problem(response, 400, "idempotency_key_invalid")


# ================================================================ Authorization

def _wrong_secret(token: str) -> str:
    prefix, key_id, secret = token.split("_", 2)
    return f"{prefix}_{key_id}_{('B' if secret[0] == 'A' else 'A') + secret[1:]}"


@pytest.mark.parametrize(("make_header", "code"), [
    (lambda token: None, "authentication_required"),
    (lambda token: "", "invalid_credentials"),
    (lambda token: "Basic dXNlcjpwYXNzd29yZA==", "invalid_credentials"),
    (lambda token: "Digest username=x, response=y", "invalid_credentials"),
    (lambda token: "Bearer", "invalid_credentials"),
    (lambda token: "Bearer ", "invalid_credentials"),
    (lambda token: "Bearer \t ", "invalid_credentials"),
    (lambda token: token, "invalid_credentials"),
    (lambda token: f"Bearer\t{token}", "invalid_credentials"),
    (lambda token: f"Token {token}", "invalid_credentials"),
    (lambda token: "Bearer garbage", "invalid_api_key"),
    (lambda token: "Bearer " + "x" * 100_000, "invalid_api_key"),
    (lambda token: "Bearer " + token + "x" * 100_000, "invalid_api_key"),
    (lambda token: f"Bearer {token} {token}", "invalid_api_key"),
    (lambda token: f"Bearer {token[:-1]}", "invalid_api_key"),
    (lambda token: f"Bearer {_wrong_secret(token)}", "invalid_api_key"),
    (lambda token: f"Bearer thd_{'0' * 12}_{'A' * 43}", "invalid_api_key"),
    (lambda token: f"Bearer thd_{'0' * 12}_{'A' * 43}'--", "invalid_api_key"),
    (lambda token: "Bearer thd__", "invalid_api_key"),
    (lambda token: "Bearer khóa-bí-mật", "invalid_api_key"),
    (lambda token: f"Bearer {token}\x00", "invalid_api_key"),
], ids=["missing", "empty", "basic", "digest", "bearer-alone", "bearer-space",
        "bearer-whitespace", "no-scheme", "tab-separated", "other-scheme", "garbage",
        "100k-garbage", "100k-after-a-real-key", "two-keys", "truncated", "wrong-secret",
        "unknown-id", "sql-tail", "empty-parts", "non-ascii", "nul"])
@pytest.mark.parametrize(("method", "path"), [("GET", BATCHES), ("POST", DOCUMENT),
                                              ("POST", BATCHES)])
def test_bad_authorization(app, method, path, make_header, code):
    token = make_key(app)
    header = make_header(token)
    environ = {} if header is None else {"HTTP_AUTHORIZATION": header}
    response = app.test_client().open(path, method=method, data=directive_json(),
                                      content_type="application/json",
                                      environ_overrides=environ)
    problem(response, 401, code)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert token not in response.get_data(as_text=True)


def test_a_revoked_key(app):
    token = make_key(app)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get(BATCHES, headers=headers).status_code == 200
    assert store_of(app).revoke_key(token.split("_")[1])
    response = client.get(BATCHES, headers=headers)
    problem(response, 401, "invalid_api_key")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_the_scheme_is_case_insensitive_and_spaces_are_tolerated(app):
    """RFC 9110 §11.1: the auth scheme is case-insensitive (the control for the cases above)."""
    token = make_key(app)
    for header in (f"bearer {token}", f"BEARER {token}", f"Bearer  {token}  "):
        assert app.test_client().get(BATCHES, headers={"Authorization": header}
                                     ).status_code == 200


# ================================================================ request ids

@pytest.mark.parametrize("request_id", [
    "a" * 10_000, "a" * 65, "short", "ñandú-123456789", "id với dấu-12345678",
    "abcd1234\r\nX-Injected: 1", "abcd1234\nSet-Cookie: sid=evil", "<script>alert(1)</script>",
    "../../../etc/passwd", "abcd 1234 efgh", "abcd1234\x00efgh", "abcd_1234_efgh",
    "${jndi:ldap://127.0.0.1:1/a}",
], ids=["10k", "65", "too-short", "latin-1", "vietnamese", "crlf", "lf-cookie", "script",
        "traversal", "spaces", "nul", "underscore", "jndi"])
def test_a_hostile_request_id_is_replaced(client, request_id):
    response = client.get("/api/v1/nothing", environ_overrides={"HTTP_X_REQUEST_ID": request_id})
    body = problem(response, 404, "not_found")
    assert HEX32.match(response.headers["X-Request-ID"])
    assert body["request_id"] == response.headers["X-Request-ID"] != request_id
    assert "X-Injected" not in response.headers
    assert "Set-Cookie" not in response.headers
    assert request_id not in response.get_data(as_text=True)


def test_a_sane_request_id_is_kept(client):
    request_id = str(uuid.uuid4())
    response = client.get("/api/v1/nothing", headers={"X-Request-ID": request_id})
    assert problem(response, 404)["request_id"] == request_id
    assert response.headers["X-Request-ID"] == request_id


# ---------------------------------------------------------------------------- a locked store


def answered_within(seconds: float, call):
    """``call()``'s response, failing if it takes more than ``seconds`` (hang prevention)."""
    import threading

    box: dict = {}
    worker = threading.Thread(target=lambda: box.setdefault("response", call()), daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), f"no answer within {seconds} s"
    return box["response"]


def hold_lock(app, *, readers_too: bool = False):
    """Another connection holding SQLite's exclusive lock on the job database (``readers_too``:
    in exclusive locking mode, so even reads wait)."""
    import sqlite3
    from pathlib import Path

    holder = sqlite3.connect(Path(app.config["DATA_DIR"]) / "jobs.sqlite3", timeout=5,
                             isolation_level=None)
    if readers_too:
        holder.execute("PRAGMA locking_mode=EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("SELECT count(*) FROM auth_api_keys").fetchall()
    return holder


def test_a_locked_job_database_never_holds_up_an_authenticated_render(make_app):
    app = make_app()
    client = client_as(app)  # a new key: its first use records last_used_at
    holder = hold_lock(app)
    try:
        response = answered_within(10, lambda: client.post(
            DOCUMENT, data=directive_json(), content_type="application/json"))
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        ready = answered_within(10, lambda: client.get("/readyz"))
        body = problem(ready, 503, "not_ready")
        assert [e["code"] for e in body["errors"]] == ["database_unavailable"]
        assert ready.headers["Retry-After"]
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert client.get("/readyz").status_code == 200


def test_an_unreadable_job_database_is_503_with_retry_after_within_seconds(make_app):
    app = make_app()
    client = client_as(app)
    holder = hold_lock(app, readers_too=True)
    try:
        response = answered_within(10, lambda: client.post(
            DOCUMENT, data=directive_json(), content_type="application/json"))
        problem(response, 503, "auth_unavailable")
        assert 1 <= int(response.headers["Retry-After"]) <= 60
        assert answered_within(10, lambda: client.get("/readyz")).status_code == 503
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert client.post(DOCUMENT, data=directive_json(),
                       content_type="application/json").status_code == 200


# ---------------------------------------------------------------------------- failed auth


def test_failed_authentication_is_limited_per_address(make_app):
    """No key, a wrong key or a wrong password: each failure spends the address's budget
    (THIDUA_AUTH_FAILURES_BURST at once, then THIDUA_AUTH_FAILURES_PER_MINUTE); past it,
    429 ``too_many_failures`` with Retry-After, without even checking the credentials. Other
    addresses are not affected."""
    app = make_app(RATE_LIMIT_PER_MINUTE=0, AUTH_FAILURES_BURST=10,
                   AUTH_FAILURES_PER_MINUTE=6)
    wrong = "Bearer thd_000000000000_" + "A" * 43
    attacker = app.test_client()
    attacker.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    statuses = [attacker.get(BATCHES, headers={"Authorization": wrong}).status_code
                for _ in range(15)]
    assert statuses == [401] * 10 + [429] * 5, statuses
    limited = attacker.get(BATCHES)  # no key at all: limited too
    body = problem(limited, 429, "too_many_failures")
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert body["detail"]
    assert attacker.get("/healthz").status_code == 200  # open routes still answer
    valid = authorize(app.test_client(), make_key(app))
    valid.environ_base["REMOTE_ADDR"] = "198.51.100.8"
    assert valid.get(BATCHES).status_code == 200
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "198.51.100.8"
    problem(other.get(BATCHES, headers={"Authorization": wrong}), 401, "invalid_api_key")
    problem(other.get(BATCHES), 401, "authentication_required")


def test_wrong_passwords_spend_the_same_budget(make_app):
    from tests.support.auth import login

    app = make_app(AUTH_FAILURES_BURST=3, AUTH_FAILURES_PER_MINUTE=1, LOGIN_MAX_FAILURES=50)
    store_of(app).create_user("van.thu", "mat-khau-thu-nghiem-2026")
    guesser = app.test_client()
    guesser.environ_base["REMOTE_ADDR"] = "198.51.100.9"
    statuses = [login(guesser, "van.thu", f"doan-mat-khau-{i}").status_code for i in range(5)]
    assert statuses == [401, 401, 401, 429, 429], statuses
    refused = login(guesser, "van.thu", "mat-khau-thu-nghiem-2026")
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
