"""Installed versions against the advisory table kept in the repo."""

from __future__ import annotations

import platform
import tomllib
from importlib.metadata import version

import pytest
from packaging.version import Version

from tests.conftest import ROOT

TABLE = tomllib.loads((ROOT / "service" / "data" / "advisories.toml").read_text("utf-8"))


def installed(package: str) -> Version:
    if package == "python":
        return Version(platform.python_version())
    return Version(version(package))


@pytest.mark.parametrize("entry", TABLE["advisory"], ids=lambda e: e["package"])
def test_no_vulnerable_version_installed(entry):
    have = installed(entry["package"])
    if have >= Version(entry["fixed"]):
        return
    mitigation = entry.get("mitigation")
    assert mitigation, (f"{entry['package']} {have} < {entry['fixed']} "
                        f"({', '.join(entry['ids'])}): upgrade it")
    module_name, _, attr = mitigation.rpartition(".")
    module = __import__(module_name, fromlist=[attr])
    assert callable(getattr(module, attr)), f"mitigation {mitigation} is missing"


def test_dependency_floors_are_above_the_fixes():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    floors = {}
    for dep in pyproject["project"]["dependencies"]:
        name, _, floor = dep.partition(">=")
        floors[name.split("[")[0].strip().lower()] = floor.split(",")[0].strip()
    for entry in TABLE["advisory"]:
        if entry["package"] == "python":
            continue
        assert entry["package"] in floors, f"{entry['package']} has no floor in pyproject"
        assert Version(floors[entry["package"]]) >= Version(entry["fixed"]), entry["package"]
