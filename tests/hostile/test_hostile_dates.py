"""Implausible dates: a certificate signed in 2099, a decision dated after the certificate that
cites it, a legal basis or proposal dated after the decision based on it. Each is refused with
the pointer of the later field. "Today" comes from an injectable clock (schemas.clock), so
these tests do not depend on the day they run."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import load_sample
from tests.support.problems import problem

TODAY = dt.date(2026, 12, 7)


@pytest.fixture(autouse=True)
def frozen_today():
    from schemas import clock

    with clock.frozen(TODAY):
        yield TODAY


def _errors(client, type_id: str, payload: dict) -> list[tuple[str, str]]:
    response = client.post(f"/api/v1/documents/{type_id}.docx", json=payload)
    body = problem(response, 422)
    return [(e["pointer"], e["code"]) for e in body["errors"]]


def _ok(client, type_id: str, payload: dict) -> None:
    response = client.post(f"/api/v1/documents/{type_id}.docx", json=payload)
    assert response.status_code == 200, response.get_data(as_text=True)[:600]


def _certificate(**changes) -> dict:
    return load_sample("certificate") | changes


def test_a_certificate_signed_in_2099_is_refused(client):
    payload = _certificate(date="2099-01-01")
    assert _errors(client, "certificate", payload) == [("/date", "too_far_ahead")]
    message = client.post("/api/v1/documents/certificate.docx",
                          json=payload).get_json()["errors"][0]["message"]
    assert "01/01/2099" in message
    assert "07/12/2027" in message


@pytest.mark.parametrize(("type_id", "field"), [("directive", "date"),
                                                ("emulation_plan", "date"),
                                                ("commendation_decision", "date"),
                                                ("certificate", "decision_date")])
def test_every_signing_date_more_than_a_year_ahead_is_refused(client, type_id, field):
    payload = load_sample(type_id) | {field: "2027-12-08"}
    if type_id == "certificate":
        payload["date"] = "2027-12-08"
    assert ("/" + field, "too_far_ahead") in _errors(client, type_id, payload)


def test_a_year_ahead_is_the_last_date_accepted(client):
    _ok(client, "certificate", _certificate(date="2027-12-07", decision_date="2027-12-07"))


def test_a_year_without_a_date_may_not_lie_beyond_the_window(client):
    payload = load_sample("directive") | {"date": None, "number": None, "year": 2099}
    assert _errors(client, "directive", payload) == [("/year", "too_far_ahead")]
    _ok(client, "directive", payload | {"year": 2027})


def test_the_window_is_a_setting(make_app):
    from schemas import clock
    from tests.support.auth import client_as

    with clock.frozen(TODAY):
        app = make_app(MAX_DATE_AHEAD_DAYS=30)
        client = client_as(app)
        _ok(client, "certificate", _certificate(date="2027-01-06", decision_date="2027-01-06"))
        assert _errors(client, "certificate", _certificate(date="2027-01-07")) == [
            ("/date", "too_far_ahead")]


def test_a_decision_dated_after_the_certificate_citing_it_is_refused(client):
    payload = _certificate(date="2025-12-05", decision_date="2025-12-06")
    response = client.post("/api/v1/documents/certificate.docx", json=payload)
    [error] = problem(response, 422)["errors"]
    assert (error["pointer"], error["code"]) == ("/decision_date", "date_order")
    assert "06/12/2025" in error["message"]
    assert "05/12/2025" in error["message"]


def test_a_legal_basis_dated_after_the_decision_is_refused(client):
    payload = load_sample("commendation_decision")  # dated 2026-12-07
    payload["legal_bases"][3] = ("Căn cứ Biên bản họp Hội đồng Thi đua - Khen thưởng Sở ngày "
                                 "8 tháng 12 năm 2026")
    assert _errors(client, "commendation_decision", payload) == [("/legal_bases/3",
                                                                  "date_order")]
    payload["legal_bases"][3] = "Căn cứ Biên bản họp ngày 07/12/2026"
    _ok(client, "commendation_decision", payload)


def test_a_proposal_dated_after_the_decision_is_refused(client):
    payload = load_sample("commendation_decision")
    payload["proposal"] = ("Theo đề nghị của Chánh Văn phòng Sở tại Tờ trình số 12/TTr-VP ngày "
                           "10/12/2026.")
    assert _errors(client, "commendation_decision", payload) == [("/proposal", "date_order")]


def test_a_decision_with_only_a_year_compares_years(client):
    payload = load_sample("commendation_decision") | {"date": None, "number": None,
                                                      "year": 2026, "compute_rewards": False}
    payload["proposal"] = "Theo đề nghị tại Tờ trình số 12/TTr-VP ngày 10/01/2027."
    assert _errors(client, "commendation_decision", payload) == [("/proposal", "date_order")]


def test_a_plan_citing_a_later_plan_is_refused_but_deadlines_are_not(client):
    payload = load_sample("emulation_plan")  # dated 2026-01-08, with deadlines in 2026
    payload["opening"][0] = ("Thực hiện Kế hoạch số 210/KH-UBND ngày 20 tháng 01 năm 2026 của "
                             "Ủy ban nhân dân tỉnh, Sở xây dựng Kế hoạch như sau:")
    assert _errors(client, "emulation_plan", payload) == [("/opening/0", "date_order")]


def test_a_directive_citing_a_later_document_is_refused(client):
    payload = load_sample("directive")  # dated 2026-12-28
    payload["preamble"][0] = "Thực hiện Chỉ thị số 05/CT-TTg ngày 29/12/2026 của Thủ tướng."
    assert _errors(client, "directive", payload) == [("/preamble/0", "date_order")]


def test_dates_in_an_uploaded_list_are_reported_with_row_and_column(client, monkeypatch, app):
    from service.jobs.runner import Supervisor
    from tests.hostile.test_hostile_uploads import HEADER, refused, upload

    monkeypatch.setattr(Supervisor, "start", lambda self: None)
    monkeypatch.setattr(Supervisor, "wake", lambda self: None)
    raw = (HEADER.rstrip("\n") + ";Ngày QĐ\nNguyễn Văn An;Ông;CV;15/01/2026\n"
           "Trần Văn Bình;Ông;CV;16/01/2026\n").encode()
    body = refused(client, upload(client, raw, "ds.csv"), 422, "validation_failed")
    assert [(e["row"], e["column"], e["code"]) for e in body["errors"]] == [
        (3, "decision_date", "date_order")]
    app.extensions["thidua_jobs"].close()
