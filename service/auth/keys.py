"""API keys for systems: ``thd_<id>_<secret>``; only a hash of the secret is stored."""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from service.auth.credentials import KEY_ID, KEY_PREFIX, KEY_SECRET, check_role, token_digest
from service.auth.principals import AuthError, KeyView, key_view
from service.auth.sessions import TOUCH_EVERY
from service.auth.touches import Toucher
from service.db.auth import CLERK, ApiKey
from service.db.base import utcnow


class ApiKeys:
    """The API-key part of :class:`~service.auth.store.AuthStore`."""

    _toucher: Toucher

    def _read(self) -> Session:
        raise NotImplementedError

    def _write(self) -> Session:
        raise NotImplementedError

    def create_key(self, name: str, role: str = CLERK, created_by: str = "") -> tuple[KeyView,
                                                                                      str]:
        """A new key; returns its record and the token, which is shown once and never
        stored."""
        label = name.strip()
        if not 1 <= len(label) <= 100 or not label.isprintable():
            raise AuthError("invalid_key_name", "Tên khóa cần 1–100 ký tự in được.")
        check_role(role)
        key_id = secrets.token_hex(6)
        secret = secrets.token_urlsafe(32)
        key = ApiKey(id=key_id, name=label, role=role, secret_hash=token_digest(secret),
                     created_at=utcnow(), created_by=created_by[:200])
        with self._write() as session, session.begin():
            session.add(key)
        return key_view(key), f"{KEY_PREFIX}_{key_id}_{secret}"

    def list_keys(self, *, include_revoked: bool = True) -> list[KeyView]:
        with self._read() as session:
            query = select(ApiKey).order_by(ApiKey.created_at, ApiKey.id)
            if not include_revoked:
                query = query.where(ApiKey.revoked_at.is_(None))
            return [key_view(k) for k in session.scalars(query)]

    def revoke_key(self, key_id: str) -> bool:
        """Revoke at once; False when there is no such live key."""
        with self._write() as session, session.begin():
            result = session.execute(update(ApiKey).where(
                ApiKey.id == key_id.strip(), ApiKey.revoked_at.is_(None)).values(
                revoked_at=utcnow()))
            return bool(result.rowcount)

    def verify_key(self, token: str, now: datetime | None = None) -> KeyView | None:
        """The live key this token is, or None (malformed, unknown, wrong or revoked)."""
        parts = token.split("_", 2) if isinstance(token, str) else []
        if len(parts) != 3 or parts[0] != KEY_PREFIX or not KEY_ID.match(parts[1]) \
                or not KEY_SECRET.match(parts[2]):
            return None
        now = now or utcnow()
        with self._read() as session:
            key = session.get(ApiKey, parts[1])
            if key is None or key.revoked_at is not None or not hmac.compare_digest(
                    key.secret_hash, token_digest(parts[2])):
                return None
            view = key_view(key)
        if view.last_used_at is None or now - view.last_used_at >= TOUCH_EVERY:
            self._toucher.put("key", view.id, now)
        return view
