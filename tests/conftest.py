"""Shared fixtures: an app on temporary directories, a client, samples, output checks."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"


@pytest.fixture
def app(tmp_path):
    from service import create_app

    app = create_app({"DATA_DIR": str(tmp_path / "data"), "TESTING": True})
    return app


@pytest.fixture
def client(app):
    """A test client authenticated as an API client with the clerk role."""
    from tests.support.auth import client_as

    return client_as(app, "clerk")


@pytest.fixture
def admin_client(app):
    """A test client authenticated with an admin key."""
    from tests.support.auth import client_as

    return client_as(app, "admin", "tests-admin")


@pytest.fixture
def anon_client(app):
    """A test client with no credentials at all."""
    return app.test_client()


def load_sample(type_id: str) -> dict:
    return json.loads((SAMPLES / f"{type_id}.json").read_text(encoding="utf-8"))


@pytest.fixture
def sample():
    return load_sample


class _FailOnWarnings(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(autouse=True)
def no_renderer_warnings():
    """A WeasyPrint warning (missing font, refused asset, CSS error) fails the test."""
    handler = _FailOnWarnings()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)
    messages = [r.getMessage() for r in handler.records]
    assert not messages, f"WeasyPrint warned: {messages[:5]}"
