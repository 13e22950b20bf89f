"""Users, web sessions and API keys in the service database: every read and write.

Framework-free: the Flask guard (:mod:`service.auth.guard`), the CLI and the tests call it.

The store is one class made of its parts: :mod:`~service.auth.users` (accounts),
:mod:`~service.auth.logins` (sign-in, lockout), :mod:`~service.auth.sessions` (web sessions),
:mod:`~service.auth.keys` (API keys); the rules and hashing are in
:mod:`~service.auth.credentials`, what it hands out in :mod:`~service.auth.principals`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from service import db
from service.auth.credentials import (
    KEY_ID,
    KEY_PREFIX,
    KEY_SECRET,
    MAX_PASSWORD,
    MIN_PASSWORD,
    USERNAME,
    check_password,
    check_role,
    check_username,
    generate_password,
    normalise_username,
)
from service.auth.keys import ApiKeys
from service.auth.logins import Logins
from service.auth.principals import (
    AuthError,
    KeyView,
    LockedOut,
    LoginFailed,
    Principal,
    UserView,
)
from service.auth.sessions import TOUCH_EVERY, WebSessions
from service.auth.touches import MAX_PENDING_TOUCHES, Toucher
from service.auth.users import UserAccounts
from service.db.auth import ApiKey, WebSession

__all__ = ["KEY_ID", "KEY_PREFIX", "KEY_SECRET", "MAX_PASSWORD", "MAX_PENDING_TOUCHES",
           "MIN_PASSWORD", "TOUCH_EVERY", "USERNAME", "WAIT_S", "AuthError", "AuthStore",
           "KeyView", "LockedOut", "LoginFailed", "Principal", "UserView", "check_password",
           "check_role", "check_username", "generate_password", "normalise_username"]

WAIT_S = 3.0  # longest a request waits for the database (a lock, a connection): then 503


class AuthStore(UserAccounts, Logins, WebSessions, ApiKeys):
    """Thread-safe; one per process and database URL.

    Requests wait at most ``wait_s`` for the database (SQLite's busy timeout, PostgreSQL's
    connect and lock timeouts): a locked or unreachable store raises SQLAlchemy's
    ``OperationalError`` quickly, which the guard answers with 503. Verifying a key or a
    session only reads; their last use is recorded afterwards by a background thread.
    """

    def __init__(self, url: str, *, migrate: bool = True, max_failures: int = 5,
                 lockout_s: int = 300, session_idle_s: int = 3600,
                 session_max_s: int = 12 * 3600, wait_s: float = WAIT_S) -> None:
        self.url = url
        if migrate:  # migrations may wait for another process's as long as the store does
            db.upgrade(db.get_engine(url))
        self.engine = db.get_engine(url, wait_s)
        self._writer = db.writer(self.engine)
        self._toucher = Toucher(self._record_touches)
        self.max_failures, self.lockout_s = max_failures, lockout_s
        self.session_idle = timedelta(seconds=session_idle_s)
        self.session_max = timedelta(seconds=session_max_s)

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any], *, migrate: bool = True) -> AuthStore:
        """The store of a configuration: its database (``DATABASE_URL`` or the SQLite file in
        ``DATA_DIR``) and its lockout and session settings (defaults for keys not given)."""
        from service.config import SETTINGS_BY_NAME
        from service.db import database_url

        def get(name: str) -> Any:
            return settings.get(name, SETTINGS_BY_NAME[name].default)

        return cls(database_url(settings), migrate=migrate,
                   max_failures=get("LOGIN_MAX_FAILURES"), lockout_s=get("LOGIN_LOCKOUT_S"),
                   session_idle_s=get("SESSION_IDLE_MINUTES") * 60,
                   session_max_s=get("SESSION_MAX_HOURS") * 3600)

    def _read(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    def _write(self) -> Session:
        return Session(self._writer, expire_on_commit=False)

    def _record_touches(self, touches: dict[tuple[str, str], Any]) -> None:
        """Write last uses (the background thread): one short transaction."""
        with self._write() as session, session.begin():
            for (kind, ident), value in touches.items():
                if kind == "key":
                    session.execute(update(ApiKey).where(ApiKey.id == ident).values(
                        last_used_at=value))
                elif value is None:
                    session.execute(delete(WebSession).where(WebSession.id_hash == ident))
                else:
                    session.execute(update(WebSession).where(WebSession.id_hash == ident)
                                    .values(last_seen_at=value[0], expires_at=value[1]))

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait for the background last-use writes made so far (tests, commands)."""
        return self._toucher.flush(timeout)
