"""A clerk never sees a code, a file path, a data-format name or an English word (issue 16).

Walks what a clerk reads: every page (rendered HTML, its visible text and its labels), every
form of every type (the JSON Schema the page builds its forms from: titles, descriptions,
the labels of choices) and every error message the schemas produce for invalid payloads.
"""

from __future__ import annotations

import copy
import html as html_lib
import re
from collections.abc import Iterator
from typing import Any

import pytest

from service import registry
from tests.conftest import load_sample as sample

TYPES = list(registry.document_types())

CODE = re.compile(r"\b[A-Za-z0-9]+_[A-Za-z0-9_]+\b")                  # recipient_name, dong_chi
PATH = re.compile(r"\b[\w.-]+/[\w./-]+\.(?:py|toml|json|html|js|css|txt)\b|\bservice/\w")
# (a file's extension, ".csv", is what a clerk sees in the file's name and may stay)
FORMAT = re.compile(r"(?<![.\w])(?:JSON|XLSX|CSV|ISO ?8601|YYYY|data URL|base64|null|true|false)\b",
                    re.IGNORECASE)
# Words a clerk knows that are not Vietnamese syllables: programs, file kinds, units
ALLOWED = {"pdf", "word", "excel", "png", "jpeg", "jpg", "svg", "unicode", "utf", "tcvn3",
           "vni", "windows", "enter", "tab", "shift", "ctrl", "email", "mm", "kb", "mb", "ok",
           "internet", "web", "wifi", "font", "zip", "chromium", "firefox", "usb", "token",
           "pin", "unikey", "javascript"}
# A Vietnamese syllable written without marks: onset, vowels, coda
SYLLABLE = re.compile(r"(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnprstvx])?"
                      r"[aeiouy]{1,3}(?:ch|ng|nh|[cmnpt])?", re.IGNORECASE)


def problems_in(text: str) -> list[str]:
    """What a clerk should not read in ``text``."""
    found = [f"code {m}" for m in CODE.findall(text)]
    found += [f"path {m}" for m in PATH.findall(text)]
    found += [f"format {m}" for m in FORMAT.findall(text)]
    for word in re.findall(r"(?<![\w.-])[A-Za-z]{2,}(?![\w-])", text):
        if word.isupper() or word.lower() in ALLOWED or SYLLABLE.fullmatch(word):
            continue  # abbreviations (UBND, TĐKT), known words, unmarked Vietnamese
        found.append(f"word {word}")
    return found


def test_the_check_itself():
    assert problems_in("Cá nhân phải có danh xưng: Ông, Bà hoặc Đồng chí.") == []
    assert problems_in("Trang chủ — Tải về Word hoặc PDF; Quyết định số 12/QĐ-UBND") == []
    assert problems_in("Giá trị: ong, ba, dong_chi") == ["code dong_chi"]
    assert problems_in("Register start") == ["word Register", "word start"]
    assert problems_in("Ngày theo ISO 8601") == ["format ISO 8601"]
    assert problems_in("(service/data/rewards.toml)") != []


# ------------------------------------------------------------------------------- forms

def _schema_texts(schema: dict[str, Any], where: str = "") -> Iterator[tuple[str, str]]:
    for key in ("title", "description", "x-item_title"):
        if isinstance(schema.get(key), str):
            yield f"{where}:{key}", schema[key]
    if "enum" in schema:
        labels = schema.get("x-enum_titles") or {}
        for code in schema["enum"]:
            label = labels.get(code) if isinstance(labels, dict) else None
            yield f"{where}:enum {code}", label if label is not None else f"(no label) {code}"
    for key, sub in (schema.get("properties") or {}).items():
        yield from _schema_texts(sub, f"{where}/{key}")
    if isinstance(schema.get("items"), dict):
        yield from _schema_texts(schema["items"], f"{where}/*")


@pytest.mark.parametrize("type_id", TYPES)
def test_every_form_speaks_the_clerks_language(type_id):
    from service.jsonschema import document_schema

    doc_type = registry.require(type_id)
    schema = document_schema(doc_type.schema, doc_type.title)
    bad = {where: problems_in(text) for where, text in _schema_texts(schema)
           if where != ":description" and problems_in(text)}  # the root's is not shown
    assert bad == {}


# ------------------------------------------------------------------------------ messages

LEGACY = "Nguyôn V¨n A"  # TCVN3 text typed with the wrong font
WRONG_VALUES = ("x" * 7000, 12, True, [], {}, "zz-not-a-choice", "2026-02-31", "31/02/2026",
                "5/12/35", "./.", "", LEGACY, -5, 10**13, "=SUM(A1)", "ab\u202ecd")


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, (*path, key))
    elif isinstance(value, list) and value:
        yield from _leaves(value[0], (*path, 0))
        yield path
    else:
        yield path


def _set(payload: Any, path: tuple[Any, ...], value: Any) -> Any:
    out = copy.deepcopy(payload)
    target = out
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return out


def _messages(errors: Any) -> Iterator[str]:
    if isinstance(errors, dict):
        for item in errors.values():
            yield from _messages(item)
    elif isinstance(errors, list):
        for item in errors:
            yield from _messages(item)
    elif isinstance(errors, str):
        yield errors


def _schema_messages(doc_type: Any) -> set[str]:
    from marshmallow import ValidationError

    example = sample(doc_type.id)
    payloads = [{}, {"unknown_field": 1}]
    for path in _leaves(example):
        if path:
            payloads += [_set(example, path, value) for value in WRONG_VALUES]
            payloads.append(_set(example, path, None))
    messages: set[str] = set()
    for payload in payloads:
        try:
            doc_type.schema().load(payload)
        except ValidationError as exc:
            messages.update(_messages(exc.messages))
    return messages


@pytest.mark.parametrize("type_id", TYPES)
def test_every_error_message_speaks_the_clerks_language(type_id, monkeypatch):
    doc_type = registry.require(type_id)
    messages = _schema_messages(doc_type)
    assert len(messages) > 10
    bad = {message: problems_in(message) for message in messages if problems_in(message)}
    assert bad == {}


def test_the_messages_named_in_issue_16():
    from marshmallow import ValidationError

    doc_type = registry.require("certificate")
    example = sample("certificate")
    with pytest.raises(ValidationError) as caught:
        doc_type.schema().load({**example, "recipient_kind": "ca_nhan", "honorific": None})
    assert caught.value.messages["honorific"] == [
        "Cá nhân phải có danh xưng: Ông, Bà hoặc Đồng chí (không suy ra từ tên)."]
    with pytest.raises(ValidationError) as caught:
        doc_type.schema().load({**example, "date": "2026-02-31"})
    assert caught.value.messages["date"] == [
        "Không có ngày 31/02/2026; ghi ngày/tháng/năm, ví dụ 05/12/2026."]


# --------------------------------------------------------------------------------- pages

def _visible(page: str) -> str:
    """The text a clerk reads or hears: without scripts and styles, with labels."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    said = re.findall(r'(?:aria-label|title|placeholder|alt)="([^"]*)"', page)
    text = re.sub(r"<[^>]+>", " ", page)
    return html_lib.unescape(" ".join([text, *said]))


def _pages(client) -> list[str]:
    return ["/", "/hang-loat", "/tai-khoan", "/so-dang-ky",
            *(f"/van-ban/{t}" for t in TYPES), *(f"/hang-loat?type={t}" for t in TYPES)]


def test_every_page_speaks_the_clerks_language(app):
    from tests.support.auth import user_client

    client = user_client(app, "clerk")
    bad = {}
    for address in _pages(client):
        response = client.get(address)
        assert response.status_code == 200, address
        found = problems_in(_visible(response.get_data(as_text=True)))
        if found:
            bad[address] = found
    admin = user_client(app, "admin", "quan.tri")
    found = problems_in(_visible(admin.get("/quan-tri").get_data(as_text=True)))
    if found:
        bad["/quan-tri"] = found
    anonymous = app.test_client()
    found = problems_in(_visible(anonymous.get("/dang-nhap").get_data(as_text=True)))
    if found:
        bad["/dang-nhap"] = found
    assert bad == {}


def test_every_message_of_the_page_scripts_speaks_the_clerks_language():
    """The scripts' own texts: every string with a Vietnamese letter is shown to a clerk."""
    from tests.conftest import ROOT

    vietnamese = re.compile(r"[àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợ"
                            r"ùúủũụưừứửữựỳýỷỹỵđ]", re.IGNORECASE)
    bad, checked = {}, 0
    for script in sorted((ROOT / "service" / "web" / "static").glob("*.js")):
        code = re.sub(r"^\s*(//|\*|/\*).*$", "", script.read_text(encoding="utf-8"), flags=re.M)
        for literal in re.findall(r'"((?:[^"\\\n]|\\.)*)"|`([^`]*)`', code):
            text = re.sub(r"\$\{[^}]*\}", "", literal[0] or literal[1])
            checked += bool(vietnamese.search(text))
            if vietnamese.search(text) and problems_in(text):
                bad[f"{script.name}: {text[:80]}"] = problems_in(text)
    assert checked > 100
    assert bad == {}
