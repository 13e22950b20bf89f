"""Web sessions: the token a signed-in clerk's cookie carries, with sliding idle expiry
bounded by a maximum age."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from service.auth.credentials import token_digest
from service.auth.principals import UserView, user_view
from service.auth.touches import Toucher
from service.db.auth import User, WebSession
from service.db.base import utcnow

TOUCH_EVERY = timedelta(seconds=60)  # write last-seen/last-used at most this often


class WebSessions:
    """The web-session part of :class:`~service.auth.store.AuthStore`."""

    session_idle: timedelta
    session_max: timedelta

    _toucher: Toucher

    def _read(self) -> Session:
        raise NotImplementedError

    def _write(self) -> Session:
        raise NotImplementedError

    def create_session(self, user: UserView, now: datetime | None = None) -> str:
        """A new session for ``user``; returns the token the cookie carries."""
        now = now or utcnow()
        token = secrets.token_urlsafe(32)
        with self._write() as session, session.begin():
            session.execute(delete(WebSession).where(WebSession.expires_at < now))
            session.add(WebSession(id_hash=token_digest(token), user_id=user.id, created_at=now,
                                   last_seen_at=now,
                                   expires_at=min(now + self.session_idle,
                                                  now + self.session_max)))
        return token

    def resolve_session(self, token: str, now: datetime | None = None) -> UserView | None:
        """The user of a live session (sliding idle expiry, bounded by the maximum age)."""
        if not isinstance(token, str) or not 20 <= len(token) <= 100:
            return None
        now = now or utcnow()
        digest = token_digest(token)
        with self._read() as session:
            row = session.get(WebSession, digest)
            if row is None:
                return None
            user = session.get(User, row.user_id)
            expired = row.expires_at <= now
            created, seen = row.created_at, row.last_seen_at
        if expired or user is None or user.disabled:
            self._toucher.put("session", digest, None)  # delete it, in the background
            return None
        if now - seen >= TOUCH_EVERY:
            self._toucher.put("session", digest, (now, min(now + self.session_idle,
                                                           created + self.session_max)))
        return user_view(user)

    def end_session(self, token: str) -> None:
        if isinstance(token, str) and token:
            with self._write() as session, session.begin():
                session.execute(delete(WebSession).where(WebSession.id_hash == token_digest(token)))
