"""Strict JSON parsing for request bodies.

``json.loads`` accepts NaN and Infinity, keeps the last of duplicate keys and recurses until
``RecursionError`` on deeply nested input (a 500 in Flask). This parser rejects all three
with a :class:`~service.errors.Problem` saying what is wrong, and checks the nesting depth
with a linear scan before parsing.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Any

from service.errors import FieldError, Problem


def _bad(code: str, detail: str, status: int = 400) -> Problem:
    return Problem(status, code, "Nội dung JSON không hợp lệ", detail)


def check_depth(text: str, max_depth: int) -> None:
    depth = 0
    in_string = False
    escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > max_depth:
                raise _bad("json_too_deep",
                           f"JSON lồng nhau quá sâu (tối đa {max_depth} cấp).", 400)
        elif ch in "]}":
            depth -= 1


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _bad("json_duplicate_key",
                       f"Khóa “{key[:60]}” xuất hiện hai lần trong cùng một đối tượng.")
        out[key] = value
    return out


def _constant(name: str) -> Any:
    raise _bad("json_invalid_number", f"JSON không cho phép giá trị {name}.")


def _float(text: str) -> Decimal:
    if len(text) > 40:
        raise _bad("json_invalid_number", "Số thực quá dài.")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise _bad("json_invalid_number", "Số không hợp lệ.") from None
    if not value.is_finite() or abs(value.adjusted()) > 30:
        raise _bad("json_invalid_number", "Số quá lớn hoặc quá nhỏ.")
    return value


def _int(text: str) -> int:
    if len(text.lstrip("-")) > 20:
        raise _bad("json_invalid_number", "Số nguyên quá lớn (tối đa 20 chữ số).")
    return int(text)


def parse_json(raw: bytes, *, max_depth: int) -> Any:
    """Parse a UTF-8 JSON body strictly.

    :raises Problem: 400 with a stable code for every kind of malformed input.
    """
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _bad("json_not_utf8", f"Nội dung không phải UTF-8 (byte thứ {exc.start}).") from None
    check_depth(text, max_depth)
    try:
        return json.loads(text, object_pairs_hook=_pairs, parse_constant=_constant,
                          parse_float=_float, parse_int=_int)
    except Problem:
        raise
    except json.JSONDecodeError as exc:
        raise Problem(400, "json_malformed", "Nội dung JSON không hợp lệ",
                      f"Lỗi cú pháp JSON ở dòng {exc.lineno}, cột {exc.colno}: {exc.msg}.",
                      [FieldError("", "json_malformed", exc.msg)]) from None
    except RecursionError:
        raise _bad("json_too_deep", "JSON lồng nhau quá sâu.") from None
