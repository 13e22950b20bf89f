"""The UBND signing block (TM. ỦY BAN NHÂN DÂN / KT. CHỦ TỊCH / PHÓ CHỦ TỊCH), the caller's
own line breaks in header, authority and position fields, and the form that offers them."""

from __future__ import annotations

import copy
import io
import re
import unicodedata

import pytest

from service import registry
from service.core_errors import InvalidPayload
from service.registry import Format
from service.rendering import get_renderer, validate
from tests.conftest import ROOT, load_sample
from tests.support.agencies import AGENCIES, plain, split_inside_a_word
from tests.support.documents import docx_lines
from tests.test_header_lines import header_lines

UBND = {"prefix": "TM.", "on_behalf_of": "Ủy ban nhân dân", "deputy_for": "Chủ tịch",
        "position": "Phó Chủ tịch", "name": "Hoàng Nam"}
THREE_LINES = ["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"]
TYPES = ("commendation_decision", "directive", "emulation_plan", "certificate")
SIGNATURE_COLUMN_MM = 104  # 30 mm margin + 45 % of 165 mm (Nơi nhận), less a millimetre


@pytest.fixture(scope="module")
def renderer():
    return get_renderer(ROOT / "doc_templates")


def with_signer(type_id: str, **signer) -> dict:
    payload = copy.deepcopy(load_sample(type_id))
    payload["signer"] = {**UBND, **signer}
    return payload


def problems(type_id: str, payload: dict) -> dict[str, str]:
    with pytest.raises(InvalidPayload) as info:
        validate(registry.get(type_id), payload)
    return {e.pointer: e.code for e in info.value.errors}


def pdf_text_lines(content: bytes, from_mm: float = 0.0) -> list[str]:
    """Every page's lines, read from ``from_mm`` rightwards (the signature column starts at
    104 mm on an A4 portrait page, the certificate's signer box at 152 mm)."""
    import pdfplumber

    lines = []
    with pdfplumber.open(io.BytesIO(content)) as pdf:
        for page in pdf.pages:
            crop = page.crop((from_mm * 72 / 25.4, 0, page.width, page.height))
            lines.extend((crop.extract_text() or "").splitlines())
    return [unicodedata.normalize("NFC", re.sub(r"\s+", " ", line)).strip() for line in lines]


def has_run(lines: list[str], run: list[str]) -> bool:
    """``run`` appears as consecutive whole lines."""
    return any(lines[start:start + len(run)] == run for start in range(len(lines)))


# ---------------------------------------------------------------- the three-line block

@pytest.mark.parametrize("type_id", TYPES)
def test_three_line_ubnd_block_in_both_formats(renderer, type_id):
    doc_type = registry.get(type_id)
    data = validate(doc_type, with_signer(type_id))
    pdf = renderer.render(doc_type, data, Format.PDF).content
    docx = renderer.render(doc_type, data, Format.DOCX).content
    column = pdf_text_lines(pdf, SIGNATURE_COLUMN_MM)
    assert has_run(column, THREE_LINES), column
    assert has_run(docx_lines(docx), THREE_LINES), docx_lines(docx)[-12:]


@pytest.mark.parametrize("type_id", TYPES)
def test_a_deputy_for_a_collective_without_the_kt_line_is_refused(type_id):
    payload = with_signer(type_id)
    del payload["signer"]["deputy_for"]  # TM. ỦY BAN NHÂN DÂN / PHÓ CHỦ TỊCH, as clients send it
    assert problems(type_id, payload) == {"/signer/deputy_for": "required"}


def test_the_refusal_is_a_vietnamese_problem_with_a_pointer(client):
    import json

    payload = with_signer("directive")
    del payload["signer"]["deputy_for"]
    response = client.post("/api/v1/documents/directive.pdf", content_type="application/json",
                           data=json.dumps(payload, ensure_ascii=False).encode())
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    error = next(e for e in response.get_json()["errors"] if e["pointer"] == "/signer/deputy_for")
    assert error["code"] == "required"
    assert "KT. CHỦ TỊCH" in error["message"]
    assert "Cấp phó" in error["message"]


@pytest.mark.parametrize(("signer", "code"), [
    ({"prefix": "KT.", "on_behalf_of": "Chủ tịch"}, "not_allowed"),     # KT. is already there
    ({"prefix": None, "on_behalf_of": None}, "not_allowed"),
    ({"position": "Chủ tịch"}, "inconsistent"),                           # KT. for oneself
])
def test_inconsistent_kt_lines_are_refused(signer, code):
    assert problems("directive", with_signer("directive", **signer)) == {
        "/signer/deputy_for": code}


@pytest.mark.parametrize("signer", [
    {"prefix": "TM.", "on_behalf_of": "Ủy ban nhân dân", "deputy_for": None,
     "position": "Chủ tịch"},                                  # the chair signs himself
    {"prefix": "KT.", "on_behalf_of": "Chủ tịch", "deputy_for": None, "position": "Phó Chủ tịch"},
    {"prefix": "TM.", "on_behalf_of": "Ủy ban nhân dân", "deputy_for": None,
     "position": "Ủy viên"},
])
def test_consistent_blocks_are_accepted(signer):
    validate(registry.get("directive"), with_signer("directive", **signer))


def test_the_certificate_sheet_holds_three_signer_lines():
    from service.doctypes._certificate_layout import layout

    data = validate(registry.get("certificate"), with_signer("certificate"))
    box = next(b for b in layout(data)["boxes"] if b["name"] == "signer")
    assert box["lines"] == THREE_LINES


# ---------------------------------------------------------------- the caller's own breaks

def test_explicit_breaks_in_header_and_position_reach_both_formats(renderer):
    payload = copy.deepcopy(load_sample("directive"))
    payload["issuer"] = {"parent": "Ủy ban nhân dân\ntỉnh Quảng Trị", "name": "Sở Tư pháp\n"
                         "tỉnh Quảng Trị", "abbreviation": "STP"}
    payload["signer"] = {"prefix": "KT.", "on_behalf_of": "Giám đốc", "position":
                         "Phó Giám đốc\nphụ trách Sở", "name": "Hoàng Nam"}
    doc_type = registry.get("directive")
    data = validate(doc_type, payload)
    assert data["issuer"]["name"] == "Sở Tư pháp\ntỉnh Quảng Trị"
    header = ["ỦY BAN NHÂN DÂN", "TỈNH QUẢNG TRỊ", "SỞ TƯ PHÁP", "TỈNH QUẢNG TRỊ"]
    signer = ["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC", "PHỤ TRÁCH SỞ"]
    pdf = renderer.render(doc_type, data, Format.PDF).content
    docx = docx_lines(renderer.render(doc_type, data, Format.DOCX).content)
    assert docx[:len(header)] == header, docx[:6]
    assert header_lines(pdf) == header
    assert has_run(pdf_text_lines(pdf, SIGNATURE_COLUMN_MM), signer)
    assert has_run(docx, signer), docx[-8:]


def test_explicit_break_in_the_certificate_authority():
    from service.doctypes._certificate_layout import layout

    payload = load_sample("certificate")
    payload["authority"] = "Giám đốc\nSở Giáo dục và Đào tạo"
    data = validate(registry.get("certificate"), payload)
    box = next(b for b in layout(data)["boxes"] if b["name"] == "authority")
    assert box["lines"] == ["GIÁM ĐỐC", "SỞ GIÁO DỤC VÀ ĐÀO TẠO"]


@pytest.mark.parametrize(("parent", "name", "head"), AGENCIES, ids=[plain(a[1]) for a in AGENCIES])
def test_certificate_authority_never_breaks_inside_a_word(parent, name, head):
    from service.doctypes._certificate_layout import layout

    payload = load_sample("certificate")
    payload["authority"] = f"{plain(head)} {plain(name)}"
    if parent:
        payload["authority"] += f" {plain(parent)}"
    data = validate(registry.get("certificate"), payload)
    box = next(b for b in layout(data)["boxes"] if b["name"] == "authority")
    annotated = f"{head} {name}" + (f" {parent}" if parent else "")
    assert split_inside_a_word(box["lines"], annotated) is None, box["lines"]


@pytest.mark.parametrize(("text", "code"), [
    ("Sở Tư pháp\n\ntỉnh Quảng Trị", "blank_line"),
    ("Một\nHai\nBa\nBốn", "too_many_lines"),
    ("Sở Tư pháp\rtỉnh Quảng Trị", "control_character"),
])
def test_bad_breaks_are_refused(text, code):
    payload = copy.deepcopy(load_sample("directive"))
    payload["issuer"]["name"] = text
    assert problems("directive", payload) == {"/issuer/name": code}


def test_a_newline_is_still_refused_in_one_line_fields():
    payload = copy.deepcopy(load_sample("directive"))
    payload["signer"]["name"] = "Nguyễn\nVăn An"
    payload["summary"] = "Về công tác\nthi đua"
    assert problems("directive", payload) == {"/signer/name": "control_character",
                                              "/summary": "control_character"}


def test_the_form_offers_a_multi_line_box_for_these_fields():
    from service.jsonschema import schema_to_jsonschema

    doc = schema_to_jsonschema(registry.get("directive").schema)["properties"]
    cert = schema_to_jsonschema(registry.get("certificate").schema)["properties"]
    boxes = [doc["issuer"]["properties"]["name"], doc["issuer"]["properties"]["parent"],
             doc["signer"]["properties"]["position"], doc["signer"]["properties"]["on_behalf_of"],
             cert["authority"]]
    for box in boxes:
        assert box.get("x-multiline") is True, box
        assert "Enter" in box["description"], box
    assert "x-multiline" not in doc["signer"]["properties"]["name"]
    assert "KT. CHỦ TỊCH" in doc["signer"]["properties"]["deputy_for"]["description"]
