"""The database package every store shares (``service/db``): one migration history, older
databases upgrade in place, and it depends on no store that uses it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

pytest_plugins = ["tests.support.services"]

SERVICE = Path(__file__).resolve().parents[1] / "service"
FIRST_REVISIONS = ["0001", "0002", "0003", "0004", "0005"]  # the history before the move


def _module_name(path: Path) -> str:
    parts = path.relative_to(SERVICE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_module(name: str) -> bool:
    base = SERVICE.parent.joinpath(*name.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def _imports(path: Path) -> set[str]:
    """Every service module ``path`` imports, at the top or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                found.add(sub if _is_module(sub) else node.module)
    return {name for name in found if name.startswith("service")}


def _graph(*packages: str) -> dict[str, set[str]]:
    files = [f for package in packages for f in sorted((SERVICE / package).rglob("*.py"))]
    modules = {_module_name(f): f for f in files}
    return {name: _imports(f) & modules.keys() for name, f in modules.items()}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> list[str] | None:
        if node in path:
            return [*path[path.index(node):], node]
        if node in done:
            return None
        for target in sorted(graph[node]):
            if found := visit(target, [*path, node]):
                return found
        done.add(node)
        return None

    for start in sorted(graph):
        if found := visit(start, []):
            return found
    return None


def test_one_package_holds_engine_models_and_migrations():
    names = {f.relative_to(SERVICE / "db").as_posix() for f in (SERVICE / "db").rglob("*.py")}
    assert {"engine.py", "migrate.py", "base.py", "jobs.py", "auth.py",
            "migrations/env.py"} <= names
    assert not (SERVICE / "jobs" / "migrations").exists()


def test_the_database_imports_no_store_that_uses_it():
    files = sorted((SERVICE / "db").rglob("*.py"))
    assert len(files) > 5
    leaks = {f"{f.relative_to(SERVICE)} → {target}" for f in files
             for target in _imports(f) if not target.startswith("service.db")}
    assert leaks == set()


def test_no_import_cycle_between_the_database_jobs_and_auth():
    assert _cycle(_graph("db", "jobs", "auth")) is None


def test_the_database_and_the_job_store_are_small_modules():
    files = [*(SERVICE / "db").rglob("*.py"), *(SERVICE / "jobs").glob("store*.py"),
             *(SERVICE / "jobs").glob("store/*.py")]
    too_long = {f"{f.relative_to(SERVICE)}: {n} lines" for f in files
                if (n := len(f.read_text(encoding="utf-8").splitlines())) > 400}
    long_functions = {f"{f.relative_to(SERVICE)}: {node.name}" for f in files
                      for node in ast.walk(ast.parse(f.read_text(encoding="utf-8")))
                      if isinstance(node, ast.FunctionDef)
                      and node.end_lineno - node.lineno >= 60}
    assert (too_long, long_functions) == (set(), set())


def test_one_migration_history_with_one_head():
    from alembic.script import ScriptDirectory

    from service import db

    script = ScriptDirectory.from_config(db.alembic_config())
    assert len(script.get_heads()) == 1
    oldest_first = [rev.revision for rev in reversed(list(script.walk_revisions()))]
    assert oldest_first[:len(FIRST_REVISIONS)] == FIRST_REVISIONS
    assert Path(script.dir) == SERVICE / "db" / "migrations"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(request, tmp_path):
    from service.db import database_url

    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/old.sqlite3"
    return database_url({"DATABASE_URL": request.getfixturevalue("postgres_url")})


@pytest.mark.parametrize("start", FIRST_REVISIONS[:-1])
def test_a_database_at_an_older_revision_upgrades_for_both_stores(url, start):
    from alembic.script import ScriptDirectory

    from service import db
    from service.auth.store import AuthStore
    from service.jobs.store import JobStore

    db.upgrade(db.get_engine(url), start)
    assert db.current_revision(db.get_engine(url)) == start
    jobs = JobStore(url)  # the store upgrades on open
    head = ScriptDirectory.from_config(db.alembic_config()).get_current_head()
    assert db.current_revision(jobs.engine) == head
    auth = AuthStore(url)
    auth.create_user("thu.ky", "Mật-khẩu đủ dài 2026", "clerk", "Thư ký")
    assert [u.username for u in auth.list_users()] == ["thu.ky"]


def test_disposing_an_engine_forgets_the_job_contexts_cached_for_it(tmp_path):
    from service import db
    from service.jobs import execute

    settings = {"DATA_DIR": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path}/j.sqlite3"}
    first = execute.context_for(settings)
    assert execute.context_for(settings) is first
    db.dispose_engines(settings["DATABASE_URL"])
    assert execute.context_for(settings) is not first
