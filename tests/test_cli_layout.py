"""The command line is a package with one module per command group, each small, and importing
it starts nothing heavy (no Flask, database, renderer or document type is loaded)."""

from __future__ import annotations

import ast
import json
import subprocess
import sys

from tests.conftest import ROOT

CLI = ROOT / "service" / "cli"

GROUPS = {
    "service.cli.documents": {"render", "validate", "types", "schema", "build-templates",
                              "config"},
    "service.cli.batches": {"batch", "batch-template", "worker", "cleanup", "db-upgrade",
                            "db-revision"},
    "service.cli.accounts": {"keys", "users"},
    "service.cli.server": {"serve"},
    "service.cli.register": {"issue"},
    "service.cli.signing": {"sign", "verify"},
    "service.cli.dossier": {"dossier"},
}


def test_every_command_comes_from_its_group_module():
    from service.cli import main

    found: dict[str, set[str]] = {}
    for name, command in main.commands.items():
        module = command.callback.__module__
        found.setdefault(module, set()).add(name)
    assert found == GROUPS


def test_cli_modules_and_functions_stay_small():
    modules = sorted(CLI.glob("*.py"))
    assert {p.stem for p in modules} >= {"__init__", "common", "documents", "batches",
                                         "accounts", "server"}
    for path in modules:
        text = path.read_text(encoding="utf-8")
        assert len(text.splitlines()) <= 400, path
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                assert node.end_lineno - node.lineno + 1 <= 60, f"{path.name}:{node.name}"


def test_cli_functions_are_simple():
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "--select", "C90", "--config",
         "lint.mccabe.max-complexity=10", str(CLI)],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_importing_the_cli_loads_nothing_heavy():
    code = "import json, sys, service.cli; print(json.dumps(sorted(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    loaded = set(json.loads(result.stdout))
    heavy = ("flask", "sqlalchemy", "celery", "weasyprint", "docxtpl", "docx", "marshmallow",
             "schemas", "service.registry", "service.rendering", "service.jobs", "service.auth",
             "service.config")
    assert not {m for m in loaded if m.split(".")[0] in heavy or m.startswith(heavy)}
