"""Alembic migrations of the job store (run by service.jobs.db.upgrade)."""
