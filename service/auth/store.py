"""Users, web sessions and API keys in the service database: every read and write.

Framework-free: the Flask guard (:mod:`service.auth.guard`), the CLI and the tests call it.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import logging
import os
import re
import secrets
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service import db
from service.db.auth import ADMIN, CLERK, ROLES, ApiKey, LoginFailure, User, WebSession
from service.db.base import utcnow

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
KEY_PREFIX = "thd"
KEY_ID = re.compile(r"^[0-9a-f]{12}$")
KEY_SECRET = re.compile(r"^[A-Za-z0-9_-]{43}$")
MIN_PASSWORD, MAX_PASSWORD = 10, 256
TOUCH_EVERY = timedelta(seconds=60)  # write last-seen/last-used at most this often
WAIT_S = 3.0  # longest a request waits for the database (a lock, a connection): then 503
MAX_PENDING_TOUCHES = 10_000  # last-use writes waiting; past this, new ones are dropped

log = logging.getLogger("thidua.auth")

_hasher = PasswordHasher()  # Argon2id, RFC 9106 low-memory profile


@functools.cache
def _dummy_hash() -> str:
    """A hash to verify against when the user is unknown (same cost, same timing)."""
    return _hasher.hash(secrets.token_urlsafe(16))


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


def _user_view(user: User) -> UserView:
    return UserView(user.id, user.username, user.display_name, user.role, user.disabled,
                    user.failed_logins, user.locked_until, user.created_at, user.last_login_at)


def _key_view(key: ApiKey) -> KeyView:
    return KeyView(key.id, key.name, key.role, key.created_at, key.created_by,
                   key.last_used_at, key.revoked_at)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def normalise_username(raw: str) -> str:
    return raw.strip().lower()


def check_username(username: str) -> str:
    name = normalise_username(username)
    if not USERNAME.match(name):
        raise AuthError("invalid_username", "Tên đăng nhập dài 2–64 ký tự, chỉ gồm chữ thường "
                        "không dấu, chữ số và . _ - (bắt đầu bằng chữ hoặc số).")
    return name


def check_password(password: str, username: str = "") -> None:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise AuthError("weak_password", f"Mật khẩu cần từ {MIN_PASSWORD} đến {MAX_PASSWORD} "
                        "ký tự.")
    if username and password.strip().lower() == username.lower():
        raise AuthError("weak_password", "Mật khẩu không được trùng tên đăng nhập.")
    if len(set(password)) < 4:
        raise AuthError("weak_password", "Mật khẩu quá đơn giản (quá ít ký tự khác nhau).")


def check_role(role: str) -> str:
    if role not in ROLES:
        raise AuthError("invalid_role", f"Vai trò phải là {' hoặc '.join(ROLES)}.")
    return role


def generate_password() -> str:
    """A random password for a first admin or a reset: 20 characters, easy to type."""
    alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(5)) for _ in range(4))


class _Toucher:
    """Best-effort writes of last use (keys) and last activity (sessions), off the request
    path: a daemon thread writes what requests left; a locked or unreachable database
    costs the record, never a request. Later values for the same row replace earlier ones."""

    def __init__(self, write: Callable[[dict], None]) -> None:
        self._write = write
        self._pending: dict[tuple[str, str], Any] = {}
        self._cond = threading.Condition()
        self._busy = False
        self._thread: threading.Thread | None = None
        self._pid = 0

    def put(self, kind: str, ident: str, value: Any) -> None:
        with self._cond:
            if len(self._pending) >= MAX_PENDING_TOUCHES and (kind, ident) not in self._pending:
                return
            self._pending[(kind, ident)] = value
            if self._thread is None or self._pid != os.getpid() or not self._thread.is_alive():
                self._pid = os.getpid()
                self._thread = threading.Thread(target=self._run, name="thidua-auth-touch",
                                                daemon=True)
                self._thread.start()
            self._cond.notify_all()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._pending:
                    self._cond.wait()
                batch, self._pending, self._busy = self._pending, {}, True
            try:
                self._write(batch)
            except Exception as exc:  # best effort: the next use records it again
                log.warning("last use not recorded: %s", type(exc).__name__)
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until everything put so far has been written (or dropped); tests, the CLI."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._pending and not self._busy, timeout)


class AuthStore:
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
        self._toucher = _Toucher(self._record_touches)
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

    # -- users ----------------------------------------------------------------------------

    def count_users(self) -> int:
        with self._read() as session:
            return session.scalar(select(func.count()).select_from(User)) or 0

    def create_user(self, username: str, password: str, role: str = CLERK,
                    display_name: str = "") -> UserView:
        name = check_username(username)
        check_role(role)
        check_password(password, name)
        now = utcnow()
        user = User(username=name, display_name=display_name.strip()[:200], role=role,
                    password_hash=_hasher.hash(password), disabled=False, failed_logins=0,
                    created_at=now, password_changed_at=now)
        try:
            with self._write() as session, session.begin():
                session.add(user)
        except IntegrityError:
            raise AuthError("user_exists", f"Đã có người dùng “{name}”.") from None
        return _user_view(user)

    def create_first_admin(self, username: str = "admin") -> str | None:
        """When there is no user at all, create an admin with a random password and return
        the password; otherwise None. Two processes racing: one wins, the other gets None."""
        if self.count_users():
            return None
        password = generate_password()
        try:
            self.create_user(username, password, ADMIN, "Quản trị")
        except AuthError:
            return None
        return password

    def get_user(self, username: str) -> UserView | None:
        with self._read() as session:
            user = session.scalar(select(User).where(
                User.username == normalise_username(username)))
            return None if user is None else _user_view(user)

    def list_users(self) -> list[UserView]:
        with self._read() as session:
            return [_user_view(u) for u in session.scalars(select(User).order_by(User.username))]

    def _require(self, session: Session, username: str) -> User:
        user = session.scalar(select(User).where(
            User.username == normalise_username(username)).with_for_update())
        if user is None:
            raise AuthError("user_not_found", f"Không có người dùng “{username[:64]}”.")
        return user

    def set_password(self, username: str, password: str) -> None:
        """New password; every session of the user ends and any lockout is lifted."""
        with self._write() as session, session.begin():
            user = self._require(session, username)
            check_password(password, user.username)
            user.password_hash = _hasher.hash(password)
            user.password_changed_at = utcnow()
            user.failed_logins, user.locked_until = 0, None
            session.execute(delete(WebSession).where(WebSession.user_id == user.id))

    def set_role(self, username: str, role: str) -> None:
        check_role(role)
        with self._write() as session, session.begin():
            user = self._require(session, username)
            if user.role == ADMIN and role != ADMIN:
                self._keep_an_admin(session, user)
            user.role = role

    def set_disabled(self, username: str, disabled: bool) -> None:
        """Disable (every session ends at once) or enable a user."""
        with self._write() as session, session.begin():
            user = self._require(session, username)
            if disabled and user.role == ADMIN:
                self._keep_an_admin(session, user)
            user.disabled = disabled
            if disabled:
                session.execute(delete(WebSession).where(WebSession.user_id == user.id))

    @staticmethod
    def _keep_an_admin(session: Session, user: User) -> None:
        others = session.scalar(select(func.count()).select_from(User).where(
            User.role == ADMIN, User.disabled.is_(False), User.id != user.id)) or 0
        if not others:
            raise AuthError("last_admin", "Không thể bỏ quyền hay khóa quản trị viên cuối "
                            "cùng; hãy tạo quản trị viên khác trước.")

    def unlock(self, username: str) -> None:
        with self._write() as session, session.begin():
            user = self._require(session, username)
            user.failed_logins, user.locked_until = 0, None
            session.execute(delete(LoginFailure).where(LoginFailure.username == user.username))

    def authenticate(self, username: str, password: str, now: datetime | None = None,
                     address: str = "") -> UserView:
        """The user whose name and password these are.

        Failures count per user name and client ``address``: ``max_failures`` in a row lock
        the name for that address only, so a stranger's guesses never lock its owner out.

        :raises LockedOut: too many failures lately from this address (the password is not
            even checked).
        :raises LoginFailed: unknown user, wrong password or disabled account (one error,
            one timing: an unknown name still costs a hash verification).
        """
        now = now or utcnow()
        name = normalise_username(username)
        address = (address or "")[:64]
        if not USERNAME.match(name) or len(password) > MAX_PASSWORD:
            _verify(_dummy_hash(), password[:MAX_PASSWORD])
            raise LoginFailed()
        with self._write() as session, session.begin():
            user = session.scalar(select(User).where(User.username == name).with_for_update())
            if user is None:
                _verify(_dummy_hash(), password)
                raise LoginFailed()
            record = session.get(LoginFailure, (name, address), with_for_update=True)
            if record is not None and record.locked_until is not None \
                    and record.locked_until > now:
                raise LockedOut(max(1, int((record.locked_until - now).total_seconds()) + 1))
            ok = _verify(user.password_hash, password)
            failed = not ok or user.disabled
            if failed:
                self._count_failure(session, user, record, address, now)
            else:
                if record is not None:
                    session.delete(record)
                user.failed_logins = 0
                user.last_login_at = now
                if _hasher.check_needs_rehash(user.password_hash):
                    user.password_hash = _hasher.hash(password)
            view = _user_view(user)
        if failed:
            raise LoginFailed()
        return view

    def _count_failure(self, session: Session, user: User, record: LoginFailure | None,
                       address: str, now: datetime) -> None:
        """One more failure for (user, address); lock the pair at ``max_failures``. The
        user's own columns keep the latest lockout for the admin page."""
        session.execute(delete(LoginFailure).where(  # forget long-quiet addresses
            LoginFailure.updated_at < now - timedelta(seconds=self.lockout_s),
            LoginFailure.username == user.username, LoginFailure.address != address))
        if record is None:
            record = LoginFailure(username=user.username, address=address, failures=0)
            session.add(record)
        elif record.updated_at < now - timedelta(seconds=self.lockout_s):
            record.failures = 0  # failures long ago do not add up
        record.failures += 1
        record.updated_at = now
        user.failed_logins += 1
        if record.failures >= self.max_failures:
            record.locked_until = now + timedelta(seconds=self.lockout_s)
            record.failures = 0
            user.locked_until = record.locked_until

    # -- web sessions ---------------------------------------------------------------------

    def create_session(self, user: UserView, now: datetime | None = None) -> str:
        """A new session for ``user``; returns the token the cookie carries."""
        now = now or utcnow()
        token = secrets.token_urlsafe(32)
        with self._write() as session, session.begin():
            session.execute(delete(WebSession).where(WebSession.expires_at < now))
            session.add(WebSession(id_hash=_digest(token), user_id=user.id, created_at=now,
                                   last_seen_at=now,
                                   expires_at=min(now + self.session_idle,
                                                  now + self.session_max)))
        return token

    def resolve_session(self, token: str, now: datetime | None = None) -> UserView | None:
        """The user of a live session (sliding idle expiry, bounded by the maximum age)."""
        if not isinstance(token, str) or not 20 <= len(token) <= 100:
            return None
        now = now or utcnow()
        digest = _digest(token)
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
        return _user_view(user)

    def end_session(self, token: str) -> None:
        if isinstance(token, str) and token:
            with self._write() as session, session.begin():
                session.execute(delete(WebSession).where(WebSession.id_hash == _digest(token)))

    # -- API keys -------------------------------------------------------------------------

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
        key = ApiKey(id=key_id, name=label, role=role, secret_hash=_digest(secret),
                     created_at=utcnow(), created_by=created_by[:200])
        with self._write() as session, session.begin():
            session.add(key)
        return _key_view(key), f"{KEY_PREFIX}_{key_id}_{secret}"

    def list_keys(self, *, include_revoked: bool = True) -> list[KeyView]:
        with self._read() as session:
            query = select(ApiKey).order_by(ApiKey.created_at, ApiKey.id)
            if not include_revoked:
                query = query.where(ApiKey.revoked_at.is_(None))
            return [_key_view(k) for k in session.scalars(query)]

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
                    key.secret_hash, _digest(parts[2])):
                return None
            view = _key_view(key)
        if view.last_used_at is None or now - view.last_used_at >= TOUCH_EVERY:
            self._toucher.put("key", view.id, now)
        return view

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


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
