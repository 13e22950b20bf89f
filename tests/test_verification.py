"""The verification code of issued documents (issue 15): 80 random bits in Crockford's
base32, stored in the register (migration 0008 gives rows issued before one too), returned by
the API, found by :func:`service.register.verification.by_code`."""

from __future__ import annotations

import re
from datetime import date

import pytest

from service import db, registry
from service.register import RegisterStore
from service.register.verification import ALPHABET, by_code, new_code, normalize
from tests.support.auth import client_as
from tests.support.register import draft, register_settings

pytest_plugins = ["tests.support.services"]

CODE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$")
DIRECTIVE = registry.require("directive")


def test_a_code_is_80_random_bits_in_four_readable_groups():
    codes = {new_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(CODE.match(code) for code in codes)
    assert len(ALPHABET) == 32
    assert not set("ILOU") & set(ALPHABET)
    # every character position is used: 16 × 5 bits = 80 bits
    assert {code[0] for code in codes} == set(ALPHABET)


def test_normalize_reads_a_typed_code_and_refuses_what_cannot_be_one():
    code = new_code()
    assert normalize(code) == code
    assert normalize(code.lower().replace("-", " ")) == code
    assert normalize("o1il-0000-0000-0000") == "0111-0000-0000-0000"
    for bad in ("", "ABCD", "ABCD-EFGH-JKMN-PQRU", code + "0", None, 12, "x" * 100,
                "<script>", "../../etc/passwd"):
        assert normalize(bad) is None


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request, tmp_path):
    url = "" if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    return RegisterStore(register_settings(tmp_path / "data", url),
                         today=lambda: date(2026, 3, 2))


def test_every_issued_document_gets_its_own_code_found_by_it(store):
    first = store.issue(DIRECTIVE, draft(), "key:a")
    second = store.issue(DIRECTIVE, draft(), "key:a")
    assert CODE.match(first.verification_code)
    assert CODE.match(second.verification_code)
    assert first.verification_code != second.verification_code
    assert by_code(store.engine, first.verification_code).id == first.id
    assert by_code(store.engine, first.verification_code.lower()).id == first.id
    assert by_code(store.engine, new_code()) is None
    assert by_code(store.engine, "not a code") is None


def test_rows_issued_before_the_migration_get_a_code(tmp_path):
    settings = register_settings(tmp_path / "data", "")
    engine = db.get_engine(db.database_url(settings))
    db.upgrade(engine, "0006")
    from sqlalchemy import text

    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO issued_documents (id, document_type, scope, year, number, "
            "number_text, symbol, date, summary, summary_key, issuer_name, signer_name, "
            "signer_position, recipients, payload, issued_by, issued_at, idempotency_scope, "
            "request_hash) VALUES ('a1', 'directive', 's', 2026, 1, '01', 'CT-X', "
            "'2026-03-02', 'x', 'x', 'X', 'Y', 'Z', '[]', '{}', 'k', '2026-03-02 00:00:00', "
            "'', 'h')"))
    store = RegisterStore(settings)
    assert CODE.match(store.require("a1").verification_code)


def test_the_api_returns_the_code_on_issue_and_on_read(app):
    client = client_as(app, "clerk")
    response = client.post("/api/v1/issued",
                           json={"document_type": "directive", "payload": draft()})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert CODE.match(body["verification_code"])
    assert client.get(response.headers["Location"]).get_json()["verification_code"] == (
        body["verification_code"])
    listed = client.get("/api/v1/issued").get_json()["items"]
    assert listed[0]["verification_code"] == body["verification_code"]
