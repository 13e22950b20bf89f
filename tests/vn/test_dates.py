"""Dates per Decree 30 (DOMAIN.md §1.9): vectors, the blank signing form, short dates."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service import vn
from service.vn import dates

# DOMAIN.md §1.9 (the four vectors of the reference code and the appendix examples) plus
# the edges of the leading-zero rule.
DATE_VECTORS = [
    (dt.date(2020, 1, 5), "ngày 05 tháng 01 năm 2020"),
    (dt.date(2019, 6, 29), "ngày 29 tháng 6 năm 2019"),
    (dt.date(2019, 12, 27), "ngày 27 tháng 12 năm 2019"),
    (dt.date(2025, 2, 9), "ngày 09 tháng 02 năm 2025"),
    (dt.date(2024, 5, 8), "ngày 08 tháng 5 năm 2024"),
    (dt.date(2024, 3, 10), "ngày 10 tháng 3 năm 2024"),
    (dt.date(2024, 11, 1), "ngày 01 tháng 11 năm 2024"),
    (dt.date(2024, 10, 9), "ngày 09 tháng 10 năm 2024"),
    (dt.date(2026, 2, 28), "ngày 28 tháng 02 năm 2026"),
    (dt.date(2026, 9, 2), "ngày 02 tháng 9 năm 2026"),
    (dt.date(2026, 12, 31), "ngày 31 tháng 12 năm 2026"),
]


@pytest.mark.parametrize(("d", "expected"), DATE_VECTORS)
def test_format_date(d, expected):
    assert vn.format_date(d) == expected


def test_datetime_is_accepted_as_a_date():
    assert vn.format_date(dt.datetime(2020, 1, 5, 23, 59)) == "ngày 05 tháng 01 năm 2020"


@pytest.mark.parametrize(("place", "d", "expected"), [
    ("Hà Nội", dt.date(2020, 1, 5), "Hà Nội, ngày 05 tháng 01 năm 2020"),
    ("Thành phố Hồ Chí Minh", dt.date(2019, 6, 29),
     "Thành phố Hồ Chí Minh, ngày 29 tháng 6 năm 2019"),
    ("Hà Nội", dt.date(2019, 12, 27), "Hà Nội, ngày 27 tháng 12 năm 2019"),
    ("Thanh Hóa", dt.date(2025, 12, 5), "Thanh Hóa, ngày 05 tháng 12 năm 2025"),
])
def test_place_date_line(place, d, expected):
    assert vn.place_date_line(place, d) == expected
    assert vn.place_date_line(place, d, d.year) == expected


def test_blank_form_keeps_the_year():
    assert vn.place_date_line("Hà Nội", None, 2020) == "Hà Nội, ngày      tháng      năm 2020"
    assert vn.place_date_line("Huế", None, year=2027) == "Huế, ngày      tháng      năm 2027"
    assert dates.BLANK == " " * dates.BLANK_WIDTH == "      "
    assert vn.blank_date(2020) == "ngày      tháng      năm 2020"
    assert vn.blank_date() == "ngày      tháng      năm      "


@pytest.mark.parametrize(("args", "error"), [
    (("Hà Nội", None), ValueError),                       # neither date nor year
    (("Hà Nội", None, None), ValueError),
    (("Hà Nội", dt.date(2020, 1, 5), 2021), ValueError),  # year contradicts the date
    (("", dt.date(2020, 1, 5)), ValueError),              # no place
    (("   ", None, 2020), ValueError),
    (("Hà Nội", "2020-01-05"), TypeError),                # a string is not a date
    (("Hà Nội", None, "2020"), ValueError),
    (("Hà Nội", None, True), ValueError),
    (("Hà Nội", None, 0), ValueError),
])
def test_place_date_line_errors(args, error):
    with pytest.raises(error):
        vn.place_date_line(*args)


@pytest.mark.parametrize(("d", "expected"), [
    (dt.date(2020, 1, 5), "05/01/2020"), (dt.date(2024, 12, 31), "31/12/2024"),
    (dt.date(2025, 7, 1), "01/07/2025"), (dt.date(2019, 6, 29), "29/06/2019"),
])
def test_short_dates(d, expected):
    assert vn.format_date_short(d) == expected


@pytest.mark.parametrize("bad", [None, "2020-01-05", 20200105, dt.time(10, 0)])
def test_non_dates_are_type_errors(bad):
    with pytest.raises(TypeError):
        vn.format_date(bad)
    with pytest.raises(TypeError):
        vn.format_date_short(bad)


@settings(max_examples=300, deadline=None)
@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2200, 12, 31)))
def test_every_date_reads_back(d):
    text = vn.format_date(d)
    words = text.split(" ")
    assert words[0::2] == ["ngày", "tháng", "năm"]
    day, month, year = words[1::2]
    assert (int(day), int(month), int(year)) == (d.day, d.month, d.year)
    assert len(day) == 2
    assert month.startswith("0") == (d.month < 10 and d.month in (1, 2))
    assert len(month) == (2 if d.month in (1, 2) or d.month >= 10 else 1)
    short = vn.format_date_short(d)
    assert dt.datetime.strptime(short, "%d/%m/%Y").date() == d
    assert vn.place_date_line("Hà Nội", d) == f"Hà Nội, {text}"
