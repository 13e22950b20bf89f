"""What the register refuses, none of it HTTP-shaped (the API and the CLI map these).

A payload that does not validate, or carries its own ``number``, is the render core's
:class:`~service.core_errors.InvalidPayload` (422 through ``errors.as_problem``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from service.register.views import IssuedView


class RegisterError(Exception):
    """Base of the register's own refusals."""


class NotIssuable(RegisterError):
    """The type has no number of its own (a certificate carries a decision's): it is not
    entered in the register of outgoing documents."""

    def __init__(self, type_id: str) -> None:
        super().__init__(type_id)
        self.type_id = type_id


class IdempotencyMismatch(RegisterError):
    """The idempotency key already issued a document from another body."""

    def __init__(self, existing: IssuedView) -> None:
        super().__init__(existing.id)
        self.existing = existing


class IssuedNotFound(RegisterError):
    """No issued document has this id."""

    def __init__(self, issued_id: str) -> None:
        super().__init__(issued_id)
        self.issued_id = issued_id


class AlreadyVoided(RegisterError):
    """The document was voided before; a void is never overwritten."""

    def __init__(self, existing: IssuedView) -> None:
        super().__init__(existing.id)
        self.existing = existing


class StoredFileMissing(RegisterError):
    """The type issued no file of this format, or the stored file is gone."""

    def __init__(self, issued_id: str, fmt: str) -> None:
        super().__init__(f"{issued_id}.{fmt}")
        self.issued_id = issued_id
        self.fmt = fmt
