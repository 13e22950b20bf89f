"""The rules for user names, passwords and API-key tokens, and their hashing: Argon2id for
passwords, SHA-256 for key secrets and session tokens (random, so no slow hash is needed)."""

from __future__ import annotations

import functools
import hashlib
import re
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from service.auth.principals import AuthError
from service.db.auth import ROLES

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
KEY_PREFIX = "thd"
KEY_ID = re.compile(r"^[0-9a-f]{12}$")
KEY_SECRET = re.compile(r"^[A-Za-z0-9_-]{43}$")
MIN_PASSWORD, MAX_PASSWORD = 10, 256

hasher = PasswordHasher()  # Argon2id, RFC 9106 low-memory profile


@functools.cache
def dummy_hash() -> str:
    """A hash to verify against when the user is unknown (same cost, same timing)."""
    return hasher.hash(secrets.token_urlsafe(16))


def token_digest(secret: str) -> str:
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


def verify(password_hash: str, password: str) -> bool:
    try:
        return hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
