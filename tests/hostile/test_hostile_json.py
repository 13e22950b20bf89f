"""Hostile JSON: every malformed, oversized, mistyped or sneaky payload gets a 4xx problem
naming what is wrong — never a 500, never a document."""

from __future__ import annotations

import json

import pytest

from tests.conftest import load_sample

URL = "/api/v1/documents/directive.pdf"


def post_raw(client, raw: bytes, content_type: str = "application/json"):
    return client.post(URL, data=raw, content_type=content_type)


def problem(response, status: int | None = None):
    assert 400 <= response.status_code < 500, response.get_data(as_text=True)[:300]
    if status:
        assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    body = response.get_json(force=True)
    assert body["code"]
    assert body["title"]
    assert body["status"] == response.status_code
    return body


def mutate(path: list, value):
    payload = load_sample("directive")
    target = payload
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return payload


WRONG_TYPES = [
    (["summary"], 5), (["summary"], True), (["summary"], None), (["summary"], ["x"]),
    (["summary"], {"a": 1}), (["number"], "07"), (["number"], 7.5), (["number"], True),
    (["number"], -1), (["number"], 0), (["number"], 100000), (["date"], 20261228),
    (["date"], "28/12/2026"), (["date"], "2026-13-01"), (["date"], "2026-02-30"),
    (["date"], "2026-12-28T10:00:00"), (["date"], "1800-01-01"), (["year"], "2027"),
    (["issuer"], "BỘ"), (["issuer", "name"], 1), (["issuer", "abbreviation"], "bkhcn"),
    (["issuer", "abbreviation"], "BK HCN"), (["issuer", "abbreviation"], "BK-HCN"),
    (["signer", "prefix"], "KY."), (["signer", "prefix"], "KT."),
    (["recipients"], "Thủ tướng"), (["recipients"], []), (["recipients", 0], 12),
    (["sections"], []), (["sections", 0, "items"], {"text": "x"}),
    (["sections", 0, "items", 1, "items", 1, "items", 0, "items"], [{"text": "x", "items": []}]),
    (["preamble"], [""]), (["symbol_suffix"], "tđkt"),
]


@pytest.mark.parametrize(("path", "value"), WRONG_TYPES, ids=lambda v: str(v)[:40])
def test_wrong_types_and_values(client, path, value):
    body = problem(client.post(URL, json=mutate(path, value)), 422)
    assert body["errors"], body
    assert all(e["pointer"].startswith("/") and e["code"] and e["message"] for e in body["errors"])


MISSING = [["summary"], ["issuer"], ["issuer", "name"], ["signer"], ["signer", "name"],
           ["recipients"], ["preamble"], ["sections"], ["closing"], ["place"]]


@pytest.mark.parametrize("path", MISSING, ids=lambda p: "/".join(map(str, p)))
def test_missing_fields(client, path):
    body = problem(client.post(URL, json=mutate(path, KeyError)), 422)
    assert {"pointer": "/" + "/".join(path), "code": "required"} in [
        {k: e[k] for k in ("pointer", "code")} for e in body["errors"]]


@pytest.mark.parametrize("path", [["x"], ["issuer", "x"], ["signer", "role"],
                                  ["sections", 0, "x"], ["sections", 0, "items", 0, "x"]],
                         ids=lambda p: "/".join(map(str, p)))
def test_unknown_fields(client, path):
    body = problem(client.post(URL, json=mutate(path, 1)), 422)
    assert body["errors"][0]["code"] == "unknown_field"
    assert body["errors"][0]["pointer"] == "/" + "/".join(map(str, path))


@pytest.mark.parametrize(("path", "size"), [
    (["summary"], 301), (["closing"], 3001), (["signer", "name"], 81), (["place"], 61),
    (["issuer", "name"], 121),
])
def test_huge_strings(client, path, size):
    body = problem(client.post(URL, json=mutate(path, "a" * size)), 422)
    assert body["errors"][0]["code"] == "too_long"


@pytest.mark.parametrize(("path", "count"), [(["recipients"], 41), (["preamble"], 21),
                                             (["sections"], 21)])
def test_huge_arrays(client, path, count):
    item = load_sample("directive")[path[0]][0]
    body = problem(client.post(URL, json=mutate(path, [item] * count)), 422)
    assert body["errors"][0]["code"] == "too_many_items"


@pytest.mark.parametrize(("raw", "code"), [
    (b"[" * 5000, "json_too_deep"),
    (b'{"a":' * 40 + b"1" + b"}" * 40, "json_too_deep"),
    (b'{"summary": "a", "summary": "b"}', "json_duplicate_key"),
    (b'{"number": NaN}', "json_invalid_number"),
    (b'{"number": Infinity}', "json_invalid_number"),
    (b'{"number": -Infinity}', "json_invalid_number"),
    (b'{"number": 1e400}', "json_invalid_number"),
    (b'{"number": 123456789012345678901234567890}', "json_invalid_number"),
    (b'{"summary": "\xc3\x28"}', "json_not_utf8"),
    (b'{"summary": "abc}', "json_malformed"),
    (b"{'summary': 'x'}", "json_malformed"),
    (b'{"summary": "x",}', "json_malformed"),
    (b"\x00\x00\x00{", "json_malformed"),
    (b"   ", "json_empty"),
])
def test_malformed_bodies(client, raw, code):
    assert problem(post_raw(client, raw), 400)["code"] == code


@pytest.mark.parametrize(("value", "code"), [
    ("Về\u0000 công tác", "control_character"), ("Về\u0007 công tác", "control_character"),
    ("Về\u000c công tác", "control_character"), ("Về\n công tác", "control_character"),
    ("Về\u202e công tác", "bidi_control"), ("Về\u2066 công tác", "bidi_control"),
    ("Về\u200b công tác", "invisible_character"), ("Về\ufeff công tác", "invisible_character"),
    ("Về\u00ad công tác", "invisible_character"), ("Về\U000e0041 công tác", "invisible_character"),
    ("Về\ue123 công tác", "invalid_character"), ("Về \ufffd công tác", "invalid_character"),
    ("VÒ c«ng t¸c thi ®ua", "legacy_encoding_tcvn3"),
    ("Veà coâng taùc thi ñua", "legacy_encoding_vni"),
])
def test_invisible_control_and_legacy_text(client, value, code):
    body = problem(client.post(URL, json=mutate(["summary"], value)), 422)
    assert body["errors"] == [{"pointer": "/summary", "code": code,
                               "message": body["errors"][0]["message"]}]


def test_surrogates_in_json_escapes(client):
    raw = json.dumps(load_sample("directive"), ensure_ascii=False).replace(
        '"Hà Nội"', '"\\ud800"').encode()
    assert b"\\ud800" in raw
    body = problem(post_raw(client, raw), 422)
    assert body["errors"][0] == {"pointer": "/place", "code": "invalid_character",
                                 "message": body["errors"][0]["message"]}


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml",
                                          "multipart/form-data; boundary=x",
                                          "application/x-www-form-urlencoded"])
def test_wrong_content_types(client, content_type):
    raw = json.dumps(load_sample("directive")).encode()
    assert problem(post_raw(client, raw, content_type), 415)["code"] == "unsupported_media_type"


def test_non_object_bodies(client):
    for raw in (b"[]", b'"x"', b"1", b"null", b"true"):
        problem(post_raw(client, raw), 422)
