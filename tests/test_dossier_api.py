"""The dossier and the commendation register over HTTP: ``POST /api/v1/issued/<id>/dossier``
→ 202 with the batch resource, ``"dossier": true`` on issue → 201 with the job's link, the
result ZIP through the batch resource, ``GET /api/v1/commendation-register`` (filters,
pages, a person's history, XLSX and CSV)."""

from __future__ import annotations

import csv
import io
import time
import zipfile

import pytest

from tests.support.auth import client_as
from tests.test_dossier import decision_payload

ISSUED = "/api/v1/issued"
REGISTER = "/api/v1/commendation-register"


@pytest.fixture(autouse=True)
def _stop_the_jobs(app):
    yield
    app.extensions["thidua_jobs"].close()  # its supervisor stops before the test ends


def wait_done(client, url: str, timeout: float = 300) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        body = client.get(url).get_json()
        if body["status"] not in ("queued", "running"):
            return body
        assert time.monotonic() < deadline, body
        time.sleep(0.1)


def test_issue_with_a_dossier_and_the_dossier_route(client):
    body = {"document_type": "commendation_decision", "payload": decision_payload(5),
            "dossier": True}
    response = client.post(ISSUED, json=body)
    assert response.status_code == 201, response.get_json()
    issued = response.get_json()
    job = issued["dossier"]
    assert job["url"] == f"/api/v1/batches/{job['id']}"
    assert response.headers["Link"] == f'<{job["url"]}>; rel="dossier"'
    assert wait_done(client, job["url"])["status"] == "succeeded"
    result = client.get(f"{job['url']}/result")
    assert result.status_code == 200
    assert result.mimetype == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(result.data)).namelist()
    result.close()
    assert len([n for n in names if n.endswith(".pdf")]) == 5 + 2  # singles, merged, decision
    again = client.post(f"{ISSUED}/{issued['id']}/dossier")
    assert again.status_code == 202
    assert again.get_json()["id"] == job["id"]
    assert again.headers["Location"] == job["url"]
    assert again.headers["Idempotent-Replayed"] == "true"


def test_the_dossier_route_refuses_what_is_not_a_decision(client):
    from tests.support.register import draft

    directive = client.post(ISSUED, json={"document_type": "directive", "payload": draft()})
    response = client.post(f"{ISSUED}/{directive.get_json()['id']}/dossier")
    assert response.status_code == 409
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["code"] == "not_a_decision"
    assert client.post(f"{ISSUED}/{'0' * 32}/dossier").status_code == 404
    bad = client.post(ISSUED, json={"document_type": "directive", "payload": draft(),
                                    "dossier": True})
    assert bad.status_code == 422
    assert bad.get_json()["errors"][0]["pointer"] == "/dossier"


def test_the_commendation_register_lists_searches_and_exports(app, client):
    for _ in range(2):
        issued = client.post(ISSUED, json={"document_type": "commendation_decision",
                                           "payload": decision_payload(4), "dossier": True})
        assert issued.status_code == 201, issued.get_json()
    page = client.get(REGISTER, query_string={"limit": 3}).get_json()
    assert page["total"] == 8
    assert len(page["items"]) == 3
    assert [(e["register"], e["number"]) for e in page["items"]] == [
        ("bang_khen", 1), ("bang_khen", 2), ("giay_khen", 1)]
    giay = client.get(REGISTER, query_string={"register": "giay_khen", "limit": 100}).get_json()
    assert [e["number"] for e in giay["items"]] == list(range(1, 7))
    named = client.get(REGISTER, query_string={"name": "nguoi 0001"}).get_json()
    assert named["total"] == 2
    decision = named["items"][0]["decision_number"]
    assert client.get(REGISTER, query_string={"decision": decision}).get_json()["total"] == 4
    assert client.get(REGISTER, query_string={"year": "x"}).status_code == 422
    history = client.get(f"{REGISTER}/history", query_string={
        "name": "Nguyễn Văn Người 0001", "unit": "Trường THPT số 1"}).get_json()
    assert len(history["items"]) == 2
    assert client.get(f"{REGISTER}/history").status_code == 422
    exported = client.get(f"{REGISTER}.csv")
    rows = list(csv.reader(io.StringIO(exported.data.decode("utf-8-sig"))))
    assert rows[0][:2] == ["Sổ", "Số sổ"]
    assert len(rows) == 9
    xlsx = client.get(f"{REGISTER}.xlsx", query_string={"register": "bang_khen"})
    assert xlsx.status_code == 200
    from openpyxl import load_workbook

    assert load_workbook(io.BytesIO(xlsx.data)).active.max_row == 3
    viewer = client_as(app, "clerk")
    assert viewer.get(REGISTER).status_code == 200


def test_a_row_that_makes_no_certificate_leaves_the_decision_issued_and_says_why(client):
    payload = decision_payload(3)
    payload["entries"][1]["name"] = ("Nguyễn Văn " * 12).strip()  # 131: the list takes it
    response = client.post(ISSUED, json={"document_type": "commendation_decision",
                                         "payload": payload, "dossier": True})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["dossier"] is None
    problem = body["dossier_problem"]
    assert problem["status"] == 422
    assert {e["pointer"] for e in problem["errors"]} == {"/payload/entries/1/name"}
    again = client.post(f"{ISSUED}/{body['id']}/dossier")
    assert again.status_code == 422
    assert again.get_json()["errors"][0]["pointer"] == "/payload/entries/1/name"
