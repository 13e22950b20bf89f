"""Configuration: defaults, THIDUA_* environment, overrides, checked at start-up."""

from __future__ import annotations

import pytest

from service import config


def test_defaults_are_valid():
    settings = config.load(environ={})
    assert settings["PORT"] == 8000
    assert settings["HOST"] == "127.0.0.1"


def test_environment_overrides_defaults():
    settings = config.load(environ={"THIDUA_PORT": "9000", "THIDUA_LOG_LEVEL": "debug"})
    assert settings["PORT"] == 9000


@pytest.mark.parametrize("environ", [
    {"THIDUA_PORT": "http"}, {"THIDUA_PORT": "70000"}, {"THIDUA_MAX_JSON_DEPTH": "1"},
    {"THIDUA_LOG_LEVEL": "LOUD"}, {"THIDUA_TEMPLATES_DIR": "/nonexistent"},
])
def test_bad_values_stop_the_start(environ):
    with pytest.raises(config.ConfigError, match="THIDUA_"):
        config.load(environ=environ)


def test_app_refuses_bad_override(tmp_path):
    from service import create_app

    with pytest.raises(config.ConfigError):
        create_app({"DATA_DIR": str(tmp_path), "PORT": "x"})


def test_every_key_is_documented_in_readme():
    from tests.conftest import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for setting in config.SETTINGS:
        assert f"THIDUA_{setting.name}" in readme
