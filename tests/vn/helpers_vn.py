"""Test helpers for the Vietnamese text library, written independently of the implementation:

* legacy encoders built from their own TCVN3 and VNI-Windows tables (laid out by vowel and
  tone, not copied from ``service.vn.legacy``), producing text as it shows once the bytes are
  read as Windows-1252;
* a reference parser of Vietnamese number words (words → int);
* the corpus of real Unicode Vietnamese in ``data/``.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"

# ----------------------------------------------------------------------------- corpus


def _lines(name: str) -> list[str]:
    text = (DATA / name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and line[0] != "#"]


@cache
def family_names() -> tuple[str, ...]:
    return tuple(_lines("family_names.txt"))


@cache
def middle_names() -> tuple[str, ...]:
    return tuple(_lines("middle_names.txt"))


@cache
def given_names() -> tuple[str, ...]:
    return tuple(_lines("given_names.txt"))


@cache
def phrases() -> tuple[str, ...]:
    return tuple(_lines("phrases.txt"))


@cache
def full_names() -> tuple[str, ...]:
    """Deterministic combinations: every given name with 12 family/middle pairs, every
    fourth one with two middle names."""
    fam, mid, giv = family_names(), middle_names(), given_names()
    out = []
    for i, given in enumerate(giv):
        for j in range(12):
            family = fam[(i * 5 + j * 7) % len(fam)]
            middle = mid[(i * 3 + j * 11) % len(mid)]
            out.append(f"{family} {middle} {given}")
            if j % 4 == 0:
                out.append(f"{family} {middle} {mid[(i + j) % len(mid)]} {given}")
    return tuple(dict.fromkeys(out))


# ----------------------------------------------------------------------------- legacy tables

TONES = ("", "\u0300", "\u0309", "\u0303", "\u0301", "\u0323")  # ngang huyền hỏi ngã sắc nặng

# TCVN3 (ABC, .VnTime): for each vowel, the byte of the bare letter (None: plain ASCII) and
# of the letter with each tone in the order of TONES[1:].
_TCVN3_ROWS = {
    "a": (None, 0xB5, 0xB6, 0xB7, 0xB8, 0xB9),
    "ă": (0xA8, 0xBB, 0xBC, 0xBD, 0xBE, 0xC6),
    "â": (0xA9, 0xC7, 0xC8, 0xC9, 0xCA, 0xCB),
    "e": (None, 0xCC, 0xCE, 0xCF, 0xD0, 0xD1),
    "ê": (0xAA, 0xD2, 0xD3, 0xD4, 0xD5, 0xD6),
    "i": (None, 0xD7, 0xD8, 0xDC, 0xDD, 0xDE),
    "o": (None, 0xDF, 0xE1, 0xE2, 0xE3, 0xE4),
    "ô": (0xAB, 0xE5, 0xE6, 0xE7, 0xE8, 0xE9),
    "ơ": (0xAC, 0xEA, 0xEB, 0xEC, 0xED, 0xEE),
    "u": (None, 0xEF, 0xF1, 0xF2, 0xF3, 0xF4),
    "ư": (0xAD, 0xF5, 0xF6, 0xF7, 0xF8, 0xF9),
    "y": (None, 0xFA, 0xFB, 0xFC, 0xFD, 0xFE),
}
_TCVN3_OTHER = {"đ": 0xAE, "Ă": 0xA1, "Â": 0xA2, "Ê": 0xA3, "Ô": 0xA4, "Ơ": 0xA5, "Ư": 0xA6,
                "Đ": 0xA7}


def _tcvn3_table() -> dict[str, int]:
    table = dict(_TCVN3_OTHER)
    for vowel, row in _TCVN3_ROWS.items():
        for tone, byte in zip(TONES, row, strict=True):
            if byte is not None:
                table[unicodedata.normalize("NFC", vowel + tone)] = byte
    return table


TCVN3 = _tcvn3_table()

# VNI-Windows: (lower-case, capital) mark characters as cp1252 shows them, by tone.
_VNI_TONE = {"\u0300": ("ø", "Ø"), "\u0309": ("û", "Û"), "\u0303": ("õ", "Õ"),
             "\u0301": ("ù", "Ù"), "\u0323": ("ï", "Ï")}
_VNI_CIRCUMFLEX = {"": ("â", "Â"), "\u0300": ("à", "À"), "\u0309": ("å", "Å"),
                   "\u0303": ("ã", "Ã"), "\u0301": ("á", "Á"), "\u0323": ("ä", "Ä")}
_VNI_BREVE = {"": ("ê", "Ê"), "\u0300": ("è", "È"), "\u0309": ("ú", "Ú"), "\u0303": ("ü", "Ü"),
              "\u0301": ("é", "É"), "\u0323": ("ë", "Ë")}
_VNI_I = {"\u0300": ("ì", "Ì"), "\u0309": ("æ", "Æ"), "\u0303": ("ó", "Ó"),
          "\u0301": ("í", "Í"), "\u0323": ("ò", "Ò")}
_VNI_LETTER = {"đ": "ñ", "Đ": "Ñ", "ơ": "ô", "Ơ": "Ô", "ư": "ö", "Ư": "Ö", "ỵ": "î", "Ỵ": "Î"}


def tcvn3_shown(text: str, *, heading_font: bool = False) -> str:
    """``text`` typed with a .VnTime font and read as Windows-1252. Capitals with tones take
    the lower-case code (as the .VnTimeH capital fonts do); ``heading_font`` uses lower-case
    codes for the capitals Ă Â Ê Ô Ơ Ư Đ as well."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        key = ch
        if ch not in TCVN3 or (heading_font and ch.isupper()):
            key = ch.lower()
        byte = TCVN3.get(key)
        out.append(bytes([byte]).decode("cp1252") if byte is not None else ch)
    return "".join(out)


def vni_shown(text: str) -> str:
    """``text`` typed with a VNI-Windows font and read as Windows-1252."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        if ch in _VNI_LETTER:
            out.append(_VNI_LETTER[ch])
            continue
        d = unicodedata.normalize("NFD", ch)
        base, marks = d[0], d[1:]
        cap = 1 if base.isupper() else 0
        tone = next((m for m in marks if m in _VNI_TONE), "")
        known = {"\u0302", "\u0306", "\u031b", *_VNI_TONE}
        if not marks or base.lower() not in "aeiouy" or not set(marks) <= known:
            out.append(ch)
        elif "\u031b" in marks:  # ơ ư with a tone
            out.append(_VNI_LETTER[unicodedata.normalize("NFC", base + "\u031b")])
            out.append(_VNI_TONE[tone][cap])
        elif "\u0302" in marks:
            out.append(base + _VNI_CIRCUMFLEX[tone][cap])
        elif "\u0306" in marks:
            out.append(base + _VNI_BREVE[tone][cap])
        elif base.lower() == "i":
            out.append(_VNI_I[tone][cap])
        else:
            out.append(base + _VNI_TONE[tone][cap])
    return "".join(out)


def utf8_as_cp1252(text: str) -> str:
    """UTF-8 bytes of ``text`` read as Windows-1252 (undefined bytes kept as C1 controls)."""
    return "".join(bytes([b]).decode("cp1252", errors="ignore") or chr(b)
                   for b in unicodedata.normalize("NFC", text).encode("utf-8"))


# ----------------------------------------------------------------------------- number words

_UNITS = {"không": 0, "một": 1, "mốt": 1, "hai": 2, "ba": 3, "bốn": 4, "tư": 4, "năm": 5,
          "lăm": 5, "nhăm": 5, "sáu": 6, "bảy": 7, "tám": 8, "chín": 9}
_SCALES = {"nghìn": 10**3, "ngàn": 10**3, "triệu": 10**6, "tỷ": 10**9, "tỉ": 10**9}


def words_to_int(text: str) -> int:
    """Parse a reading such as "Một nghìn không trăm linh năm đồng chẵn" back to 1005.

    Strict: every group below a thousand must be well formed ("<d> trăm", "linh/lẻ <d>",
    "mười", "<d> mươi"), scale words must decrease within a "tỷ" section, and an unknown word
    raises ValueError.
    """
    words = text.lower().split()
    while words and words[-1] in ("đồng", "chẵn"):
        words.pop()
    if words and words[0] == "âm":
        return -words_to_int(" ".join(words[1:]))
    if words == ["không"]:
        return 0

    def small(ws: list[str]) -> int:
        """0..999 from its words."""
        value, i = 0, 0
        if len(ws) >= 2 and ws[1] == "trăm":
            value, i = 100 * _UNITS[ws[0]], 2
        rest = ws[i:]
        if not rest:
            return value
        if rest[0] in ("linh", "lẻ"):
            if len(rest) != 2 or rest[1] not in _UNITS:
                raise ValueError(text)
            return value + _UNITS[rest[1]]
        if rest[0] == "mười":
            if len(rest) > 2:
                raise ValueError(text)
            return value + 10 + (_UNITS[rest[1]] if len(rest) == 2 else 0)
        if len(rest) >= 2 and rest[1] == "mươi":
            tens = _UNITS[rest[0]]
            if tens < 2 or len(rest) > 3:
                raise ValueError(text)
            return value + 10 * tens + (_UNITS[rest[2]] if len(rest) == 3 else 0)
        if len(rest) == 1:
            return value + _UNITS[rest[0]]
        raise ValueError(text)

    def below_billion(ws: list[str]) -> int:
        total, group, last_scale = 0, [], 10**9
        for w in ws:
            if w in ("nghìn", "ngàn", "triệu"):
                scale = _SCALES[w]
                if scale >= last_scale or not group:
                    raise ValueError(text)
                total += small(group) * scale
                group, last_scale = [], scale
            elif w in _UNITS or w in ("trăm", "mươi", "mười", "linh", "lẻ"):
                group.append(w)
            else:
                raise ValueError(f"unknown word {w!r} in {text!r}")
        return total + (small(group) if group else 0)

    # "tỷ" sections: the part before the last "tỷ" is itself a number
    if "tỷ" in words or "tỉ" in words:
        last = max(i for i, w in enumerate(words) if w in ("tỷ", "tỉ"))
        return words_to_int(" ".join(words[:last])) * 10**9 + below_billion(words[last + 1:])
    return below_billion(words)
