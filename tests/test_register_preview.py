"""The next-number preview (issue 14, the page's "Ban hành" dialog): the number the next
issue of a sequence would take, read-only — nothing is reserved, nothing is stored."""

from __future__ import annotations

from tests.support.register import draft

ISSUED = "/api/v1/issued"
NEXT = f"{ISSUED}/next-number"


def issue(client, payload=None, type_id="directive"):
    body = {"document_type": type_id, "payload": payload if payload is not None else draft()}
    return client.post(ISSUED, json=body)


def test_a_drafts_preview_is_the_number_the_issue_then_takes(client):
    body = {"document_type": "directive", "payload": draft()}
    first = client.post(NEXT, json=body)
    assert first.status_code == 200, first.get_json()
    assert first.headers["Cache-Control"] == "no-store"
    assert first.get_json() == {
        "number": 1, "number_text": "01", "symbol": "CT-BKHCN", "number_symbol": "01/CT-BKHCN",
        "date": "2026-03-02", "year": 2026, "sequence": "BKHCN", "reserved": False}
    assert client.post(NEXT, json=body).get_json()["number"] == 1  # nothing reserved
    assert client.get(ISSUED).get_json()["total"] == 0             # nothing stored
    issued = issue(client).get_json()
    assert issued["number_symbol"] == "01/CT-BKHCN"
    assert client.post(NEXT, json=body).get_json()["number_symbol"] == "02/CT-BKHCN"


def test_a_sequences_preview_by_type_agency_and_date(client):
    issue(client)
    query = "document_type=directive&agency=BKHCN"
    answer = client.get(f"{NEXT}?{query}&date=2026-05-01").get_json()
    assert (answer["number"], answer["number_text"], answer["year"], answer["symbol"]) == (
        2, "02", 2026, None)
    assert client.get(f"{NEXT}?{query}&date=2027-01-01").get_json()["number"] == 1
    assert client.get(f"{NEXT}?document_type=directive&agency=KHAC&date=2026-05-01"
                      ).get_json()["number"] == 1
    today = client.get(f"{NEXT}?{query}").get_json()
    assert today["date"] is not None


def test_a_preview_refuses_what_the_issue_would_refuse(client):
    numbered = client.post(NEXT, json={"document_type": "directive",
                                       "payload": draft(number=12)})
    assert numbered.status_code == 422
    assert [e["pointer"] for e in numbered.get_json()["errors"]] == ["/payload/number"]
    invalid = client.post(NEXT, json={"document_type": "directive",
                                      "payload": draft(summary="")})
    assert invalid.get_json()["errors"][0]["pointer"] == "/payload/summary"
    certificate = client.get(f"{NEXT}?document_type=certificate&agency=UBND")
    assert (certificate.status_code, certificate.get_json()["errors"][0]["code"]) == (
        422, "not_issuable")
    bad = client.get(f"{NEXT}?document_type=nope&date=2026-13-01").get_json()
    assert {e["pointer"] for e in bad["errors"]} == {"/document_type", "/agency", "/date"}


def test_anonymous_callers_get_401(anon_client):
    assert anon_client.get(f"{NEXT}?document_type=directive&agency=UBND").status_code == 401
    assert anon_client.post(NEXT, json={}).status_code == 401
