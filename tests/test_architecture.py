"""The dependency and code rules are code, run by the test command: the import-linter contracts
of pyproject.toml (layers, no cycles, the core free of Flask/Celery/SQLAlchemy, schemas that
import only the Vietnamese text rules), mypy over the core, and ruff's extended rules (C90
complexity ≤ 10, PT, T20, G, LOG). Each tool is also shown to catch a deliberate violation:
a copy of the project with one planted fault, checked with the project's own configuration.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
LINT_IMPORTS = shutil.which("lint-imports", path=str(BIN)) or shutil.which("lint-imports")
HAS_MYPY = subprocess.run([sys.executable, "-m", "mypy", "--version"], capture_output=True,
                          check=False).returncode == 0


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    return subprocess.run([LINT_IMPORTS, "--config", str(cwd / "pyproject.toml"), "--no-cache"],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def _mypy(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mypy", "--cache-dir", str(cwd / ".mypy_cache"),
                           "--config-file", str(cwd / "pyproject.toml")], cwd=cwd,
                          capture_output=True, text=True, timeout=600)


def _ruff(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache",
                           "--output-format", "concise", "service", "schemas"], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def project_copy(tmp_path_factory) -> Path:
    """The project's Python packages and configuration, copied once per module."""
    root = tmp_path_factory.mktemp("project")
    ignore = shutil.ignore_patterns("__pycache__", "static", "*.pyc")
    for package in ("service", "schemas"):
        shutil.copytree(ROOT / package, root / package, ignore=ignore)
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    return root


@pytest.fixture
def planted(project_copy):
    """Write one fault into the copy (appended to a module, or a new module); undone after."""
    undo: list[tuple[Path, str | None]] = []

    def plant(module: str, text: str) -> Path:
        path = project_copy / module
        undo.append((path, path.read_text(encoding="utf-8") if path.exists() else None))
        before = undo[-1][1] or ""
        path.write_text(before + "\n" + text, encoding="utf-8")
        return project_copy

    yield plant
    for path, text in reversed(undo):
        if text is None:
            path.unlink()
        else:
            path.write_text(text, encoding="utf-8")


# ---------------------------------------------------------------- the project as it is

@pytest.mark.skipif(LINT_IMPORTS is None, reason="import-linter is a test tool")
def test_the_import_contracts_hold():
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


@pytest.mark.skipif(not HAS_MYPY, reason="mypy is a test tool")
def test_mypy_finds_nothing_in_the_core():
    result = _mypy(ROOT)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]


# ---------------------------------------------------------------- each tool catches a fault

@pytest.mark.skipif(LINT_IMPORTS is None, reason="import-linter is a test tool")
@pytest.mark.parametrize(("module", "line", "contracts"), [
    ("service/rendering/__init__.py", "import flask  # noqa\n",
     ["The render core is free of Flask, Celery and SQLAlchemy"]),
    ("schemas/certificate.py", "from service.doctypes import certificate  # noqa\n",
     ["Schemas import nothing of the service but the Vietnamese text rules", "Layers"]),
    ("service/vn/names.py", "from service.kit import layout  # noqa\n", ["Layers"]),
    ("service/db/engine.py", "from service.auth import store  # noqa\n",
     ["The database imports no store"]),
    ("service/doctypes/directive.py", "from service import bulk  # noqa\n", ["Layers"]),
    ("service/jobs/cleanup.py", "from service.api import documents  # noqa\n", ["Layers"]),
    ("service/jobs/files.py", "from service.jobs import execute  # noqa\n",
     ["No cycles between sibling modules"]),
])
def test_a_violation_breaks_its_contract(planted, module, line, contracts):
    """One forbidden import in a copy of the project: the project's own contracts report it."""
    result = _lint_imports(planted(module, line))
    assert result.returncode != 0, result.stdout[-2000:]
    for contract in contracts:
        broken = [row for row in result.stdout.splitlines()
                  if row.startswith(contract) and row.endswith("BROKEN")]
        assert broken, (contract, result.stdout[-3000:])


@pytest.mark.skipif(not HAS_MYPY, reason="mypy is a test tool")
def test_mypy_catches_a_type_error_in_the_core(planted):
    root = planted("service/rendering/__init__.py",
                   "def _planted(doc: RenderedDocument) -> int:\n    return doc.content\n")
    result = _mypy(root)
    assert result.returncode != 0
    assert "service/rendering/__init__.py" in result.stdout, result.stdout[-2000:]
    assert "Incompatible return value type" in result.stdout


@pytest.mark.parametrize(("module", "text", "code"), [
    ("service/bulk.py", "def _planted(a, b, c, d, e, f):\n" + "".join(
        f"    if {v}:\n        return {i}\n" for i, v in enumerate("abcdef" * 2))
     + "    return 0\n", "C901"),
    ("service/registry.py", "def _planted() -> None:\n    print('x')\n", "T201"),
    ("schemas/base.py", "import logging\n\n\ndef _planted(x: str) -> None:\n"
                        "    logging.getLogger(__name__).info(f'{x}')\n", "G004"),
])
def test_ruff_catches_the_extended_rules(planted, module, text, code):
    result = _ruff(planted(module, text))
    assert result.returncode != 0
    found = [row for row in result.stdout.splitlines() if row.startswith(f"{module}:")]
    assert any(code in row for row in found), result.stdout[-2000:]
