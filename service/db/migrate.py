"""The Alembic migrations of every store (``migrations/versions``), run in the caller's
transaction. Every process that opens a store runs ``upgrade`` first; concurrent starts are
serialised (SQLite write lock, PostgreSQL advisory lock)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, text

from service.db.engine import writer

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_ADVISORY_LOCK_KEY = 0x7468696475610006  # "thidua" + issue 6; any constant shared by all


def alembic_config(connection=None):
    import logging

    alembic_log = logging.getLogger("alembic")
    if alembic_log.level == logging.NOTSET:  # its INFO lines say nothing an operator needs
        alembic_log.setLevel(logging.WARNING)
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = connection
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision``; safe to call from many processes at once."""
    from alembic import command

    with writer(engine).begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                         {"key": _ADVISORY_LOCK_KEY})
        command.upgrade(alembic_config(conn), revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
