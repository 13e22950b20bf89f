"""Fixtures shared by the hostile suites."""

from __future__ import annotations

import pytest


@pytest.fixture
def make_app(tmp_path):
    """Apps with their own limits (closed after the test)."""
    from service import create_app

    made = []

    def make(**overrides):
        app = create_app({"DATA_DIR": str(tmp_path / f"app{len(made)}"), "TESTING": True,
                          **overrides})
        made.append(app)
        return app

    yield make
    for app in made:
        app.extensions["thidua_jobs"].close()
