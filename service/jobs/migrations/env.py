"""Alembic environment: the job store's migrations run on the connection the caller gives
(``service.jobs.db.upgrade``), in its transaction. Autogenerate a new revision with::

    .venv/bin/python -m service db-revision -m "what changed"
"""

from alembic import context

import service.auth.models  # noqa: F401  (registers the auth tables on Base)
from service.jobs.models import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - always called through service.jobs.db
    raise RuntimeError("run migrations through service.jobs.db.upgrade()")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
