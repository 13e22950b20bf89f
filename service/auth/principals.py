"""What the auth store hands out and raises: who is asking (:class:`Principal`), read-only
views of users and keys, and the store's errors."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from service.db.auth import ADMIN, ApiKey, User


class AuthError(ValueError):
    """A request to the store that cannot be done; ``code`` is stable, message Vietnamese."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


class LoginFailed(Exception):
    """Wrong user name or password (never says which)."""


class LockedOut(Exception):
    """Too many failed logins; ``retry_after`` seconds until the next try is heard."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Principal:
    """Who is making a request: a signed-in user or an API key."""

    kind: str  # "user" | "key" | "local" (authentication turned off)
    ident: str
    name: str
    role: str

    @property
    def owner(self) -> str:
        """The owner recorded on what this principal creates (batches)."""
        return f"{self.kind}:{self.ident}"

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN


@dataclass(frozen=True)
class UserView:
    id: int
    username: str
    display_name: str
    role: str
    disabled: bool
    failed_logins: int
    locked_until: datetime | None
    created_at: datetime
    last_login_at: datetime | None

    def principal(self) -> Principal:
        return Principal("user", self.username, self.display_name or self.username, self.role)


@dataclass(frozen=True)
class KeyView:
    id: str
    name: str
    role: str
    created_at: datetime
    created_by: str
    last_used_at: datetime | None
    revoked_at: datetime | None

    def principal(self) -> Principal:
        return Principal("key", self.id, self.name, self.role)


def user_view(user: User) -> UserView:
    return UserView(user.id, user.username, user.display_name, user.role, user.disabled,
                    user.failed_logins, user.locked_until, user.created_at, user.last_login_at)


def key_view(key: ApiKey) -> KeyView:
    return KeyView(key.id, key.name, key.role, key.created_at, key.created_by,
                   key.last_used_at, key.revoked_at)
