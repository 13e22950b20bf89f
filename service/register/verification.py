"""The verification code of an issued document (mã xác minh): what the public page
``/xac-minh/<code>`` and the QR printed on a document point to.

A code is 80 random bits from :mod:`secrets`, written as 16 characters of Crockford's base32
in four groups (``7K3M-Q9TX-2B8R-H4WD``): no I, L, O or U, so it reads aloud and types back
without confusion; :func:`normalize` accepts it in any case, without or with other dashes and
spaces, and reads O as 0 and I/L as 1. A code that cannot be one (wrong length, a letter
outside the alphabet) normalizes to None: the caller answers it exactly as an unknown code.

Other registers (the commendation register's certificates) call :func:`new_code` for their
own rows; :func:`by_code` finds an issued document of this register.
"""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from service.db.register import IssuedDocument
from service.register.views import IssuedView, issued_view

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base32
BITS = 80
LENGTH = BITS // 5          # 16 characters
GROUP = 4
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})


def _grouped(chars: str) -> str:
    return "-".join(chars[i:i + GROUP] for i in range(0, len(chars), GROUP))


def new_code() -> str:
    """A fresh code, ``XXXX-XXXX-XXXX-XXXX`` (80 bits from :func:`secrets.randbits`)."""
    value = secrets.randbits(BITS)
    chars = "".join(ALPHABET[(value >> (5 * i)) & 31] for i in reversed(range(LENGTH)))
    return _grouped(chars)


def normalize(raw: object) -> str | None:
    """The code as stored (upper case, grouped), or None when ``raw`` cannot be a code."""
    if not isinstance(raw, str) or len(raw) > 40:
        return None
    chars = "".join(raw.split()).replace("-", "").upper().translate(_READ_AS)
    if len(chars) != LENGTH or any(c not in ALPHABET for c in chars):
        return None
    return _grouped(chars)


def by_code(engine: Engine, code: object) -> IssuedView | None:
    """The issued document with this code; None for an unknown code and a malformed one
    alike."""
    canonical = normalize(code)
    if canonical is None:
        return None
    with Session(engine) as session:
        row = session.scalar(select(IssuedDocument).where(
            IssuedDocument.verification_code == canonical).limit(1))
        return None if row is None else issued_view(row)
