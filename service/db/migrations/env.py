"""Alembic environment: the migrations of every store run on the connection the caller gives
(``service.db.upgrade``), in its transaction. Autogenerate a new revision with::

    .venv/bin/python -m service db-revision -m "what changed"
"""

from alembic import context

from service.db import (  # noqa: F401  (every store registers its tables)
    auth,
    commendation,
    jobs,
    register,
)
from service.db.base import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - always called through service.db
    raise RuntimeError("run migrations through service.db.upgrade()")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
