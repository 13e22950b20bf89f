"""Agency names, authority lines and signer positions break where an official breaks them."""

from __future__ import annotations

import fnmatch
import tomllib

import pytest

from service import vn
from service.kit import layout
from tests.conftest import ROOT
from tests.support.agencies import AGENCIES, plain, split_inside_a_word

NAMES = sorted({name for _, name, _ in AGENCIES} | {p for p, _, _ in AGENCIES if p})


def header(text: str) -> list[str]:
    return layout.column_lines(text, layout.HEADER_LEFT_MM, layout.HEADER_PT, bold=True)


def test_the_list_is_long_enough():
    assert len(NAMES) >= 20


@pytest.mark.parametrize("annotated", NAMES)
def test_header_lines_never_end_inside_a_word(annotated):
    lines = header(plain(annotated))
    assert split_inside_a_word(lines, annotated) is None, lines
    if len(lines) > 1:
        assert all(len(line.split()) >= 2 for line in lines), lines  # no lone syllable
        assert not any(line.startswith(("-", ",")) for line in lines), lines


@pytest.mark.parametrize("annotated", NAMES)
def test_every_header_line_fits_the_column_in_word(annotated):
    usable = layout.HEADER_LEFT_MM - 2 * layout.CELL_PADDING_MM
    for line in header(plain(annotated)):
        assert layout.text_width_mm(line, layout.HEADER_PT, bold=True) < usable, line


@pytest.mark.parametrize(("text", "expected"), [
    ("Bộ Thông tin và Truyền thông", ["BỘ THÔNG TIN VÀ", "TRUYỀN THÔNG"]),  # the issue's own
    ("Bộ Nông nghiệp và Phát triển nông thôn", ["BỘ NÔNG NGHIỆP VÀ", "PHÁT TRIỂN NÔNG THÔN"]),
    ("Ủy ban nhân dân tỉnh Quảng Trị", ["ỦY BAN NHÂN DÂN", "TỈNH QUẢNG TRỊ"]),
    ("Ủy ban nhân dân thành phố Hồ Chí Minh", ["ỦY BAN NHÂN DÂN", "THÀNH PHỐ HỒ CHÍ MINH"]),
    ("Sở Giáo dục và Đào tạo", ["SỞ GIÁO DỤC VÀ ĐÀO TẠO"]),                # fits: one line
])
def test_breaks_as_an_official_does(text, expected):
    assert header(text) == expected


def test_a_break_at_a_comma_or_hyphen_is_preferred_to_a_more_balanced_one():
    width = lambda s: float(len(s))  # noqa: E731 - one unit a character
    # "A B, C D E F" at 9: ["A B, C D", "E F"] is allowed but the comma wins
    assert vn.break_lines("AA BB, CC DD EE", 9, width) == ["AA BB,", "CC DD EE"]
    assert vn.break_lines("AA BB - CC DD EE", 9, width) == ["AA BB -", "CC DD EE"]


def test_no_line_of_one_syllable_when_another_break_fits():
    width = lambda s: float(len(s))  # noqa: E731
    # greedy filling would leave "NGHỆ" alone; balanced and vocabulary-aware it never does
    lines = vn.break_lines("BỘ KHOA HỌC VÀ CÔNG NGHỆ", 20, width)
    assert all(len(line.split()) >= 2 for line in lines), lines
    assert split_inside_a_word(lines, "Bộ [Khoa học] và [Công nghệ]") is None


@pytest.mark.parametrize(("text", "expected"), [
    ("Bộ Thông tin\nvà Truyền thông", ["BỘ THÔNG TIN", "VÀ TRUYỀN THÔNG"]),
    ("Ủy ban nhân dân tỉnh\nQuảng Trị", ["ỦY BAN NHÂN DÂN TỈNH", "QUẢNG TRỊ"]),
    ("Sở Tư pháp\ntỉnh Quảng Trị", ["SỞ TƯ PHÁP", "TỈNH QUẢNG TRỊ"]),  # would fit on one line
])
def test_an_explicit_break_is_honoured(text, expected):
    assert header(text) == expected


def test_an_explicit_line_that_is_still_too_wide_is_broken_further():
    lines = header("Ủy ban nhân dân thành phố Hồ Chí Minh\nSở Thông tin và Truyền thông")
    assert lines == ["ỦY BAN NHÂN DÂN", "THÀNH PHỐ HỒ CHÍ MINH", "SỞ THÔNG TIN VÀ",
                     "TRUYỀN THÔNG"]


def test_rules_give_way_only_when_nothing_else_fits():
    width = lambda s: float(len(s))  # noqa: E731
    # no break keeps every word whole at 8 characters: the words are split, nothing is lost
    lines = vn.break_lines("THÔNG TIN TRUYỀN THÔNG", 8, width)
    assert " ".join(lines) == "THÔNG TIN TRUYỀN THÔNG"
    assert all(width(line) <= 8 for line in lines)


def test_tone_placement_does_not_hide_a_word():
    width = lambda s: float(len(s))  # noqa: E731
    for spelling in ("HÓA", "HOÁ"):
        lines = vn.break_lines(f"SỞ VĂN {spelling} THỂ THAO", 12, width)
        assert split_inside_a_word(lines, f"Sở [Văn {spelling}] [Thể thao]") is None, lines


def test_the_vocabulary_ships_with_the_package():
    from service.vn import linebreak

    data = linebreak.DATA_FILE.relative_to(ROOT / "service")
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["*"]
    assert any(fnmatch.fnmatch(data.name, p) for p in patterns), (data, patterns)
    assert ("THONG", "TIN") in linebreak.vocabulary().words


def test_a_hostile_field_is_answered_promptly():
    """Many short words that need more lines than the search tries: every relaxation fails
    and the greedy fill answers; the search must not try every combination on the way."""
    import time

    text = " ".join(["AB"] * 40)
    started = time.monotonic()
    lines = vn.break_lines(text, 20, lambda s: float(len(s)))
    assert time.monotonic() - started < 3.0  # a hang guard, not a speed benchmark
    assert " ".join(lines) == text
    assert all(len(line) <= 20 for line in lines)
