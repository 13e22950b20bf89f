"""The ``vn_*`` Jinja filters every template uses for dates, numbers, amounts and names.

Both the DOCX (docxtpl) and the HTML (WeasyPrint) environments register exactly these
(:func:`register_filters`), so no template formats a date or an amount by hand. The filters
take plain values (dates, ints, Decimals, strings, None), need no application context and
work in a sandboxed environment.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any

from service.vn.dates import blank_date, format_date, format_date_short, place_date_line
from service.vn.names import honorific, sort_people, sort_words, upper_vn
from service.vn.numbers import (
    DEFAULT,
    WordsOptions,
    amount_in_words,
    format_number,
    number_in_words,
)
from service.vn.symbols import number_line

BLANK_SHORT_DATE = "…/…/…"


def vn_date(d: dt.date | None, year: int | None = None) -> str:
    """``ngày 05 tháng 01 năm 2020``; None → ``ngày      tháng      năm 2020`` (blank year too
    when no ``year`` is given)."""
    return format_date(d) if d is not None else blank_date(year)


def vn_place_date(d: dt.date | None, place: str, year: int | None = None) -> str:
    """``Hà Nội, ngày 05 tháng 01 năm 2020``; None → ``Hà Nội, ngày      tháng      năm 2020``
    (``year`` is then required)."""
    return place_date_line(place, d, year)


def vn_date_short(d: dt.date | None) -> str:
    """``05/01/2020``; None → ``…/…/…`` left to fill in by hand."""
    return format_date_short(d) if d is not None else BLANK_SHORT_DATE


def vn_number(value: int | Decimal | str | None, decimals: int | None = None) -> str:
    """``1.870.000``, ``0,3``; None → empty."""
    return "" if value is None else format_number(value, decimals)


def _options(overrides: Mapping[str, str]) -> WordsOptions:
    return dataclasses.replace(DEFAULT, **overrides) if overrides else DEFAULT


def vn_amount_words(value: int | Decimal | None, even: bool = False, unit: str = "đồng",
                    **options: str) -> str:
    """``Một triệu tám trăm bảy mươi nghìn đồng``; ``even=True`` adds "chẵn"; keyword options
    as in :class:`WordsOptions` (``zero_tens="lẻ"``, ``four="bốn"``, ``thousand="ngàn"`` …);
    None → empty."""
    if value is None:
        return ""
    return amount_in_words(value, unit=unit, even=even, options=_options(options))


def vn_number_words(value: int | Decimal | None, **options: str) -> str:
    """``hai nghìn không trăm hai mươi tư`` (lower case, no unit); None → empty."""
    return "" if value is None else number_in_words(value, options=_options(options))


def vn_upper(value: str | None) -> str:
    """Real capitals with diacritics (never Word's All Caps); None → empty."""
    return "" if value is None else upper_vn(str(value))


def vn_number_line(number: int | None, symbol: str) -> str:
    """``Số: 05/QĐ-UBND``; None → ``Số:       /QĐ-UBND``."""
    return number_line(number, symbol)


def vn_honorific(kind: str | None, capital: bool = True) -> str:
    """``ong`` → ``Ông``, ``ba`` → ``Bà``, ``dong_chi`` → ``Đồng chí``, ``none``/None → ``""``;
    ``capital=False`` → ``ông``, ``bà``, ``đồng chí``."""
    return honorific(kind, capital=capital)


def _getter(attribute: str | None) -> Callable[[Any], str]:
    if attribute is None:
        return lambda item: item
    path = attribute.split(".")

    def get(item: Any) -> str:
        for key in path:
            item = item[key] if isinstance(item, Mapping) else getattr(item, key)
        return item

    return get


def vn_sort_people(items: Iterable[Any], attribute: str | None = None) -> list[Any]:
    """People by given name, then middle, then family name; ``attribute`` names the key
    holding the full name (``people|vn_sort_people("name")``)."""
    return sort_people(items, key=_getter(attribute))


def vn_sort_words(items: Iterable[Any], attribute: str | None = None) -> list[Any]:
    """Words, phrases or unit names in Vietnamese alphabetical order."""
    return sort_words(items, key=_getter(attribute))


FILTERS: dict[str, Callable[..., Any]] = {
    "vn_date": vn_date,
    "vn_place_date": vn_place_date,
    "vn_date_short": vn_date_short,
    "vn_number": vn_number,
    "vn_amount_words": vn_amount_words,
    "vn_number_words": vn_number_words,
    "vn_upper": vn_upper,
    "vn_number_line": vn_number_line,
    "vn_honorific": vn_honorific,
    "vn_sort_people": vn_sort_people,
    "vn_sort_words": vn_sort_words,
}


def register_filters(env: Any) -> Any:
    """Add the ``vn_*`` filters to a Jinja environment (or anything with a ``filters``
    dict, such as docxtpl's); returns ``env``."""
    env.filters.update(FILTERS)
    return env
