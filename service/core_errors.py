"""What the render core raises: its own errors, none of them HTTP-shaped.

The core (the registry, ``validate``/``prepare``/``render``, the DOCX and PDF backends, bulk
rendering and PDF merging) knows nothing of statuses or media types. Each adapter turns these
into its medium through one function, :func:`service.errors.as_problem` (HTTP problem+json, the
CLI's message and exit code, a batch item's recorded error).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any


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


class CoreError(Exception):
    """Base of the errors the render core raises on purpose (input or capacity, not bugs)."""


class InvalidPayload(CoreError):
    """The payload does not validate: every problem, each addressed by a JSON pointer (or a
    spreadsheet row and column)."""

    def __init__(self, errors: list[FieldError], detail: str | None = None) -> None:
        super().__init__(detail or f"{len(errors)} problems")
        self.errors = errors
        self.detail = detail


class UnknownDocumentType(CoreError):
    """No registered document type has this id."""

    def __init__(self, type_id: str) -> None:
        super().__init__(type_id)
        self.type_id = type_id


class FormatNotAvailable(CoreError):
    """The type does not produce this output format."""

    def __init__(self, type_id: str, fmt: str) -> None:
        super().__init__(f"{type_id}.{fmt}")
        self.type_id = type_id
        self.fmt = fmt


class BatchTooLarge(CoreError):
    """A batch lists more items than one run may render."""

    def __init__(self, limit: int, given: int) -> None:
        super().__init__(f"{given} > {limit}")
        self.limit = limit
        self.given = given


class RenderBusy(CoreError):
    """The process's renderer stayed busy longer than a request may wait for it."""

    def __init__(self, waited_s: float = 0.0) -> None:
        super().__init__(f"busy after {waited_s:g} s")
        self.waited_s = waited_s


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
