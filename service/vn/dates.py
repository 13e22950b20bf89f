"""Dates as Decree 30/2020/NĐ-CP prints them (DOMAIN.md §1.9).

Days below 10 and the months 1 and 2 take a leading zero; months 3-12 and days 10-31 do not:
``ngày 05 tháng 01 năm 2020``, ``ngày 29 tháng 6 năm 2019``, ``ngày 09 tháng 02 năm 2025``.

When the day and month are written in by hand at signing, the line keeps room for them and
still gives the year: ``Hà Nội, ngày      tháng      năm 2020`` (``BLANK_WIDTH`` spaces).
"""

from __future__ import annotations

import datetime as dt
import re

#: Number of plain spaces left for a hand-written day or month on a document signed later.
BLANK_WIDTH = 6
BLANK = " " * BLANK_WIDTH


def _check(d: object) -> dt.date:
    # ``datetime`` is a ``date`` subclass: accepted, the time of day is ignored.
    if not isinstance(d, dt.date):
        raise TypeError(f"expected a datetime.date, got {type(d).__name__}")
    return d


def _check_year(year: object) -> int:
    if isinstance(year, bool) or not isinstance(year, int) or not 1 <= year <= 9999:
        raise ValueError(f"the year must be an integer from 1 to 9999, got {year!r}")
    return year


def day_text(d: dt.date) -> str:
    """``05``, ``10``, ``31``: always two digits."""
    return f"{_check(d).day:02d}"


def month_text(d: dt.date) -> str:
    """``01``, ``02``, then ``3`` … ``12``: a leading zero for January and February only."""
    month = _check(d).month
    return f"{month:02d}" if month in (1, 2) else str(month)


def format_date(d: dt.date) -> str:
    """``ngày 05 tháng 01 năm 2020``."""
    d = _check(d)
    return f"ngày {day_text(d)} tháng {month_text(d)} năm {d.year}"


def blank_date(year: int | None = None) -> str:
    """``ngày      tháng      năm 2020``; without a year the year is left blank as well."""
    tail = f" {_check_year(year)}" if year is not None else BLANK
    return f"ngày{BLANK}tháng{BLANK}năm{tail}"


def place_date_line(place: str, d: dt.date | None, year: int | None = None) -> str:
    """``Hà Nội, ngày 05 tháng 01 năm 2020``; with ``d`` None the blank form
    ``Hà Nội, ngày      tháng      năm 2020``, which needs ``year``.

    :raises ValueError: no date and no year; a year that contradicts the date; an empty place.
    :raises TypeError: ``d`` is not a date.
    """
    if not isinstance(place, str) or not place.strip():
        raise ValueError("the place name (địa danh) is required")
    place = place.strip()
    if d is not None:
        d = _check(d)
        if year is not None and _check_year(year) != d.year:
            raise ValueError(f"year {year} contradicts the date {d.isoformat()}")
        return f"{place}, {format_date(d)}"
    if year is None:
        raise ValueError("a date left blank for signing still needs the year")
    return f"{place}, {blank_date(year)}"


def format_date_short(d: dt.date) -> str:
    """``05/01/2020``: the short form used inside running text and lists."""
    d = _check(d)
    return f"{d.day:02d}/{d.month:02d}/{d.year}"


_DATE_IN_TEXT = re.compile(
    r"ngày\s+(\d{1,2})\s*(?:tháng\s+(\d{1,2})\s+năm\s+(\d{4})\b|[/.-](\d{1,2})[/.-](\d{4})\b)",
    re.IGNORECASE)
_CITATION = re.compile(r"\bsố\s+\S+\s+$", re.IGNORECASE)


def dates_in_text(text: str, *, citations_only: bool = False) -> list[dt.date]:
    """The real dates written in ``text`` as ``ngày 14 tháng 6 năm 2025`` or
    ``ngày 14/6/2025`` (also ``-`` or ``.``). ``citations_only``: only the date of a cited
    document, right after its number (``… số 210/KH-UBND ngày 20/12/2025``), not deadlines
    such as ``trước ngày 20/01/2026``."""
    found = []
    for match in _DATE_IN_TEXT.finditer(text):
        if citations_only and not _CITATION.search(text, 0, match.start()):
            continue
        day, month, year = (int(g) for g in match.groups() if g is not None)
        try:
            found.append(dt.date(year, month, day))
        except ValueError:
            continue
    return found
