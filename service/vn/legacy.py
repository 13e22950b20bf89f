"""Vietnamese typed in the legacy 8-bit encodings, and UTF-8 read with the wrong code page.

Text typed with the TCVN3 (ABC, ``.VnTime``) or VNI-Windows fonts is stored as bytes that a
spreadsheet, a web form or a Word document read through Windows-1252, so it arrives as valid
Unicode of the wrong letters:

* TCVN3 maps each precomposed lower-case letter (and the capitals Ă Â Ê Ô Ơ Ư Đ) to one byte
  0xA1-0xFE: ``Cộng hòa xã hội chủ nghĩa`` → ``Céng hßa x· héi chñ nghÜa``. Headings typed
  with the capital fonts (``.VnTimeH``) use the lower-case codes: ``CéNG HOµ``.
* VNI-Windows writes the base letter followed by a mark byte (``a`` + ``ù`` = ``á``; capitals
  take capital mark bytes) and has single bytes for đ, ơ, ư and the i's and ỵ:
  ``Coäng hoøa xaõ hoäi chuû nghóa``.
* UTF-8 read as Windows-1252 (a CSV opened with the wrong encoding): ``Nguyá»…n``.

Detection works word by word: a word is evidence for an encoding when, turned back into the
bytes Windows-1252 would have shown and decoded with that encoding, it becomes a Vietnamese
syllable while as given it is not one (:mod:`service.vn.syllables`). Real Unicode text gives
no such evidence, because its words are syllables already or contain letters (ư, ơ, đ, ạ…)
that no 8-bit reading can produce. Text that is legitimately both, such as the Irish name
``Seán`` (which is also ``sến`` in VNI), cannot be told apart.

The tables are also used by the tests to produce realistic legacy samples.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from service.vn.syllables import is_common, is_vietnamese_word, natural_case

# ----------------------------------------------------------------------------- TCVN3 (ABC)

#: TCVN 5712:1993 VN3 (the ".VnTime" fonts): byte → letter.
TCVN3_TO_UNICODE: dict[int, str] = {
    0xB5: "à", 0xB6: "ả", 0xB7: "ã", 0xB8: "á", 0xB9: "ạ",
    0xA8: "ă", 0xBB: "ằ", 0xBC: "ẳ", 0xBD: "ẵ", 0xBE: "ắ", 0xC6: "ặ",
    0xA9: "â", 0xC7: "ầ", 0xC8: "ẩ", 0xC9: "ẫ", 0xCA: "ấ", 0xCB: "ậ",
    0xAE: "đ",
    0xCC: "è", 0xCE: "ẻ", 0xCF: "ẽ", 0xD0: "é", 0xD1: "ẹ",
    0xAA: "ê", 0xD2: "ề", 0xD3: "ể", 0xD4: "ễ", 0xD5: "ế", 0xD6: "ệ",
    0xD7: "ì", 0xD8: "ỉ", 0xDC: "ĩ", 0xDD: "í", 0xDE: "ị",
    0xDF: "ò", 0xE1: "ỏ", 0xE2: "õ", 0xE3: "ó", 0xE4: "ọ",
    0xAB: "ô", 0xE5: "ồ", 0xE6: "ổ", 0xE7: "ỗ", 0xE8: "ố", 0xE9: "ộ",
    0xAC: "ơ", 0xEA: "ờ", 0xEB: "ở", 0xEC: "ỡ", 0xED: "ớ", 0xEE: "ợ",
    0xEF: "ù", 0xF1: "ủ", 0xF2: "ũ", 0xF3: "ú", 0xF4: "ụ",
    0xAD: "ư", 0xF5: "ừ", 0xF6: "ử", 0xF7: "ữ", 0xF8: "ứ", 0xF9: "ự",
    0xFA: "ỳ", 0xFB: "ỷ", 0xFC: "ỹ", 0xFD: "ý", 0xFE: "ỵ",
    0xA1: "Ă", 0xA2: "Â", 0xA3: "Ê", 0xA4: "Ô", 0xA5: "Ơ", 0xA6: "Ư", 0xA7: "Đ",
}
UNICODE_TO_TCVN3: dict[str, int] = {letter: byte for byte, letter in TCVN3_TO_UNICODE.items()}

# ----------------------------------------------------------------------------- VNI-Windows

#: Letters VNI-Windows writes as one byte.
VNI_SINGLE: dict[str, int] = {
    "đ": 0xF1, "Đ": 0xD1, "ơ": 0xF4, "Ơ": 0xD4, "ư": 0xF6, "Ư": 0xD6,
    "ì": 0xEC, "Ì": 0xCC, "í": 0xED, "Í": 0xCD, "ỉ": 0xE6, "Ỉ": 0xC6,
    "ĩ": 0xF3, "Ĩ": 0xD3, "ị": 0xF2, "Ị": 0xD2, "ỵ": 0xEE, "Ỵ": 0xCE,
}
_GRAVE, _HOOK, _TILDE, _ACUTE, _DOT = "\u0300", "\u0309", "\u0303", "\u0301", "\u0323"
_BREVE, _CIRCUMFLEX, _HORN = "\u0306", "\u0302", "\u031b"
#: Mark bytes written after a base letter: (modifier, tone) → (lower-case byte, capital byte).
VNI_MARKS: dict[tuple[str, str], tuple[int, int]] = {
    ("", _ACUTE): (0xF9, 0xD9), ("", _GRAVE): (0xF8, 0xD8), ("", _HOOK): (0xFB, 0xDB),
    ("", _TILDE): (0xF5, 0xD5), ("", _DOT): (0xEF, 0xCF),
    (_CIRCUMFLEX, ""): (0xE2, 0xC2), (_CIRCUMFLEX, _ACUTE): (0xE1, 0xC1),
    (_CIRCUMFLEX, _GRAVE): (0xE0, 0xC0), (_CIRCUMFLEX, _HOOK): (0xE5, 0xC5),
    (_CIRCUMFLEX, _TILDE): (0xE3, 0xC3), (_CIRCUMFLEX, _DOT): (0xE4, 0xC4),
    (_BREVE, ""): (0xEA, 0xCA), (_BREVE, _ACUTE): (0xE9, 0xC9), (_BREVE, _GRAVE): (0xE8, 0xC8),
    (_BREVE, _HOOK): (0xFA, 0xDA), (_BREVE, _TILDE): (0xFC, 0xDC), (_BREVE, _DOT): (0xEB, 0xCB),
}
#: mark byte → (modifier, tone, written after a capital)
_VNI_MARK_BYTES: dict[int, tuple[str, str, bool]] = {}
for (_modifier, _tone), (_low, _cap) in VNI_MARKS.items():
    _VNI_MARK_BYTES[_low] = (_modifier, _tone, False)
    _VNI_MARK_BYTES[_cap] = (_modifier, _tone, True)
_VNI_SINGLE_BYTES = {byte: letter for letter, byte in VNI_SINGLE.items()}
_VOWELS = frozenset("aeiouy")

# ----------------------------------------------------------------------------- code pages


def _cp1252_image() -> dict[str, int]:
    image = {chr(b): b for b in range(256)}  # latin-1 reading, incl. C1 controls
    for b in range(0x80, 0xA0):
        shown = bytes([b]).decode("cp1252", "replace")
        if shown != "\ufffd":
            image[shown] = b
    return image


_CP1252_IMAGE = _cp1252_image()


def to_bytes(text: str) -> bytes | None:
    """The bytes that show as ``text`` when read as Windows-1252 (or Latin-1); None when
    ``text`` has a character neither code page can show."""
    out = bytearray()
    for ch in text:
        byte = _CP1252_IMAGE.get(ch)
        if byte is None:
            return None
        out.append(byte)
    return bytes(out)


def _show(byte: int) -> str:
    try:
        return bytes([byte]).decode("cp1252")
    except UnicodeDecodeError:
        return chr(byte)


# ----------------------------------------------------------------------------- encode


def encode_tcvn3(text: str, *, heading_font: bool = False) -> bytes:
    """``text`` as TCVN3 bytes, for tests and samples.

    Capitals with a tone have no code of their own; like the ``.VnTimeH`` fonts they use the
    lower-case code. ``heading_font=True`` uses the lower-case codes for Ă Â Ê Ô Ơ Ư Đ too.
    Characters outside Vietnamese letters are written as Windows-1252.
    """
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        if ch in UNICODE_TO_TCVN3 and not (heading_font and ch.isupper()):
            out.append(UNICODE_TO_TCVN3[ch])
        elif ch.lower() in UNICODE_TO_TCVN3 and ch.lower() != ch:
            out.append(UNICODE_TO_TCVN3[ch.lower()])
        else:
            out += ch.encode("cp1252")
    return bytes(out)


def encode_vni(text: str) -> bytes:
    """``text`` as VNI-Windows bytes, for tests and samples."""
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        if ch in VNI_SINGLE:
            out.append(VNI_SINGLE[ch])
            continue
        decomposed = unicodedata.normalize("NFD", ch)
        base, marks = decomposed[0], decomposed[1:]
        if not marks or base.lower() not in _VOWELS:
            out += ch.encode("cp1252")
            continue
        tone = next((m for m in marks if m in (_GRAVE, _HOOK, _TILDE, _ACUTE, _DOT)), "")
        modifier = next((m for m in marks if m in (_BREVE, _CIRCUMFLEX, _HORN)), "")
        if len(marks) != bool(tone) + bool(modifier):  # ü, ç …: not a Vietnamese letter
            out += ch.encode("cp1252")
            continue
        capital = base.isupper()
        if modifier == _HORN:
            out.append(VNI_SINGLE[unicodedata.normalize("NFC", base + _HORN)])
            modifier = ""
            if not tone:
                continue
        else:
            out += base.encode("ascii")
        out.append(VNI_MARKS[(modifier, tone)][1 if capital else 0])
    return bytes(out)


# ----------------------------------------------------------------------------- decode


def decode_tcvn3(data: bytes) -> str:
    """TCVN3 bytes → Unicode (bytes that are not letters are read as Windows-1252)."""
    return "".join(TCVN3_TO_UNICODE.get(b) or _show(b) for b in data)


def decode_vni(data: bytes) -> str:
    """VNI-Windows bytes → Unicode (bytes that are not letters are read as Windows-1252).

    A mark byte combines with the vowel before it only when their case agrees (VNI writes
    ``aù`` for á and ``AÙ`` for Á), which keeps ``HuÕ`` (TCVN3 for Huế) from reading as VNI.
    """
    out: list[str] = []
    for b in data:
        mark = _VNI_MARK_BYTES.get(b)
        if mark is not None and out:
            prev = unicodedata.normalize("NFD", out[-1])
            base, marks = prev[0], prev[1:]
            modifier, tone, capital = mark
            lower = base.lower()
            toned = any(m in (_GRAVE, _HOOK, _TILDE, _ACUTE, _DOT) for m in marks)
            fits = lower in _VOWELS and base.isupper() == capital and not toned
            if modifier == _CIRCUMFLEX:
                fits = fits and lower in "aeo" and not marks
            elif modifier == _BREVE:
                fits = fits and lower == "a" and not marks
            if fits:
                out[-1] = unicodedata.normalize("NFC", base + marks + modifier + tone)
                continue
        single = _VNI_SINGLE_BYTES.get(b)
        out.append(single if single is not None else _show(b))
    return "".join(out)


def decode_utf8(data: bytes) -> str | None:
    """UTF-8 bytes → Unicode, or None when they are not UTF-8."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


DECODERS = {"TCVN3": decode_tcvn3, "VNI": decode_vni, "UTF-8": decode_utf8}

# ----------------------------------------------------------------------------- detection

_ASCII_SPACE = re.compile(r"[ \t\n\r\f\v]+")
_EDGE_ASCII = "!\"#$%()*+,./:;<=>?@[\\]^_`{|}~'-"
_EDGE_TYPO = "\u201c\u201d\u2018\u2019\u201e\u2013\u2014\u2026"


def _core(word: str) -> str:
    return word.strip(_EDGE_ASCII).strip(_EDGE_TYPO).strip(_EDGE_ASCII)


_HORN_O = re.compile("(?<![ưừửữứựƯỪỬỮỨỰ])([ơờởỡớợƠỜỞỠỚỢ])")


def _restore_dropped_u(word: str) -> str:
    """TCVN3's ư is byte 0xAD, a soft hyphen in Windows-1252, which copies and web pages
    often drop: ``Mường`` arrives as ``Mêng`` and decodes to ``Mờng``. Put the ư back
    before an ơ that lacks it when only that makes a Vietnamese word."""
    if is_vietnamese_word(word):
        return word
    restored = _HORN_O.sub(lambda m: ("Ư" if m.group(1).isupper() else "ư") + m.group(1), word)
    return restored if is_vietnamese_word(restored) else word


def _reads_as_vietnamese(word: str, encoding: str | None) -> bool:
    # TCVN3 has no capitals with tones, so its readings may mix cases (``CộNG``)
    return (encoding == "TCVN3" or natural_case(word)) and is_vietnamese_word(word)


#: Longer tokens are no words (a Vietnamese syllable has at most 7 letters; a hyphenated
#: UTF-8-mojibake name stays well below this) and are not judged, nor cached.
MAX_TOKEN = 48


def _token_evidence(token: str) -> tuple[tuple[str, int, int], ...]:
    """For one whitespace-free token and each encoding: (name, vote, weight). The vote is +1
    when the decoding turns a non-word into Vietnamese, -1 when it spoils a real word; the
    weight (1 or 2 for a frequent syllable) breaks ties between two readings."""
    if len(token) > MAX_TOKEN or token.isascii():
        return ()
    return _token_evidence_cached(token)


@lru_cache(maxsize=8192)
def _token_evidence_cached(token: str) -> tuple[tuple[str, int, int], ...]:
    given = _core(token)
    if len(given) < 2 or given.isascii():
        return ()
    data = to_bytes(token.strip(_EDGE_ASCII))
    if data is None:
        return ()
    given_ok = _reads_as_vietnamese(given, None)
    votes = []
    for name, decode in DECODERS.items():
        decoded = decode(data)
        if decoded is None:
            continue
        decoded = _core(unicodedata.normalize("NFC", decoded))
        if name == "TCVN3":
            decoded = _restore_dropped_u(decoded)
        if decoded == given:
            continue
        decoded_ok = _reads_as_vietnamese(decoded, name)
        if decoded_ok and not given_ok:
            votes.append((name, 1, 1 + is_common(decoded)))
        elif given_ok and not decoded_ok:
            votes.append((name, -1, 0))
    return tuple(votes)


def diagnose(text: str) -> str | None:
    """``"TCVN3"``, ``"VNI"`` or ``"UTF-8"`` (UTF-8 read as Windows-1252) when ``text``
    reads as Vietnamese once decoded that way and not as given; else None.

    Each word votes for the encodings that explain it and against those that spoil it; the
    encoding with the highest positive score wins, ties going to the reading with more
    frequent syllables; a tie that remains is no verdict.
    """
    if not isinstance(text, str) or text.isascii():
        return None
    score = dict.fromkeys(DECODERS, 0)
    weight = dict.fromkeys(DECODERS, 0)
    for token in _ASCII_SPACE.split(unicodedata.normalize("NFC", text)):
        if token and not token.isascii():
            for name, vote, strength in _token_evidence(token):
                score[name] += vote
                weight[name] += strength
    ranked = sorted(DECODERS, key=lambda name: (score[name], weight[name]), reverse=True)
    best, second = ranked[0], ranked[1]
    if score[best] <= 0:
        return None
    if (score[best], weight[best]) == (score[second], weight[second]):
        return None
    return best


def detect_legacy_encoding(text: str) -> str | None:
    """``"TCVN3"`` or ``"VNI"`` when ``text`` is Vietnamese typed in that legacy encoding
    and read as Windows-1252, else None (also None for UTF-8 mojibake: see :func:`diagnose`)."""
    found = diagnose(text)
    return found if found in ("TCVN3", "VNI") else None


def detect_mojibake(text: str) -> bool:
    """``True`` when ``text`` is UTF-8 Vietnamese read as Windows-1252 (``Nguyá»…n``)."""
    return diagnose(text) == "UTF-8"


def repair(text: str, encoding: str) -> str:
    """What ``text`` probably was: each word that Windows-1252 can show is decoded with
    ``encoding`` (``"TCVN3"``, ``"VNI"`` or ``"UTF-8"``); other words are kept. For messages
    and suggestions only; never store a repair without the user confirming it."""
    decode = DECODERS[encoding]
    out = []
    for part in re.split(r"([ \t\n\r\f\v]+)", unicodedata.normalize("NFC", text)):
        data = to_bytes(part) if part and not part.isascii() else None
        decoded = decode(data) if data is not None else None
        if decoded is not None and encoding == "TCVN3":
            decoded = _restore_dropped_u(unicodedata.normalize("NFC", decoded))
        out.append(decoded if decoded is not None else part)
    return unicodedata.normalize("NFC", "".join(out))
