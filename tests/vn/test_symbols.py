"""Document number and symbol (DOMAIN.md §1.7, §1.8)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service import vn
from service.vn import symbols

# DOMAIN.md §1.8, the complete Phụ lục III table.
APPENDIX_III = {
    "Nghị quyết": "NQ", "Quyết định": "QĐ", "Chỉ thị": "CT", "Quy chế": "QC", "Quy định": "QyĐ",
    "Thông cáo": "TC", "Thông báo": "TB", "Hướng dẫn": "HD", "Chương trình": "CTr",
    "Kế hoạch": "KH", "Phương án": "PA", "Đề án": "ĐA", "Dự án": "DA", "Báo cáo": "BC",
    "Biên bản": "BB", "Tờ trình": "TTr", "Hợp đồng": "HĐ", "Công điện": "CĐ",
    "Bản ghi nhớ": "BGN", "Bản thỏa thuận": "BTT", "Giấy uỷ quyền": "GUQ", "Giấy mời": "GM",
    "Giấy giới thiệu": "GGT", "Giấy nghỉ phép": "GNP", "Phiếu gửi": "PG", "Phiếu chuyển": "PC",
    "Phiếu báo": "PB", "Bản sao y": "SY", "Bản trích sao": "TrS", "Bản sao lục": "SL",
}
# DOMAIN.md §1.7: the regex a test can use for a number line.
NUMBER_LINE = re.compile(r"^Số: (0[1-9]|[1-9]\d+)/[A-ZĐ][A-Za-zĐđ]*(-[A-ZĐ0-9][A-Za-zĐđ0-9&]*)+$")


def test_the_table_is_complete_and_exact():
    assert vn.DOC_TYPE_ABBREVIATIONS == APPENDIX_III
    assert len(set(APPENDIX_III.values())) == 30


@pytest.mark.parametrize(("name", "abbrev"), APPENDIX_III.items())
def test_every_type_is_accepted(name, abbrev):
    symbol = vn.parse_symbol(f"{abbrev}-UBND")
    assert symbol == vn.Symbol(abbrev, "UBND", ())
    assert vn.number_line(7, f"{abbrev}-UBND") == f"Số: 07/{abbrev}-UBND"
    assert NUMBER_LINE.match(vn.number_line(7, f"{abbrev}-UBND"))
    assert vn.type_abbreviation(name) == abbrev


def test_type_lookup_ignores_case_and_tone_placement():
    assert vn.type_abbreviation("giấy ủy quyền") == "GUQ"
    assert vn.type_abbreviation("Bản thoả thuận") == "BTT"
    assert vn.type_abbreviation("QUYẾT ĐỊNH") == "QĐ"
    with pytest.raises(KeyError):
        vn.type_abbreviation("Công văn")


@pytest.mark.parametrize(("number", "symbol", "expected"), [
    (5, "QĐ-UBND", "Số: 05/QĐ-UBND"),
    (67, "CT-BTTTT", "Số: 67/CT-BTTTT"),
    (12, "KH-STTTT", "Số: 12/KH-STTTT"),
    (15, "QĐ-BNV", "Số: 15/QĐ-BNV"),
    (125, "KH-SGDĐT", "Số: 125/KH-SGDĐT"),
    (1520, "QĐ-SGDĐT", "Số: 1520/QĐ-SGDĐT"),
    (163, "QĐ-UBND", "Số: 163/QĐ-UBND"),
    (1, "QĐ-UBND-TĐKT", "Số: 01/QĐ-UBND-TĐKT"),
    (9, "QĐ-UBND-TĐKT", "Số: 09/QĐ-UBND-TĐKT"),
    (10, "TTr-SNV", "Số: 10/TTr-SNV"),
    (3, "QyĐ-BNV", "Số: 03/QyĐ-BNV"),
    (1, "CT-TTg", "Số: 01/CT-TTg"),
    (45, "NQ-UBTVQH15", "Số: 45/NQ-UBTVQH15"),
    (8, "KH-SGD&ĐT", "Số: 08/KH-SGD&ĐT"),
    (99999, "TB-VP", "Số: 99999/TB-VP"),
    (None, "QĐ-UBND", "Số:       /QĐ-UBND"),
    (None, "QĐ-UBND-TĐKT", "Số:       /QĐ-UBND-TĐKT"),
])
def test_number_lines(number, symbol, expected):
    line = vn.number_line(number, symbol)
    assert line == expected
    if number is not None:
        assert NUMBER_LINE.match(line)


def test_blank_number_width():
    assert symbols.BLANK_NUMBER == " " * symbols.BLANK_NUMBER_WIDTH == " " * 7
    assert vn.number_line(None, "KH-UBND").startswith("Số:" + " " * 7 + "/")


def test_cong_van_symbol_has_no_type():
    assert vn.parse_symbol("BNV-VP", typed=False) == vn.Symbol("", "BNV", ("VP",))
    assert vn.number_line(5, "BNV-VP", typed=False) == "Số: 05/BNV-VP"
    assert vn.number_line(12, "UBND-VX", typed=False) == "Số: 12/UBND-VX"
    with pytest.raises(vn.SymbolError):
        vn.parse_symbol("BNV-VP")  # typed by default: BNV is no type abbreviation


def test_parse_and_build():
    assert vn.parse_symbol("QĐ-UBND-TĐKT") == vn.Symbol("QĐ", "UBND", ("TĐKT",))
    assert str(vn.parse_symbol("QĐ-UBND-TĐKT")) == "QĐ-UBND-TĐKT"
    assert vn.build_symbol("QĐ", "UBND", "TĐKT") == "QĐ-UBND-TĐKT"
    assert vn.build_symbol("KH", "STTTT") == "KH-STTTT"
    assert vn.build_symbol("KH", "STTTT", "") == "KH-STTTT"
    assert vn.build_symbol("CT", "BTTTT", "VP", "TĐKT") == "CT-BTTTT-VP-TĐKT"


MALFORMED = [
    ("", "symbol_empty"),
    ("QĐ - UBND", "symbol_whitespace"),
    (" QĐ-UBND", "symbol_whitespace"),
    ("QĐ-UBND ", "symbol_whitespace"),
    ("QĐ-UB ND", "symbol_whitespace"),
    ("QĐ-UBND\u00a0", "symbol_whitespace"),
    ("qđ-UBND", "symbol_lower_case"),
    ("Qđ-UBND", "symbol_lower_case"),
    ("QYĐ-BNV", "symbol_unknown_type"),
    ("QĐ-ubnd", "symbol_lower_case"),
    ("QĐ-Ubnd", "symbol_lower_case"),
    ("QĐ-UBND-tđkt", "symbol_lower_case"),
    ("XX-UBND", "symbol_unknown_type"),
    ("NĐ-CP", "symbol_unknown_type"),
    ("CV-UBND", "symbol_unknown_type"),
    ("QĐ", "symbol_empty_part"),
    ("QĐ-", "symbol_empty_part"),
    ("QĐ-UBND-", "symbol_empty_part"),
    ("QĐ--UBND", "symbol_empty_part"),
    ("-UBND", "symbol_empty_part"),
    ("05/QĐ-UBND", "symbol_slash"),
    ("30/2020/NĐ-CP", "symbol_slash"),
    ("QĐ–UBND", "symbol_bad_dash"),
    ("QĐ—UBND", "symbol_bad_dash"),
    ("QÐ-UBND", "symbol_bad_part"),       # Icelandic eth, not Đ
    ("QĐ-UBÐND", "symbol_bad_part"),
    ("QĐ-UBND.TĐKT", "symbol_bad_part"),
    ("QĐ-ỦBND", "symbol_bad_part"),
    ("QĐ-&UB", "symbol_bad_part"),
    ("QĐ-" + "A" * 21, "symbol_bad_part"),
]


@pytest.mark.parametrize(("bad", "code"), MALFORMED)
def test_malformed_symbols_are_rejected_in_vietnamese(bad, code):
    with pytest.raises(vn.SymbolError) as exc:
        vn.parse_symbol(bad)
    assert exc.value.code == code
    assert exc.value.message
    assert exc.value.message == str(exc.value)
    assert isinstance(exc.value, ValueError)
    with pytest.raises(vn.SymbolError):
        vn.number_line(5, bad)


def test_messages_explain():
    with pytest.raises(vn.SymbolError) as exc:
        vn.parse_symbol("XX-UBND")
    assert "Phụ lục III" in exc.value.message
    assert "QyĐ" in exc.value.message
    with pytest.raises(vn.SymbolError) as exc:
        vn.parse_symbol("QYĐ-BNV")
    assert "“QyĐ”" in exc.value.message
    with pytest.raises(vn.SymbolError) as exc:
        vn.parse_symbol("QĐ-ubnd")
    assert "in hoa" in exc.value.message
    with pytest.raises(vn.SymbolError) as exc:
        vn.parse_symbol("QĐ - UBND")
    assert "dấu cách" in exc.value.message


@pytest.mark.parametrize("bad", [0, -1, 100000, True, False, "5", 5.0, 1.5, [5]])
def test_bad_numbers(bad):
    with pytest.raises(vn.SymbolError) as exc:
        vn.number_line(bad, "QĐ-UBND")
    assert exc.value.code == "invalid_document_number"
    assert "1 đến 99999" in exc.value.message


@pytest.mark.parametrize("bad", [None, 5, b"QD-UBND"])
def test_non_string_symbols(bad):
    with pytest.raises(vn.SymbolError):
        vn.parse_symbol(bad)


_PART = st.text(alphabet="ABCDEGHKLMNPQRSTUVXYĐ0123456789", min_size=1, max_size=8).filter(
    lambda p: not p[0].isdigit() or len(p) > 1)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(APPENDIX_III.values())), _PART, st.lists(_PART, max_size=3),
       st.integers(min_value=1, max_value=99999))
def test_valid_symbols_round_trip(type_abbrev, issuer, suffixes, number):
    symbol = vn.build_symbol(type_abbrev, issuer, *suffixes)
    parsed = vn.parse_symbol(symbol)
    assert parsed == vn.Symbol(type_abbrev, issuer, tuple(suffixes))
    line = vn.number_line(number, symbol)
    assert NUMBER_LINE.match(line), line
    assert line == f"Số: {number:02d}/{symbol}"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=30))
def test_any_text_parses_or_raises_symbol_error(text):
    try:
        parsed, error = vn.parse_symbol(text), None
    except vn.SymbolError as exc:
        error = exc
    if error is not None:
        assert error.message
    else:
        assert str(parsed) == text
        assert not any(ch.isspace() for ch in text)
