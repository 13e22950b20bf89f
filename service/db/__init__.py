"""The database every store shares: engines (SQLite or PostgreSQL, one ``DATABASE_URL``),
the declarative ``Base``, each store's tables (``jobs``, ``auth``) and the Alembic
migrations of them all. Stores import it as ``from service import db``."""

from service.db.engine import (
    SQLITE_FILE,
    WAIT_S,
    database_url,
    dispose_engines,
    get_engine,
    on_dispose,
    probe,
    redact,
    writer,
)
from service.db.migrate import MIGRATIONS_DIR, alembic_config, current_revision, upgrade

__all__ = ["MIGRATIONS_DIR", "SQLITE_FILE", "WAIT_S", "alembic_config", "current_revision",
           "database_url", "dispose_engines", "get_engine", "on_dispose", "probe", "redact",
           "upgrade", "writer"]
