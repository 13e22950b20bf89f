"""The register over HTTP: the contract of issue 14 (POST/GET /api/v1/issued, the stored
files, void for admins only, exports and the printed register), problem+json in Vietnamese,
and 20 concurrent issue requests through the app on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import threading

import pytest

from tests.support.auth import client_as
from tests.support.register import docx_text, draft, pdf_text, sha256

pytest_plugins = ["tests.support.services"]

ISSUED = "/api/v1/issued"


def issue(client, payload=None, type_id="directive", **headers):
    body = {"document_type": type_id, "payload": payload if payload is not None else draft()}
    return client.post(ISSUED, json=body, headers=headers)


def test_issue_answers_201_with_the_contract_and_a_location(client):
    response = issue(client)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert {"id", "document_type", "number", "symbol", "date", "sha256"} <= set(body)
    assert (body["document_type"], body["number"], body["symbol"], body["date"]) == (
        "directive", 1, "CT-BKHCN", "2026-03-02")
    assert body["number_symbol"] == "01/CT-BKHCN"
    assert set(body["sha256"]) == {"pdf", "docx"}
    assert response.headers["Location"] == f"{ISSUED}/{body['id']}"
    assert client.get(response.headers["Location"]).get_json() == body
    pdf = client.get(f"{ISSUED}/{body['id']}.pdf")
    assert pdf.status_code == 200
    assert pdf.mimetype == "application/pdf"
    assert sha256(pdf.data) == body["sha256"]["pdf"]
    assert "Số: 01/CT-BKHCN" in pdf_text(pdf.data)
    assert "01-CT-BKHCN 2026-03-02.pdf" in pdf.headers["Content-Disposition"]
    docx = client.get(body["files"]["docx"])
    assert sha256(docx.data) == body["sha256"]["docx"]
    assert "Số: 01/CT-BKHCN" in docx_text(docx.data)


def test_a_payload_with_a_number_is_refused_with_a_pointer(client):
    response = issue(client, draft(number=12))
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert [(e["pointer"], e["code"]) for e in response.get_json()["errors"]] == [
        ("/payload/number", "number_assigned_on_issue")]
    invalid = issue(client, draft(summary=""))
    assert invalid.get_json()["errors"][0]["pointer"] == "/payload/summary"
    assert issue(client).get_json()["number"] == 1


@pytest.mark.parametrize(("body", "pointer", "code"), [
    ({"document_type": "nope", "payload": {}}, "/document_type", "unknown_document_type"),
    ({"document_type": "certificate", "payload": {}}, "/document_type", "not_issuable"),
    ({"document_type": "directive"}, "/payload", "invalid_type"),
    ({"document_type": "directive", "payload": {}, "output": "pdf"}, "/output", "unknown_field"),
])
def test_a_bad_envelope_is_422_naming_the_field(client, body, pointer, code):
    response = client.post(ISSUED, json=body)
    assert response.status_code == 422
    assert (pointer, code) in [(e["pointer"], e["code"]) for e in response.get_json()["errors"]]


def test_an_idempotent_retry_returns_the_same_document(client):
    first = issue(client, **{"Idempotency-Key": "abc"})
    again = issue(client, **{"Idempotency-Key": "abc"})
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json()["id"] == first.get_json()["id"]
    other = issue(client, draft(summary="Về việc khác"), **{"Idempotency-Key": "abc"})
    assert other.status_code == 422
    assert other.get_json()["code"] == "idempotency_key_reused"
    assert client.get(ISSUED).get_json()["total"] == 1


def test_only_an_admin_voids_and_a_void_is_final(app, client, admin_client):
    doc = issue(client).get_json()
    refused = client.post(f"{ISSUED}/{doc['id']}/void", json={"reason": "sai"})
    assert refused.status_code == 403
    assert refused.mimetype == "application/problem+json"
    voided = admin_client.post(f"{ISSUED}/{doc['id']}/void", json={"reason": "Sai trích yếu"})
    assert voided.status_code == 200
    assert (voided.get_json()["voided"], voided.get_json()["void_reason"]) == (
        True, "Sai trích yếu")
    again = admin_client.post(f"{ISSUED}/{doc['id']}/void", json={"reason": "lần nữa"})
    assert (again.status_code, again.get_json()["code"]) == (409, "already_voided")
    assert admin_client.post(f"{ISSUED}/{doc['id']}/void", json={}).status_code == 422
    assert admin_client.post(f"{ISSUED}/{'0' * 32}/void",
                             json={"reason": "x"}).status_code == 404
    assert issue(client).get_json()["number"] == 2
    assert client.get(f"{ISSUED}/{doc['id']}.pdf").status_code == 200


def test_every_caller_reads_the_offices_register(app, client):
    doc = issue(client).get_json()
    other = client_as(app, "clerk", "another clerk")
    assert other.get(f"{ISSUED}/{doc['id']}").status_code == 200
    assert other.get(ISSUED).get_json()["total"] == 1


def test_anonymous_callers_get_401(anon_client):
    assert anon_client.get(ISSUED).status_code == 401
    assert anon_client.post(ISSUED, json={}).status_code == 401


def test_unknown_ids_are_404_problems(client):
    for path in (f"{ISSUED}/nope", f"{ISSUED}/{'a' * 32}.pdf", f"{ISSUED}/{'a' * 32}.docx"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.get_json()["code"] == "issued_not_found"


def test_search_filters_and_pages(client):
    for day, summary in (("2025-05-05", "Về công tác thi đua năm 2025"),
                         ("2026-03-02", "Về tăng cường kỷ luật hành chính"),
                         ("2026-03-03", "Về công tác thi đua, khen thưởng năm 2027")):
        assert issue(client, draft(day=day, summary=summary)).status_code == 201
    everything = client.get(ISSUED).get_json()
    assert (everything["total"], everything["limit"], everything["offset"]) == (3, 20, 0)
    assert client.get(f"{ISSUED}?year=2026").get_json()["total"] == 2
    assert client.get(f"{ISSUED}?q=thi dua").get_json()["total"] == 2
    assert client.get(f"{ISSUED}?number=1&year=2025").get_json()["items"][0]["date"] == \
        "2025-05-05"
    page = client.get(f"{ISSUED}?limit=1&offset=1").get_json()
    assert (page["total"], len(page["items"])) == (3, 1)
    bad = client.get(f"{ISSUED}?limit=0&year=abc&voided=maybe").get_json()
    assert {e["pointer"] for e in bad["errors"]} == {"/limit", "/year", "/voided"}


def test_exports_and_the_printed_register(client):
    from openpyxl import load_workbook

    for day in ("2026-03-02", "2026-03-03"):
        issue(client, draft(day=day))
    table = client.get(f"{ISSUED}.csv?year=2026")
    assert table.status_code == 200
    rows = list(csv.reader(io.StringIO(table.data.decode("utf-8-sig"))))
    assert rows[0][0] == "Số, ký hiệu"
    assert [r[0] for r in rows[1:]] == ["01/CT-BKHCN", "02/CT-BKHCN"]
    sheet = load_workbook(io.BytesIO(client.get(f"{ISSUED}.xlsx").data)).active
    assert [c.value for c in sheet["A"]][1:] == ["01/CT-BKHCN", "02/CT-BKHCN"]
    book = client.get(f"{ISSUED}/register.pdf?year=2026")
    assert book.status_code == 200
    text = " ".join(pdf_text(book.data).split())
    assert "SỔ ĐĂNG KÝ VĂN BẢN ĐI" in text
    assert "Từ số 01 đến số 02" in text
    for heading in ("Số, ký hiệu văn bản", "Người ký", "Nơi nhận văn bản", "Ký nhận",
                    "Ghi chú", "(10)"):
        assert heading in text, heading
    assert "02/CT-BKHCN" in text
    assert client.get(f"{ISSUED}/register.pdf?year=1").status_code == 422


def test_the_openapi_document_describes_the_register(client):
    paths = client.get("/api/openapi.json").get_json()["paths"]
    assert {"/api/v1/issued", "/api/v1/issued/{issued_id}", "/api/v1/issued/{issued_id}.pdf",
            "/api/v1/issued/{issued_id}.docx", "/api/v1/issued/{issued_id}/void"} <= set(paths)
    created = paths["/api/v1/issued"]["post"]["responses"]["201"]
    assert "sha256" in str(created) or "$ref" in str(created)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_app(request, tmp_path):
    from service import create_app

    config = {"DATA_DIR": str(tmp_path / "data"), "TESTING": True}
    if request.param == "postgres":
        config["DATABASE_URL"] = request.getfixturevalue("postgres_url")
    return create_app(config)


@pytest.mark.slow
def test_twenty_concurrent_requests_get_twenty_consecutive_numbers(any_app):
    clients = [client_as(any_app, "clerk", f"clerk {n}") for n in range(20)]
    answers: list = []

    def post(client) -> None:
        answers.append(issue(client))

    threads = [threading.Thread(target=post, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    assert [a.status_code for a in answers] == [201] * 20
    assert sorted(a.get_json()["number"] for a in answers) == list(range(1, 21))
    listed = clients[0].get(f"{ISSUED}?limit=100").get_json()
    assert sorted(item["number"] for item in listed["items"]) == list(range(1, 21))
