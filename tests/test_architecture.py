"""The dependency rules are code: the import-linter contracts in pyproject.toml hold for the
project, and the same contracts catch a violation (a Flask import in the render core, a schema
importing the job store, the database importing a store)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or \
    shutil.which("lint-imports")


def _lint(cwd: Path, config: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    return subprocess.run([LINT_IMPORTS, "--config", str(config), "--no-cache"], cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.skipif(LINT_IMPORTS is None, reason="import-linter is a test tool")
def test_the_import_contracts_hold():
    result = _lint(ROOT, ROOT / "pyproject.toml")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


PACKAGES = ("service", "service/vn", "service/rendering", "service/doctypes", "service/jobs",
            "service/auth", "service/web", "service/db", "service/cli", "schemas")


@pytest.mark.skipif(LINT_IMPORTS is None, reason="import-linter is a test tool")
@pytest.mark.parametrize(("module", "line", "contract"), [
    ("service/rendering/core.py", "import flask\n",
     "The render core is free of Flask, Celery and SQLAlchemy"),
    ("schemas/doc.py", "from service.jobs import store\n",
     "The render core is free of Flask, Celery and SQLAlchemy"),
    ("service/vn/names.py", "from service.rendering import layout\n",
     "The Vietnamese text rules stand alone"),
    ("service/db/engine.py", "from service.auth import store\n",
     "The database imports no store"),
])
def test_a_violation_breaks_its_contract(tmp_path, module, line, contract):
    """A tree shaped like the project, with one forbidden import: the project's own contracts
    (the same pyproject.toml) report that contract broken."""
    for package in PACKAGES:
        (tmp_path / package).mkdir(parents=True, exist_ok=True)
        (tmp_path / package / "__init__.py").write_text("", encoding="utf-8")
    for name in ("app", "jobs/store", "auth/store", "rendering/layout"):
        (tmp_path / "service" / f"{name}.py").write_text("", encoding="utf-8")
    (tmp_path / module).write_text(line, encoding="utf-8")
    result = _lint(tmp_path, ROOT / "pyproject.toml")
    assert result.returncode != 0, result.stdout[-2000:]
    assert f"{contract} BROKEN" in result.stdout, result.stdout[-3000:]
