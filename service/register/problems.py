"""The register's refusals (and the core's errors) in the one error shape every adapter
speaks, :class:`~service.errors.Problem`, with Vietnamese messages: the API sends them as
problem+json, the CLI prints them. No Flask here."""

from __future__ import annotations

from service.core_errors import CoreError, FieldError, InvalidPayload
from service.errors import Problem, as_problem, validation_problem
from service.register.errors import (
    AlreadyVoided,
    IdempotencyMismatch,
    IssuedNotFound,
    NotIssuable,
    RegisterError,
    StoredFileMissing,
)


def _prefixed(exc: InvalidPayload, prefix: str) -> Problem:
    errors = [FieldError(prefix + e.pointer, e.code, e.message, e.row, e.column)
              for e in exc.errors]
    return validation_problem(errors, exc.detail)


def _not_found(issued_id: str) -> Problem:
    return Problem(404, "issued_not_found", "Không tìm thấy văn bản đã ban hành",
                   f"Sổ đăng ký không có văn bản nào mang mã “{issued_id[:40]}”.")


def _refusal(exc: RegisterError) -> Problem:
    if isinstance(exc, NotIssuable):
        return validation_problem([FieldError(
            "/document_type", "not_issuable",
            "Loại văn bản này không có số riêng nên không vào sổ đăng ký văn bản đi (Bằng "
            "khen, Giấy khen mang số của quyết định khen thưởng).")])
    if isinstance(exc, IdempotencyMismatch):
        return Problem(422, "idempotency_key_reused", "Idempotency-Key đã dùng cho yêu cầu khác",
                       f"Khóa này đã ban hành văn bản {exc.existing.number_symbol} (mã "
                       f"{exc.existing.id}) với nội dung khác. Dùng khóa mới cho văn bản mới.")
    if isinstance(exc, AlreadyVoided):
        return Problem(409, "already_voided", "Văn bản đã bị hủy trước đó",
                       f"Văn bản {exc.existing.number_symbol} đã bị hủy; lý do: "
                       f"{exc.existing.void_reason}.")
    if isinstance(exc, StoredFileMissing):
        return Problem(404, "issued_file_missing", "Không có tệp này",
                       f"Văn bản không có tệp {exc.fmt.upper()} đã lưu.")
    issued_id = exc.issued_id if isinstance(exc, IssuedNotFound) else ""
    return _not_found(issued_id)


def as_register_problem(exc: RegisterError | CoreError, *, payload_pointer: str = "") -> Problem:
    """The register's refusals and the core's errors as problem+json (Vietnamese)."""
    if isinstance(exc, InvalidPayload):
        return _prefixed(exc, payload_pointer)
    if isinstance(exc, CoreError):
        return as_problem(exc)
    return _refusal(exc)
