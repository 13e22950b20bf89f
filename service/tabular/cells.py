"""A spreadsheet cell as the JSON value its field expects (strings stay strings: leading
zeros are kept)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from marshmallow import fields

from schemas import base
from service.vn.fold import fold_key

_DMY = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})")
_YES = ("co", "x", "true", "1", "yes")
_NO = ("khong", "false", "0", "no")


def full_year(two_digits: int) -> int | None:
    """The year a clerk means by ``26`` in ``5/12/26``: the one of 19xx and 20xx that a
    document may carry (1945 up to this year plus the future window, :mod:`schemas.clock`).
    Years 1945-1999 end in 45-99 and the accepted years from 2000 end in 00 up to about 27,
    so the two never share two digits and the year is never a guess. When neither fits
    (``5/12/35``) the cell stays as typed and its message asks for ngày/tháng/năm."""
    from schemas import clock

    fits = [y for y in (2000 + two_digits, 1900 + two_digits)
            if 1945 <= y <= clock.latest().year]
    return fits[0] if len(fits) == 1 else None


def cell_value(value: Any, field: fields.Field, number_format: str | None = None) -> Any:
    """A cell as the JSON value the field expects (strings stay strings: leading zeros)."""
    if value is None:
        return None
    if isinstance(value, str):
        return _text_value(value.strip(), field)
    if isinstance(value, bool):
        return value
    if isinstance(value, dt.datetime | dt.date):
        day = value.date() if isinstance(value, dt.datetime) else value
        return day.isoformat() if isinstance(field, base.IsoDate) else day.strftime("%d/%m/%Y")
    if isinstance(value, int | float):
        return _number_value(value, field, number_format)
    return str(value)


def _text_value(text: str, field: fields.Field) -> Any:
    """A text cell: a dd/mm/yyyy date, a whole number or a yes/no where the field wants one."""
    if not text:
        return None
    if isinstance(field, base.IsoDate):
        match = _DMY.fullmatch(text)
        if match:
            day, month, year = (int(g) for g in match.groups())
            if len(match.group(3)) == 2:
                year = full_year(year)
                if year is None:
                    return text  # ambiguous: the date's message asks for the whole year
            return f"{year:04d}-{month:02d}-{day:02d}"
    if isinstance(field, base.StrictInt) and re.fullmatch(r"-?\d+", text):
        return int(text)
    if isinstance(field, base.Flag):
        folded = fold_key(text)
        if folded in _YES:
            return True
        if folded in _NO:
            return False
    return text


def _number_value(value: int | float, field: fields.Field, number_format: str | None) -> Any:
    """A number cell: a number for a numeric field, else its text (a ``0000`` format keeps
    the register's leading zeros)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(field, base.StrictInt | fields.Float | fields.Integer):
        return value
    text = str(value)
    if isinstance(value, int) and number_format and re.fullmatch(r"0+", number_format):
        text = text.zfill(len(number_format))  # "0000" keeps the register's zeros
    return text
