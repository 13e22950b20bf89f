"""One error shape for everything: RFC 9457 ``application/problem+json``.

Every error the service returns on purpose is a :class:`Problem`: an HTTP status, a stable
machine ``code``, a Vietnamese ``title``/``detail`` and, for validation failures, ``errors``
— a list of ``{pointer, code, message}`` (or ``{row, column, code, message}`` for spreadsheet
rows). This module has no Flask import: the HTTP adapter (``service.http_errors``) and the CLI
both turn a Problem into their medium.
"""

from __future__ import annotations

import errno
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

PROBLEM_MIMETYPE = "application/problem+json"


@dataclass
class FieldError:
    """One problem with one value of the input."""

    pointer: str
    code: str
    message: str
    row: int | None = None
    column: str | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"pointer": self.pointer, "code": self.code,
                               "message": self.message}
        if self.row is not None:
            out["row"] = self.row
        if self.column is not None:
            out["column"] = self.column
        return out


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


class RenderBusy(Exception):
    """The process's renderer stayed busy longer than a request may wait for it."""


def render_busy_problem(waited_s: float) -> Problem:
    problem = Problem(503, "render_timeout", "Máy in văn bản đang bận",
                      f"Không bắt đầu tạo được văn bản trong {waited_s:g} giây vì bộ tạo PDF "
                      "đang bận với văn bản khác; vui lòng thử lại sau ít phút.")
    problem.headers["Retry-After"] = str(max(1, round(waited_s)))
    return problem


class RenderError(Exception):
    """A template failed to render: a bug of ours, logged in full, shown as a safe 500."""


def escape_pointer_token(token: object) -> str:
    """Escape one JSON Pointer reference token (RFC 6901)."""
    return str(token).replace("~", "~0").replace("/", "~1")


def pointer(parts: Iterable[object]) -> str:
    """Join reference tokens into a JSON Pointer."""
    return "".join("/" + escape_pointer_token(p) for p in parts)


def flatten_messages(messages: Any, prefix: tuple[object, ...] = ()) -> list[FieldError]:
    """Turn marshmallow's nested ``ValidationError.messages`` into pointer-addressed errors.

    Leaves are lists of messages; a message that carries a ``code`` attribute (see
    ``schemas.base.Msg``) keeps it, any other message gets the code ``invalid``.
    ``_schema`` keys address the object that holds them.
    """
    out: list[FieldError] = []
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            sub = prefix if key == "_schema" else (*prefix, key)
            out.extend(flatten_messages(value, sub))
    elif isinstance(messages, list | tuple):
        for msg in messages:
            if isinstance(msg, Mapping | list | tuple):
                out.extend(flatten_messages(msg, prefix))
            else:
                out.append(FieldError(pointer(prefix), getattr(msg, "code", "invalid"), str(msg)))
    else:
        out.append(FieldError(pointer(prefix), getattr(messages, "code", "invalid"),
                              str(messages)))
    return out
