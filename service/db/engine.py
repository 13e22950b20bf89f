"""Database engines shared by every store (jobs, auth).

SQLite (a file under ``DATA_DIR``) by default, PostgreSQL when ``THIDUA_DATABASE_URL`` says
so. SQLite is opened in WAL mode with a busy timeout, and write transactions start with
``BEGIN IMMEDIATE`` so concurrent processes (the service and its workers) queue for the write
lock instead of failing. Migrations: :mod:`service.db.migrate`.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

SQLITE_FILE = "jobs.sqlite3"

WAIT_S = 60.0  # how long the job store's own work waits for a lock (workers, migrations)
_engines: dict[tuple[int, str, float], Engine] = {}
_engines_lock = threading.Lock()
_on_dispose: list[Callable[[str], None]] = []


def database_url(settings) -> str:
    """The effective SQLAlchemy URL: ``DATABASE_URL`` or the SQLite file under DATA_DIR."""
    url = (settings.get("DATABASE_URL") or "").strip()
    if not url:
        return f"sqlite:///{Path(settings['DATA_DIR']).resolve() / SQLITE_FILE}"
    if url.startswith(("postgres://", "postgresql://")):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def redact(url: str) -> str:
    """The URL without its password, for logs and messages."""
    return make_url(url).render_as_string(hide_password=True)


def _sqlite_engine(url: str, wait_s: float) -> Engine:
    parsed = make_url(url)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    # No pool: a connection per transaction costs microseconds with SQLite, and an app that
    # is built and dropped (tests, a reloaded worker) leaves no open file behind.
    engine = create_engine(url, connect_args={"timeout": wait_s}, poolclass=NullPool)

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None  # the driver leaves BEGIN to us (below)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={int(wait_s * 1000)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


def get_engine(url: str, wait_s: float = WAIT_S) -> Engine:
    """One engine per URL and lock wait per process (engines must not cross a fork).

    ``wait_s`` bounds how long a statement waits for a lock (SQLite's busy timeout,
    PostgreSQL's ``lock_timeout``) and, up to 10 s, for a PostgreSQL connection: request
    paths use a few seconds, so a locked or unreachable store answers 503 instead of hanging.
    """
    key = (os.getpid(), url, float(wait_s))
    with _engines_lock:
        engine = _engines.get(key)
        if engine is None:
            if url.startswith("sqlite"):
                engine = _sqlite_engine(url, wait_s)
            else:
                connect_args: dict = {"connect_timeout": max(1, min(10, int(wait_s)))}
                if wait_s < WAIT_S:  # added to the URL's own options (a search_path, …)
                    own = make_url(url).query.get("options", "")
                    own = " ".join(own) if isinstance(own, tuple) else own
                    connect_args["options"] = (f"{own} -c lock_timeout={int(wait_s * 1000)}"
                                               ).strip()
                engine = create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5,
                                       pool_timeout=max(1.0, wait_s),
                                       connect_args=connect_args)
            _engines[key] = engine
        return engine


def writer(engine: Engine) -> Engine:
    """The engine whose transactions take the write lock at once (SQLite); others as is."""
    if engine.dialect.name == "sqlite":
        return engine.execution_options(sqlite_begin="IMMEDIATE")
    return engine


def probe(url: str, wait_s: float) -> bool:
    """True when the store answers a write transaction within ``wait_s`` (readiness)."""
    from sqlalchemy.exc import SQLAlchemyError

    engine = get_engine(url, wait_s)
    try:
        with writer(engine).begin() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except SQLAlchemyError:
        return False


def on_dispose(forget: Callable[[str], None]) -> None:
    """Have ``forget(url)`` called by :func:`dispose_engines` (a user's caches of stores)."""
    if forget not in _on_dispose:
        _on_dispose.append(forget)


def dispose_engines(url: str) -> None:
    """Close this process's engines for ``url`` (before a fork; tests that drop the database)."""
    for forget in list(_on_dispose):
        forget(url)
    with _engines_lock:
        for key in [k for k in _engines if k[1] in (url, database_url({"DATABASE_URL": url}))]:
            _engines.pop(key).dispose()
