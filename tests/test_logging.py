"""Structured logs: one JSON line per request with its id, never the payload's personal data."""

from __future__ import annotations

import json
import logging

from service.logging_setup import JsonFormatter
from tests.conftest import load_sample


def test_request_log_line_has_id_and_no_personal_data(client, caplog):
    payload = load_sample("directive")
    payload["signer"]["name"] = "Trần Thị Bí Mật"
    with caplog.at_level(logging.INFO, logger="thidua.access"):
        response = client.post("/api/v1/documents/directive.docx", json=payload,
                               headers={"X-Request-ID": "req-0123456789"})
    assert response.status_code == 200
    records = [r for r in caplog.records if r.name == "thidua.access"]
    assert len(records) == 1
    line = json.loads(JsonFormatter().format(records[0]))
    assert line["msg"] == "request"
    assert line["status"] == 200
    assert line["route"] == "/api/v1/documents/directive.docx"
    assert line["doc_type"] == "directive"
    assert line["request_id"] == "req-0123456789"
    every = " ".join(JsonFormatter().format(r) for r in caplog.records)
    assert "Bí Mật" not in every
    assert "Nguyễn Mạnh Hùng" not in every


def test_error_bodies_carry_the_request_id(client):
    response = client.get("/nowhere", headers={"X-Request-ID": "abc-123456789"})
    assert response.get_json()["request_id"] == "abc-123456789"
    response = client.get("/nowhere", headers={"X-Request-ID": "bad id <script>"})
    assert response.get_json()["request_id"] != "bad id <script>"
