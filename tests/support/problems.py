"""The one error shape, checked the same way by every suite that attacks the service."""

from __future__ import annotations

import json

PROBLEM_KEYS = {"type", "status", "code", "title", "detail", "request_id"}


def problem(response, status: int, code: str | None = None) -> dict:
    """A problem+json of ``status`` with every required key, a Vietnamese title and detail,
    Vietnamese messages for its ``errors``, and nothing of our internals."""
    assert response.status_code == status, response.get_data(as_text=True)[:800]
    assert response.mimetype == "application/problem+json"
    body = response.get_json(force=True)
    assert body.keys() >= PROBLEM_KEYS, body
    assert body["status"] == status
    assert body["type"].endswith("/" + body["code"])
    assert body["request_id"] == response.headers["X-Request-ID"]
    assert body["title"], body
    assert not body["detail"].isascii(), body  # Vietnamese, with diacritics
    if code is not None:
        assert body["code"] == code, body
    for error in body.get("errors", []):
        assert error["code"], error
        assert not error["message"].isascii(), error
    text = json.dumps(body)
    assert "Traceback" not in text, body
    assert "/work/" not in text, body
    return body
