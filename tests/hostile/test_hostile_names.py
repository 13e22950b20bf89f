"""Names in any script, look-alike letters and formulas: names on these documents are
Vietnamese in Latin script. A name with an emoji, CJK, Arabic or a Cyrillic ``е`` hidden in
``Nguyễn`` is refused with the character and its position; so is a word mixing scripts in any
text; a name that starts like a spreadsheet formula is refused in JSON and in uploaded lists."""

from __future__ import annotations

import pytest

from tests.conftest import load_sample
from tests.support.problems import problem

CYRILLIC_E = "\u0435"  # looks like the Latin e
GREEK_O = "\u03bf"     # looks like the Latin o

NAME_FIELDS = [
    ("directive", ["signer", "name"]),
    ("directive", ["signer", "on_behalf_of"]),
    ("directive", ["issuer", "name"]),
    ("directive", ["issuer", "parent"]),
    ("directive", ["place"]),
    ("emulation_plan", ["issuer", "name"]),
    ("commendation_decision", ["entries", 1, "name"]),
    ("commendation_decision", ["entries", 1, "unit"]),
    ("commendation_decision", ["authority"]),
    ("commendation_decision", ["attachment", "issued_by"]),
    ("certificate", ["recipient_name"]),
    ("certificate", ["unit"]),
    ("certificate", ["authority"]),
    ("certificate", ["signer", "name"]),
]

OTHER_SCRIPTS = [
    ("Nguyễn Văn An 😀", "😀", 15),
    ("王小明", "王", 1),
    ("محمد", "م", 1),
    ("Nguyễn Văn Αn", "Α", 12),  # a Greek capital alpha
    ("Иван Петров", "И", 1),
    ("Tổ ٣", "٣", 4),
]


def _payload(type_id: str, path: list, value: str) -> dict:
    payload = load_sample(type_id)
    target = payload
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return payload


def _errors(client, type_id: str, payload: dict) -> list[dict]:
    response = client.post(f"/api/v1/documents/{type_id}.docx", json=payload)
    return problem(response, 422)["errors"]


def _pointer(path: list) -> str:
    return "/" + "/".join(str(p) for p in path)


@pytest.mark.parametrize(("type_id", "path"), NAME_FIELDS, ids=lambda v: str(v))
def test_a_look_alike_cyrillic_letter_in_a_name_is_named_with_its_position(client, type_id,
                                                                           path):
    value = f"Nguy{CYRILLIC_E}̃n Văn An"
    [error] = _errors(client, type_id, _payload(type_id, path, value))
    assert (error["pointer"], error["code"]) == (_pointer(path), "mixed_script")
    assert f"“{CYRILLIC_E}”" in error["message"]
    assert "chữ Kirin" in error["message"]
    assert "vị trí 5" in error["message"]


@pytest.mark.parametrize(("value", "char", "position"), OTHER_SCRIPTS,
                         ids=["emoji", "cjk", "arabic", "greek-in-latin-name", "cyrillic",
                              "arabic-digit"])
@pytest.mark.parametrize(("type_id", "path"), NAME_FIELDS[::3], ids=lambda v: str(v))
def test_other_scripts_emoji_and_digits_in_names_are_refused(client, type_id, path, value,
                                                             char, position):
    [error] = _errors(client, type_id, _payload(type_id, path, value))
    assert error["pointer"] == _pointer(path)
    assert error["code"] in ("script_not_allowed", "mixed_script")
    assert f"“{char}”" in error["message"]
    assert f"vị trí {position}" in error["message"]


def test_a_word_mixing_scripts_is_refused_in_body_text_too(client):
    payload = load_sample("directive")
    payload["sections"][0]["items"][0]["text"] = f"Phát động phong trà{GREEK_O} thi đua"
    [error] = _errors(client, "directive", payload)
    assert (error["pointer"], error["code"]) == ("/sections/0/items/0/text", "mixed_script")
    assert f"“{GREEK_O}”" in error["message"]
    assert "chữ Hy Lạp" in error["message"]


def test_body_text_may_hold_greek_symbols_and_foreign_words(client):
    payload = load_sample("directive")
    text = "Hệ số α = 0,5 và β; khẩu hiệu 東京 và Москва giữ nguyên như bản gốc."
    payload["sections"][0]["items"][0]["text"] = text
    response = client.post("/api/v1/documents/directive.docx", json=payload)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    from tests.support.documents import docx_lines

    assert f"1. {text}" in docx_lines(response.data)


def test_vietnamese_and_foreign_latin_names_are_accepted(client):
    payload = load_sample("certificate")
    payload["recipient_name"] = "Nguyễn Thị Ngọc Ánh - Müller - Y Bhă Niêʼ (Tổ 3)"
    response = client.post("/api/v1/documents/certificate.docx", json=payload)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]


FORMULAS = ['=HYPERLINK("http://127.0.0.1:1/?x="&A1,"Bấm")', "+1+1", "@SUM(A1)", "-2+3",
            "＝1+1", " =1+1"]


@pytest.mark.parametrize("value", FORMULAS)
@pytest.mark.parametrize(("type_id", "path"), [("certificate", ["recipient_name"]),
                                               ("commendation_decision", ["entries", 0, "name"]),
                                               ("directive", ["signer", "name"])],
                         ids=lambda v: str(v))
def test_formula_like_names_are_refused(client, type_id, path, value):
    [error] = _errors(client, type_id, _payload(type_id, path, value))
    assert (error["pointer"], error["code"]) == (_pointer(path), "formula_like")
    assert f"“{value.strip()[0]}”" in error["message"]


def test_formula_like_text_outside_names_stays_literal(client):
    payload = load_sample("certificate")
    payload["position"] = "=1+1"
    response = client.post("/api/v1/documents/certificate.docx", json=payload)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]


def test_names_in_an_uploaded_list_are_checked_with_row_and_column(client, app, monkeypatch):
    from service.jobs.runner import Supervisor
    from tests.hostile.test_hostile_uploads import HEADER, refused, upload

    monkeypatch.setattr(Supervisor, "start", lambda self: None)
    monkeypatch.setattr(Supervisor, "wake", lambda self: None)
    rows = (f"Nguyễn Văn An;Ông;CV\nNguy{CYRILLIC_E}n Văn Bình;Ông;CV\n"
            "Trần Thị Cúc;Bà;Chuyên viên α\n李小龍;Ông;CV\n")
    body = refused(client, upload(client, (HEADER + rows).encode(), "ds.csv"), 422,
                   "validation_failed")
    assert [(e["row"], e["column"], e["code"]) for e in body["errors"]] == [
        (3, "recipient_name", "mixed_script"), (5, "recipient_name", "script_not_allowed")]
    app.extensions["thidua_jobs"].close()
