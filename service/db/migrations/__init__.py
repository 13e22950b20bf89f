"""Alembic migrations of every store's tables (run by service.db.upgrade)."""
