"""User accounts: create, list, change password, role or state, unlock."""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.auth.credentials import (
    check_password,
    check_role,
    check_username,
    generate_password,
    hasher,
    normalise_username,
)
from service.auth.principals import AuthError, UserView, user_view
from service.db.auth import ADMIN, CLERK, LoginFailure, User, WebSession
from service.db.base import utcnow


class UserAccounts:
    """The user accounts part of :class:`~service.auth.store.AuthStore`."""

    def _read(self) -> Session:
        raise NotImplementedError

    def _write(self) -> Session:
        raise NotImplementedError

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
                    password_hash=hasher.hash(password), disabled=False, failed_logins=0,
                    created_at=now, password_changed_at=now)
        try:
            with self._write() as session, session.begin():
                session.add(user)
        except IntegrityError:
            raise AuthError("user_exists", f"Đã có người dùng “{name}”.") from None
        return user_view(user)

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
            return None if user is None else user_view(user)

    def list_users(self) -> list[UserView]:
        with self._read() as session:
            return [user_view(u) for u in session.scalars(select(User).order_by(User.username))]

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
            user.password_hash = hasher.hash(password)
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
