"""Input hygiene for every text field (DOMAIN.md §5.2, SECURITY.md §1 items 6 and 12).

:func:`check_text` returns the text in NFC or raises :class:`TextError` naming the first
problem, its 1-based position and its code point. The user's tone placement (``hoà`` /
``hòa``) is kept as typed; nothing else is rewritten except line ends (below).

Codes (stable, for API clients):

``invalid_type``
    not a string.
``legacy_encoding_tcvn3``, ``legacy_encoding_vni``
    Vietnamese typed with a TCVN3 (ABC, ``.VnTime``) or VNI-Windows font and read as
    Windows-1252 (``Céng hßa x· héi``, ``Coäng hoøa xaõ hoäi``); the message tells how to
    convert it with Unikey. Checked first, because TCVN3's ``ư`` shows as a soft hyphen.
``mojibake_utf8``
    UTF-8 text read as Windows-1252 (``Nguyá»…n``): a file opened with the wrong encoding.
``control_character``
    any C0/C1 control (category Cc) including TAB, and the Unicode line and paragraph
    separators U+2028/U+2029. In multi-line fields LF is allowed and CRLF is accepted and
    returned as LF; a CR on its own is rejected (a classic-Mac line end or an attempt to hide
    text), as are form feed and vertical tab, which docxtpl turns into page/paragraph breaks.
``bidi_control``
    bidirectional embeddings, overrides, isolates and marks (U+202A-202E, U+2066-2069,
    U+200E, U+200F, U+061C), which can reorder what a reader sees.
``invisible_character``
    format characters (category Cf: zero-width space/non-joiner/joiner, word joiner,
    BOM/ZWNBSP, soft hyphen, invisible operators, tag characters …), variation selectors,
    the combining grapheme joiner, and blank "letters" (Hangul fillers, U+2800).
``combining_mark``
    a combining mark with no letter before it, or more than two marks on one letter
    (Vietnamese needs at most two: ``ệ`` = e + ̂ + ̣).
``invalid_character``
    private-use, unassigned, noncharacter and surrogate code points, U+FFFD (text already
    damaged by a wrong decoding) and U+FFFC (an object placeholder from a paste).

:func:`check_script` and :func:`check_tokens` run after :func:`check_text` on every schema
text field:

``mixed_script``
    a word (a run of letters and marks) mixes letters of two scripts, as a Latin name with
    a look-alike Cyrillic or Greek letter does (``Nguyễn`` with a Cyrillic ``е``). A word
    wholly in one script (α, 東京, Москва) is fine in body texts.
``script_not_allowed``
    in a name field (people, agencies, units, places), a letter that is not Latin, a digit
    that is not 0-9, or a symbol or emoji: names on these documents are Vietnamese in Latin
    script.
``formula_like``
    a name field that starts like a spreadsheet formula (=, +, -, @ or their full-width
    forms): a list whose names are ``=HYPERLINK(…)`` was pasted from a spreadsheet wrongly.
``token_too_long``
    a run of more than :data:`MAX_TOKEN` characters without a space (a pasted blob, a runaway
    URL): it could only print as many lines of unreadable characters.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from service.vn.legacy import diagnose, repair

BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e\u2061\u2062\u2063\u2064"
                      "\u115f\u1160\u3164\uffa0\u034f\u17b4\u17b5\u2800")
LINE_SEPARATORS = frozenset("\u2028\u2029")
REPLACEMENT = frozenset("\ufffd\ufffc")
MAX_MARKS = 2

CONVERT_HELP = (
    "Hãy chuyển văn bản sang Unicode trước khi nhập: sao chép đoạn văn bản, mở Unikey → "
    "“Công cụ chuyển mã” (Ctrl+Shift+F6), chọn bảng mã Nguồn: {source}, Đích: Unicode, bấm "
    "“Chuyển mã” rồi dán lại; hoặc gõ lại bằng bảng mã Unicode."
)
_SOURCES = {"TCVN3": "TCVN3 (ABC)", "VNI": "VNI Windows"}


class TextError(ValueError):
    """Rejected text. ``code`` is stable, ``message`` is Vietnamese; ``position`` (1-based)
    and ``char`` name the offending character when there is one."""

    def __init__(self, code: str, message: str, *, position: int | None = None,
                 char: str | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.position = position
        self.char = char
        self.field = field


def _in_field(field: str | None) -> str:
    return f" trong trường “{field}”" if field else ""


def _describe(ch: str) -> str:
    name = unicodedata.name(ch, "")
    return f"U+{ord(ch):04X}" + (f" {name}" if name else "")


def _snippet(text: str, limit: int = 50) -> str:
    text = " ".join(text.split())
    text = "".join("\ufffd" if unicodedata.category(ch).startswith("C") else ch for ch in text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _legacy_error(s: str, field: str | None) -> TextError | None:
    found = diagnose(s)
    if found is None:
        return None
    meant = _snippet(repair(s, found))
    if found == "UTF-8":
        return TextError(
            "mojibake_utf8",
            f"Văn bản{_in_field(field)} bị lỗi bảng mã: “{_snippet(s)}” (có lẽ là “{meant}”). "
            "Văn bản UTF-8 đã bị đọc sai bảng mã, thường do mở tệp CSV/TXT không đúng mã. Hãy "
            "mở lại tệp với bảng mã UTF-8 (Excel: Dữ liệu → Từ văn bản/CSV → Nguồn tệp: "
            "65001: Unicode (UTF-8)) rồi sao chép lại.", field=field)
    source = _SOURCES[found]
    return TextError(
        f"legacy_encoding_{found.lower()}",
        f"Văn bản{_in_field(field)} được gõ bằng bảng mã cũ {source} nên hiển thị sai thành "
        f"“{_snippet(s)}” (có lẽ là “{meant}”). " + CONVERT_HELP.format(source=source),
        field=field)


def _char_problem(ch: str, category: str, multiline: bool, newline_ok: bool
                  ) -> tuple[str, str, str] | None:
    """(code, what, hint) for one character that is not a combining mark, or None."""
    if newline_ok:
        return None
    if category == "Cc" or ch in LINE_SEPARATORS:
        if ch in "\n\r" and not multiline:
            return "control_character", "Có ký tự xuống dòng", "trường này chỉ nhận một dòng"
        if ch == "\t":
            return "control_character", "Có ký tự tab", "hãy thay bằng dấu cách"
        return "control_character", "Có ký tự điều khiển", "hãy xóa ký tự đó"
    if ch in BIDI:
        return ("bidi_control", "Có ký tự đổi chiều văn bản",
                "hãy xóa ký tự đó (nó làm văn bản hiển thị khác với nội dung thật)")
    if ch in INVISIBLE or category == "Cf" or _variation_selector(ch):
        return ("invisible_character", "Có ký tự vô hình",
                "hãy xóa ký tự đó (thường lẫn vào khi sao chép từ web hoặc Word)")
    if category in ("Co", "Cn", "Cs") or ch in REPLACEMENT:
        return ("invalid_character", "Có ký tự không hợp lệ",
                "có thể văn bản đã bị lỗi khi sao chép; hãy gõ lại đoạn đó")
    return None


def _variation_selector(ch: str) -> bool:
    return 0xFE00 <= ord(ch) <= 0xFE0F or 0xE0100 <= ord(ch) <= 0xE01EF


def _char_error(s: str, multiline: bool, field: str | None) -> TextError | None:
    marks = 0
    previous_letter = False
    for index, ch in enumerate(s):
        category = unicodedata.category(ch)
        problem: tuple[str, str, str] | None = None
        if category in ("Mn", "Mc", "Me") and ch not in INVISIBLE \
                and not _variation_selector(ch):
            marks += 1
            if not previous_letter:
                problem = ("combining_mark", "Có dấu thanh/dấu phụ không gắn với chữ cái nào",
                           "hãy gõ lại chữ cái cùng dấu")
            elif marks > MAX_MARKS:
                problem = ("combining_mark", "Có quá nhiều dấu chồng lên một chữ cái",
                           "hãy gõ lại chữ đó")
        else:
            marks = 0
            previous_letter = category.startswith("L")
            newline_ok = multiline and (ch == "\n" or (ch == "\r" and s[index + 1:index + 2]
                                                         == "\n"))
            problem = _char_problem(ch, category, multiline, newline_ok)
        if problem is not None:
            code, what, hint = problem
            position = index + 1
            return TextError(code, f"{what} ở vị trí {position}{_in_field(field)} "
                             f"({_describe(ch)}); {hint}.", position=position, char=ch,
                             field=field)
    return None


def check_text(s: str, *, multiline: bool = False, field: str | None = None) -> str:
    """Return ``s`` in NFC (CRLF → LF in multi-line fields), or raise :class:`TextError`.

    Legacy-encoded text is reported first (its message is the useful one), then the first
    offending character in the text as given (its 1-based position and code point).
    """
    if not isinstance(s, str):
        raise TextError("invalid_type", "Giá trị phải là chuỗi văn bản.", field=field)
    error = _legacy_error(s, field) or _char_error(s, multiline, field)
    if error is not None:
        raise error
    if multiline:
        s = s.replace("\r\n", "\n")
    return unicodedata.normalize("NFC", s)


# ------------------------------------------------------------------ scripts and formulas

SCRIPT_NAMES = {"LATIN": "chữ Latinh", "CYRILLIC": "chữ Kirin", "GREEK": "chữ Hy Lạp",
                "CJK": "chữ Hán/Nhật/Hàn", "ARABIC": "chữ Ả Rập", "HEBREW": "chữ Do Thái",
                "THAI": "chữ Thái", "LAO": "chữ Lào", "KHMER": "chữ Khmer",
                "ARMENIAN": "chữ Armenia", "GEORGIAN": "chữ Gruzia",
                "DEVANAGARI": "chữ Devanagari"}
_CJK = ("CJK", "HIRAGANA", "KATAKANA", "HANGUL", "BOPOMOFO", "KATAKANA-HIRAGANA", "IDEOGRAPHIC")
FORMULA_STARTS = "=+-@\uff1d\uff0b\uff0d\uff20"


@functools.cache
def script_of(ch: str) -> str | None:
    """The script of a letter (``LATIN``, ``CYRILLIC``, ``CJK`` …), None for anything else.
    Read from the character's Unicode name: the standard library has no script property."""
    if not unicodedata.category(ch).startswith("L"):
        return None
    name = unicodedata.name(ch, "")
    first = name.split(" ", 1)[0]
    if first in _CJK:
        return "CJK"
    if first in ("MODIFIER", "FEMININE", "MASCULINE"):  # ʼ ª º: used with any script
        return None
    return first or "OTHER"


def _what(ch: str) -> str:
    script = script_of(ch)
    if script is not None:
        return SCRIPT_NAMES.get(script, "chữ không phải Latinh")
    category = unicodedata.category(ch)
    if category.startswith("N"):
        return "chữ số không phải 0-9"
    return "biểu tượng hoặc emoji"


def _wrong(ch: str, position: int, field: str | None, code: str, why: str) -> TextError:
    return TextError(code, f"Ký tự “{ch}” ({_what(ch)}, {_describe(ch)}) ở vị trí {position}"
                     f"{_in_field(field)} {why}", position=position, char=ch, field=field)


def _words(s: str):
    """(start index, word) for every run of letters and combining marks."""
    start = None
    for index, ch in enumerate(s + " "):
        inside = unicodedata.category(ch)[0] in "LM" and index < len(s)
        if inside and start is None:
            start = index
        elif not inside and start is not None:
            yield start, s[start:index]
            start = None


def _mixed_word_error(s: str, field: str | None) -> TextError | None:
    if len({script_of(ch) for ch in set(s)} - {None}) < 2:
        return None  # one script in the whole text: no word can mix (the usual case, fast)
    for start, word in _words(s):
        scripts = [script_of(ch) for ch in word]
        counts: dict[str, int] = {}
        for script in scripts:
            if script is not None:
                counts[script] = counts.get(script, 0) + 1
        if len(counts) < 2:
            continue
        main = max(counts, key=lambda k: (counts[k], k == "LATIN"))
        offset = next(i for i, sc in enumerate(scripts) if sc not in (None, main))
        return _wrong(word[offset], start + offset + 1, field, "mixed_script",
                      f"không phải chữ cái tiếng Việt mà lẫn vào từ “{word}” viết bằng "
                      f"{SCRIPT_NAMES.get(main, 'chữ khác')}: chữ trông giống nhau nhưng là "
                      "ký tự khác. Hãy gõ lại từ đó bằng bàn phím tiếng Việt.")
    return None


@functools.cache
def _not_in_names(ch: str) -> bool:
    category = unicodedata.category(ch)
    script = script_of(ch)
    return (script is not None and script != "LATIN") \
        or (category.startswith("N") and not "0" <= ch <= "9") \
        or category in ("So", "Sk", "Co", "Cn")


def _name_char_error(s: str, field: str | None) -> TextError | None:
    if not any(_not_in_names(ch) for ch in set(s)):
        return None
    index, ch = next((i, c) for i, c in enumerate(s) if _not_in_names(c))
    return _wrong(ch, index + 1, field, "script_not_allowed",
                  "không phải chữ cái tiếng Việt: tên người, cơ quan, đơn vị, địa danh chỉ ghi "
                  "bằng chữ Latinh tiếng Việt, chữ số 0-9 và dấu câu.")


def check_script(s: str, *, name: bool = False, field: str | None = None) -> None:
    """Raise :class:`TextError` for a word mixing scripts; in a name field (``name=True``)
    also for a non-Latin letter, a digit other than 0-9, a symbol or emoji, or a start like a
    spreadsheet formula. ``s`` is NFC text that passed :func:`check_text`."""
    error = _mixed_word_error(s, field)
    if error is None and name:
        error = _name_char_error(s, field)
        stripped = s.lstrip()
        if error is None and stripped[:1] in tuple(FORMULA_STARTS):
            ch = stripped[0]
            error = TextError(
                "formula_like", f"Giá trị{_in_field(field)} bắt đầu bằng “{ch}” như một công "
                "thức bảng tính (=, +, -, @): tên người, cơ quan, đơn vị không bắt đầu bằng "
                "các dấu này. Có lẽ ô đã được sao chép cả công thức; hãy ghi lại tên.",
                position=len(s) - len(stripped) + 1, char=ch, field=field)
    if error is not None:
        raise error


# ------------------------------------------------------------------ unbroken tokens

MAX_TOKEN = 200  # longest run of characters without a space that a text field accepts


def check_tokens(s: str, *, field: str | None = None, limit: int = MAX_TOKEN) -> None:
    """Raise :class:`TextError` for the first run of more than ``limit`` characters with no
    space: it names the run's 1-based position and length."""
    match = re.search(rf"\S{{{limit + 1},}}", s)
    if match is None:
        return
    start, length = match.start(), len(match.group())
    raise TextError(
        "token_too_long", f"Có một chuỗi {length} ký tự liền nhau không có dấu cách ở vị trí "
        f"{start + 1}{_in_field(field)} (“{_snippet(match.group(), 30)}”); tối đa {limit} ký tự "
        "liền nhau để in được trọn vẹn. Hãy thêm dấu cách hoặc rút gọn (ví dụ một địa chỉ web "
        "dài).", position=start + 1, char=s[start], field=field)
