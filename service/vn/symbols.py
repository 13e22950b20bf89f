"""Document number and symbol (số, ký hiệu), DOMAIN.md §1.7-1.8.

``Số: 05/QĐ-UBND``: the number (a leading zero below 10), ``/``, the type abbreviation from
Decree 30 Appendix III, ``-``, the issuer's abbreviation, optional unit suffixes
(``QĐ-UBND-TĐKT``), no spaces. ``Số:       /QĐ-UBND`` when the number is written in at
signing.

What a symbol part may contain: capital letters A-Z and Đ, digits and ``&``; it starts with a
capital or a digit. A single lower-case letter may follow a capital, because Decree 30 itself
writes ``QyĐ``, ``CTr``, ``TTr``, ``TrS`` and the Prime Minister signs as ``TTg``; two lower-case
letters in a row (``Ubnd``) or a part that starts in lower case (``qđ``, ``ubnd``) is rejected.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import NoReturn

#: Decree 30, Phụ lục III, Mục I: every administrative document type and its abbreviation,
#: spelled as in the appendix ("Giấy uỷ quyền", "Bản thỏa thuận"). Công văn has none.
DOC_TYPE_ABBREVIATIONS: dict[str, str] = {
    "Nghị quyết": "NQ",
    "Quyết định": "QĐ",
    "Chỉ thị": "CT",
    "Quy chế": "QC",
    "Quy định": "QyĐ",
    "Thông cáo": "TC",
    "Thông báo": "TB",
    "Hướng dẫn": "HD",
    "Chương trình": "CTr",
    "Kế hoạch": "KH",
    "Phương án": "PA",
    "Đề án": "ĐA",
    "Dự án": "DA",
    "Báo cáo": "BC",
    "Biên bản": "BB",
    "Tờ trình": "TTr",
    "Hợp đồng": "HĐ",
    "Công điện": "CĐ",
    "Bản ghi nhớ": "BGN",
    "Bản thỏa thuận": "BTT",
    "Giấy uỷ quyền": "GUQ",
    "Giấy mời": "GM",
    "Giấy giới thiệu": "GGT",
    "Giấy nghỉ phép": "GNP",
    "Phiếu gửi": "PG",
    "Phiếu chuyển": "PC",
    "Phiếu báo": "PB",
    # Bản sao văn bản
    "Bản sao y": "SY",
    "Bản trích sao": "TrS",
    "Bản sao lục": "SL",
}
TYPE_ABBREVS = frozenset(DOC_TYPE_ABBREVIATIONS.values())
_BY_UPPER = {a.upper(): a for a in TYPE_ABBREVS}

#: Room left after "Số:" for a number written in by hand (plain spaces).
BLANK_NUMBER_WIDTH = 7
BLANK_NUMBER = " " * BLANK_NUMBER_WIDTH
MAX_NUMBER = 99999
MAX_PART_LENGTH = 20

_PART = re.compile(r"[A-ZĐ0-9](?:[A-ZĐ0-9&]|(?<=[A-ZĐ])[a-zđ])*")
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"
_ETH = "\u00d0\u00f0\u0189"  # Ð ð Ɖ: look-alikes of Đ


class SymbolError(ValueError):
    """A malformed document symbol or number; ``message`` is Vietnamese, ``code`` stable."""

    def __init__(self, message: str, code: str = "invalid_symbol") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class Symbol:
    """``QĐ-UBND-TĐKT`` → ``Symbol("QĐ", "UBND", ("TĐKT",))``; a công văn has no type."""

    type_abbrev: str
    issuer: str
    suffixes: tuple[str, ...] = ()

    def __str__(self) -> str:
        head = (self.type_abbrev,) if self.type_abbrev else ()
        return "-".join((*head, self.issuer, *self.suffixes))


def type_abbreviation(type_name: str) -> str:
    """``"Quyết định"`` → ``"QĐ"``; case and tone placement are ignored
    (``"giấy ủy quyền"`` → ``"GUQ"``).

    :raises KeyError: not a type of Appendix III (công văn has no abbreviation).
    """
    from service.vn.names import match_key

    wanted = match_key(type_name)
    for name, abbrev in DOC_TYPE_ABBREVIATIONS.items():
        if match_key(name) == wanted:
            return abbrev
    raise KeyError(type_name)


def _check_part(part: str, what: str, symbol: str) -> None:
    if not part:
        raise SymbolError(f"Ký hiệu “{symbol}” thiếu {what} (có hai dấu “-” liền nhau hoặc "
                          "dấu “-” ở đầu/cuối).", "symbol_empty_part")
    if len(part) > MAX_PART_LENGTH:
        raise SymbolError(f"{what.capitalize()} “{part[:30]}” dài quá {MAX_PART_LENGTH} ký tự.",
                          "symbol_bad_part")
    if not _PART.fullmatch(part):
        if part[0].islower() or re.search(r"[a-zđ]{2}", part):
            raise SymbolError(f"{what.capitalize()} “{part}” phải viết in hoa (ví dụ “UBND”, "
                              "“TĐKT”).", "symbol_lower_case")
        raise SymbolError(f"{what.capitalize()} “{part}” chỉ được gồm chữ in hoa không dấu, "
                          "chữ Đ, chữ số và “&”.", "symbol_bad_part")


def parse_symbol(symbol: str, *, typed: bool = True) -> Symbol:
    """Split and check a symbol: ``QĐ-UBND-TĐKT`` → ``Symbol("QĐ", "UBND", ("TĐKT",))``.

    ``typed=False`` parses the symbol of a công văn, which has no type part
    (``BNV-VP`` → ``Symbol("", "BNV", ("VP",))``).

    :raises SymbolError: empty, spaces, the number or a slash included, a dash other than
        ``-``, lower case, an unknown type abbreviation, an empty or malformed part.
    """
    if not isinstance(symbol, str) or not symbol:
        raise SymbolError("Thiếu ký hiệu văn bản.", "symbol_empty")
    symbol = unicodedata.normalize("NFC", symbol)
    _check_characters(symbol)
    parts = symbol.split("-")
    if typed:
        head, parts = parts[0], parts[1:]
        if head not in TYPE_ABBREVS:
            _refuse_type(head, symbol)
        if not parts:
            raise SymbolError(f"Ký hiệu “{symbol}” thiếu chữ viết tắt tên cơ quan ban hành "
                              "(ví dụ “QĐ-UBND”).", "symbol_empty_part")
    else:
        head = ""
    _check_part(parts[0], "chữ viết tắt tên cơ quan ban hành", symbol)
    for suffix in parts[1:]:
        _check_part(suffix, "chữ viết tắt đơn vị", symbol)
    return Symbol(head, parts[0], tuple(parts[1:]))


def _check_characters(symbol: str) -> None:
    """No space, no slash (the number), no dash but ``-``, no look-alike of Đ."""
    if any(ch.isspace() for ch in symbol):
        raise SymbolError(f"Ký hiệu văn bản không được có dấu cách: “{symbol.strip()}”.",
                          "symbol_whitespace")
    if "/" in symbol:
        raise SymbolError(f"Chỉ nhập ký hiệu (ví dụ “QĐ-UBND”), không kèm số văn bản và dấu "
                          f"“/”: “{symbol}”.", "symbol_slash")
    bad_dash = next((ch for ch in symbol if ch in _DASHES), None)
    if bad_dash:
        raise SymbolError(f"Ký hiệu “{symbol}” dùng dấu U+{ord(bad_dash):04X}; giữa các phần "
                          "chỉ dùng dấu gạch nối “-”.", "symbol_bad_dash")
    eth = next((ch for ch in symbol if ch in _ETH), None)
    if eth:
        raise SymbolError(f"Ký hiệu “{symbol}” có chữ “{eth}” (U+{ord(eth):04X}) giống nhưng "
                          "không phải chữ Đ tiếng Việt (U+0110).", "symbol_bad_part")


def _refuse_type(head: str, symbol: str) -> NoReturn:
    """The type part is not a Decree 30 abbreviation: say what it should be."""
    if not head:
        raise SymbolError(f"Ký hiệu “{symbol}” thiếu chữ viết tắt tên loại văn bản.",
                          "symbol_empty_part")
    hint = _BY_UPPER.get(head.upper())
    if hint:
        raise SymbolError(f"Tên loại văn bản viết tắt là “{hint}”, không phải "
                          f"“{head}”.", "symbol_lower_case" if head != head.upper()
                          else "symbol_unknown_type")
    known = ", ".join(sorted(TYPE_ABBREVS))
    raise SymbolError(f"“{head}” không phải chữ viết tắt tên loại văn bản theo Phụ lục "
                      f"III Nghị định 30/2020/NĐ-CP (các chữ viết tắt: {known}).",
                      "symbol_unknown_type")


def build_symbol(type_abbrev: str, issuer: str, *suffixes: str) -> str:
    """``build_symbol("QĐ", "UBND", "TĐKT")`` → ``"QĐ-UBND-TĐKT"`` (checked like
    :func:`parse_symbol`; empty suffixes are skipped)."""
    parts = [type_abbrev, issuer, *(s for s in suffixes if s)]
    if any(not isinstance(p, str) for p in parts):
        raise SymbolError("Các phần của ký hiệu phải là chuỗi.", "symbol_bad_part")
    return str(parse_symbol("-".join(parts)))


def format_document_number(number: int) -> str:
    """``5`` → ``05``; ``67`` → ``67`` (Decree 30: a leading zero below 10)."""
    if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= MAX_NUMBER:
        raise SymbolError(f"Số văn bản phải là số nguyên từ 1 đến {MAX_NUMBER} "
                          f"(nhận “{number!r}”).", "invalid_document_number")
    return f"{number:02d}"


def number_line(number: int | None, symbol: str, *, typed: bool = True) -> str:
    """``Số: 05/QĐ-UBND``, or ``Số:       /QĐ-UBND`` when the number is assigned at signing.

    :raises SymbolError: a malformed symbol, or a number outside 1..99999 (or not an int).
    """
    checked = str(parse_symbol(symbol, typed=typed))
    if number is None:
        return f"Số:{BLANK_NUMBER}/{checked}"
    return f"Số: {format_document_number(number)}/{checked}"
