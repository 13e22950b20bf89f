"""One error shape for everything: RFC 9457 ``application/problem+json``.

Every error the service returns on purpose is a :class:`Problem`: an HTTP status, a stable
machine ``code``, a Vietnamese ``title``/``detail`` and, for validation failures, ``errors``
— a list of ``{pointer, code, message}`` (or ``{row, column, code, message}`` for spreadsheet
rows). This module has no Flask import: the HTTP adapter (``service.http_errors``) and the CLI
both turn a Problem into their medium.
"""

from __future__ import annotations

import errno
from dataclasses import dataclass, field
from typing import Any

from service.core_errors import (
    BatchTooLarge,
    CoreError,
    FieldError,
    FormatNotAvailable,
    InvalidPayload,
    RenderBusy,
    RenderError,
    UnknownDocumentType,
    escape_pointer_token,
    flatten_messages,
    pointer,
)

__all__ = ["PROBLEM_MIMETYPE", "FieldError", "Problem", "RenderError", "as_problem",
           "escape_pointer_token", "flatten_messages", "pointer", "validation_problem"]

PROBLEM_MIMETYPE = "application/problem+json"


@dataclass
class Problem(Exception):
    """An error meant for the client: safe to show, never a stack trace or a path."""

    status: int
    code: str
    title: str
    detail: str = ""
    errors: list[FieldError] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)  # extension members of the body

    def __str__(self) -> str:
        lines = [f"{self.title}" + (f": {self.detail}" if self.detail else "")]
        for err in self.errors:
            where = err.pointer or "/"
            if err.row is not None:
                where = f"dòng {err.row}" + (f", cột {err.column}" if err.column else "")
            lines.append(f"  {where}: {err.message} [{err.code}]")
        return "\n".join(lines)

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": f"https://thidua.invalid/problems/{self.code}",
            "status": self.status,
            "code": self.code,
            "title": self.title,
        }
        if self.detail:
            body["detail"] = self.detail
        if self.errors:
            body["errors"] = [e.as_dict() for e in self.errors]
        for key, value in self.extra.items():
            body.setdefault(key, value)
        return body


def validation_problem(errors: list[FieldError], detail: str | None = None) -> Problem:
    """The 422 every validation failure becomes."""
    return Problem(
        status=422,
        code="validation_failed",
        title="Dữ liệu không hợp lệ",
        detail=detail or f"Có {len(errors)} lỗi trong dữ liệu gửi lên; xem danh sách errors.",
        errors=errors,
    )


STORAGE_FULL = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})


def is_storage_full(exc: BaseException) -> bool:
    """A write failed because the disk (or the quota) is full."""
    return isinstance(exc, OSError) and exc.errno in STORAGE_FULL


def disk_full_problem(detail: str | None = None) -> Problem:
    """507 ``disk_full``: nothing was created; retrying later may work once space is freed."""
    problem = Problem(507, "disk_full", "Hết dung lượng lưu trữ", detail or (
        "Ổ dữ liệu của máy chủ đã đầy nên yêu cầu chưa được thực hiện và không có gì được "
        "lưu. Hãy báo quản trị viên giải phóng dung lượng rồi gửi lại."))
    problem.headers["Retry-After"] = "300"
    return problem


def render_busy_problem(waited_s: float) -> Problem:
    problem = Problem(503, "render_timeout", "Máy in văn bản đang bận",
                      f"Không bắt đầu tạo được văn bản trong {waited_s:g} giây vì bộ tạo PDF "
                      "đang bận với văn bản khác; vui lòng thử lại sau ít phút.")
    problem.headers["Retry-After"] = str(max(1, round(waited_s)))
    return problem


def as_problem(exc: CoreError) -> Problem:
    """The one mapping of the render core's errors to the error shape every adapter speaks."""
    if isinstance(exc, InvalidPayload):
        return validation_problem(exc.errors, exc.detail)
    if isinstance(exc, UnknownDocumentType):
        return Problem(404, "unknown_document_type", "Không có loại văn bản này",
                       f"Loại văn bản “{exc.type_id[:60]}” không tồn tại."
                       " Xem GET /api/v1/document-types.")
    if isinstance(exc, FormatNotAvailable):
        return Problem(404, "format_not_available", "Định dạng không hỗ trợ",
                       f"Loại văn bản {exc.type_id} không xuất ra {exc.fmt}.")
    if isinstance(exc, BatchTooLarge):
        return Problem(413, "batch_too_large", "Danh sách quá dài",
                       f"Tối đa {exc.limit} mục mỗi lần (đã gửi {exc.given}).")
    if isinstance(exc, RenderBusy):
        return render_busy_problem(exc.waited_s)
    raise TypeError(f"no problem for {type(exc).__name__}")  # a new CoreError needs a mapping
