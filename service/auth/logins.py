"""Signing in with a user name and password, and the lockout after repeated failures."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from service.auth.credentials import (
    MAX_PASSWORD,
    USERNAME,
    dummy_hash,
    hasher,
    normalise_username,
    verify,
)
from service.auth.principals import LockedOut, LoginFailed, UserView, user_view
from service.db.auth import LoginFailure, User
from service.db.base import utcnow


class Logins:
    """The sign-in part of :class:`~service.auth.store.AuthStore`."""

    max_failures: int
    lockout_s: int

    def _write(self) -> Session:
        raise NotImplementedError

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
            verify(dummy_hash(), password[:MAX_PASSWORD])
            raise LoginFailed()
        with self._write() as session, session.begin():
            user = session.scalar(select(User).where(User.username == name).with_for_update())
            if user is None:
                verify(dummy_hash(), password)
                raise LoginFailed()
            record = session.get(LoginFailure, (name, address), with_for_update=True)
            if record is not None and record.locked_until is not None \
                    and record.locked_until > now:
                raise LockedOut(max(1, int((record.locked_until - now).total_seconds()) + 1))
            ok = verify(user.password_hash, password)
            failed = not ok or user.disabled
            if failed:
                self._count_failure(session, user, record, address, now)
            else:
                if record is not None:
                    session.delete(record)
                user.failed_logins = 0
                user.last_login_at = now
                if hasher.check_needs_rehash(user.password_hash):
                    user.password_hash = hasher.hash(password)
            view = user_view(user)
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
