"""Input hygiene: control, bidi, invisible and invalid characters; NFC; legacy encodings
(TCVN3, VNI-Windows) and UTF-8 mojibake, detected on real samples and never on real
Unicode Vietnamese (DOMAIN.md §5.2, SECURITY.md §1 item 12)."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service import vn
from service.vn import legacy
from tests.vn.helpers_vn import (
    full_names,
    phrases,
    tcvn3_shown,
    utf8_as_cp1252,
    vni_shown,
)

# ----------------------------------------------------------------------------- characters

REJECTED = [
    # control characters
    ("Nguyễn\x00Văn", "control_character", 7, "U+0000"),
    ("Về\x07 công tác", "control_character", 3, "U+0007"),
    ("A\x0cB", "control_character", 2, "U+000C"),
    ("A\x0bB", "control_character", 2, "U+000B"),
    ("A\tB", "control_character", 2, "U+0009"),
    ("A\nB", "control_character", 2, "U+000A"),
    ("A\r\nB", "control_character", 2, "U+000D"),
    ("A\x1bB", "control_character", 2, "U+001B"),
    ("A\x7fB", "control_character", 2, "U+007F"),
    ("A\x85B", "control_character", 2, "U+0085"),
    ("A\u2028B", "control_character", 2, "U+2028"),
    ("A\u2029B", "control_character", 2, "U+2029"),
    # bidirectional controls
    ("abc\u202edef", "bidi_control", 4, "U+202E"),
    ("abc\u202adef", "bidi_control", 4, "U+202A"),
    ("abc\u202ddef", "bidi_control", 4, "U+202D"),
    ("abc\u2066x", "bidi_control", 4, "U+2066"),
    ("abc\u2067x", "bidi_control", 4, "U+2067"),
    ("abc\u2068x", "bidi_control", 4, "U+2068"),
    ("abc\u2069x", "bidi_control", 4, "U+2069"),
    ("abc\u200ex", "bidi_control", 4, "U+200E"),
    ("abc\u200fx", "bidi_control", 4, "U+200F"),
    ("abc\u061cx", "bidi_control", 4, "U+061C"),
    # invisible characters
    ("Nguyễn\u200bVăn", "invisible_character", 7, "U+200B"),
    ("x\u200cy", "invisible_character", 2, "U+200C"),
    ("x\u200dy", "invisible_character", 2, "U+200D"),
    ("x\u2060y", "invisible_character", 2, "U+2060"),
    ("\ufeffx", "invisible_character", 1, "U+FEFF"),
    ("Hà\u00adNội", "invisible_character", 3, "U+00AD"),
    ("x\u2062y", "invisible_character", 2, "U+2062"),
    ("x\u180ey", "invisible_character", 2, "U+180E"),
    ("x\u034fy", "invisible_character", 2, "U+034F"),
    ("x\ufe0fy", "invisible_character", 2, "U+FE0F"),
    ("x\U000e0100y", "invisible_character", 2, "U+E0100"),
    ("x\U000e0041y", "invisible_character", 2, "U+E0041"),
    ("x\u3164y", "invisible_character", 2, "U+3164"),
    ("x\u2800y", "invisible_character", 2, "U+2800"),
    # private use, unassigned, surrogates, replacement characters
    ("x\ue000y", "invalid_character", 2, "U+E000"),
    ("x\U000f0000y", "invalid_character", 2, "U+F0000"),
    ("x\u0378y", "invalid_character", 2, "U+0378"),
    ("x\ufdd0y", "invalid_character", 2, "U+FDD0"),
    ("x\uffffy", "invalid_character", 2, "U+FFFF"),
    ("x\ud800y", "invalid_character", 2, "U+D800"),
    ("x\ufffdy", "invalid_character", 2, "U+FFFD"),
    ("x\ufffcy", "invalid_character", 2, "U+FFFC"),
    # stray or stacked combining marks
    ("\u0301Anh", "combining_mark", 1, "U+0301"),
    ("Anh \u0301", "combining_mark", 5, "U+0301"),
    ("a\u0301\u0301\u0301", "combining_mark", 4, "U+0301"),
    ("5\u0323", "combining_mark", 2, "U+0323"),
]


@pytest.mark.parametrize(("text", "code", "position", "codepoint"), REJECTED)
def test_rejected_characters(text, code, position, codepoint):
    with pytest.raises(vn.TextError) as exc:
        vn.check_text(text, field="Họ tên")
    error = exc.value
    assert error.code == code
    assert error.position == position
    assert f"vị trí {position}" in error.message
    assert codepoint in error.message
    assert "“Họ tên”" in error.message
    assert error.field == "Họ tên"
    assert isinstance(error, ValueError)
    assert str(error) == error.message


@pytest.mark.parametrize(("text", "code"), [(t, c) for t, c, _, _ in REJECTED if t != "A\nB"
                                            and t != "A\r\nB"])
def test_multiline_does_not_relax_other_characters(text, code):
    with pytest.raises(vn.TextError) as exc:
        vn.check_text(text, multiline=True)
    assert exc.value.code == code


def test_multiline_line_ends():
    assert vn.check_text("dòng 1\ndòng 2", multiline=True) == "dòng 1\ndòng 2"
    assert vn.check_text("dòng 1\r\ndòng 2\r\n", multiline=True) == "dòng 1\ndòng 2\n"
    with pytest.raises(vn.TextError) as exc:  # a lone CR is not a line end we accept
        vn.check_text("dòng 1\rdòng 2", multiline=True)
    assert exc.value.code == "control_character"
    assert exc.value.position == 7
    with pytest.raises(vn.TextError) as exc:
        vn.check_text("dòng 1\n\tthụt lề", multiline=True)
    assert exc.value.code == "control_character"
    assert "tab" in exc.value.message
    with pytest.raises(vn.TextError) as exc:
        vn.check_text("dòng 1\ndòng 2")
    assert "một dòng" in exc.value.message


def test_nfc_and_tone_placement():
    nfd = unicodedata.normalize("NFD", "Nguyễn Thị Hồng Ánh – đội Tiên phong")
    assert len(nfd) == 45
    out = vn.check_text(nfd)
    assert out == "Nguyễn Thị Hồng Ánh – đội Tiên phong"
    assert len(out) == 36
    assert vn.check_text("hoà") == "hoà"
    assert vn.check_text("hòa") == "hòa"
    assert vn.check_text("Thuý") == "Thuý"
    assert vn.check_text("Thúy") == "Thúy"
    assert vn.check_text("") == ""
    assert vn.check_text("  Hà Nội  ") == "  Hà Nội  "  # stripping is the schema's job


@pytest.mark.parametrize("text", [
    "Nguyễn Thị Thanh Thúy", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
    "“Chiến sĩ thi đua cơ sở”", "Hà Nội\u00a0(trụ sở)", "Số: 05/QĐ-UBND", "1.870.000 đồng",
    "A & B <C>", "{{ 7*7 }}", "Müller", "Ærøskøbing", "中文", "Ελληνικά", "עברית", "🏆",
    "Krông Pắc", "H'Hen Niê", "e\u0302\u0301", "Phường 7, Quận 3",
])
def test_accepted_text(text):
    assert vn.check_text(text) == unicodedata.normalize("NFC", text)


@pytest.mark.parametrize("bad", [None, 5, b"abc", ["x"]])
def test_non_strings(bad):
    with pytest.raises(vn.TextError) as exc:
        vn.check_text(bad)
    assert exc.value.code == "invalid_type"


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=60), st.booleans())
def test_check_text_returns_clean_nfc_or_raises_text_error(text, multiline):
    try:
        out, error = vn.check_text(text, multiline=multiline), None
    except vn.TextError as exc:
        error = exc
    if error is not None:
        assert error.code
        assert error.message
        return
    assert unicodedata.is_normalized("NFC", out)
    assert vn.check_text(out, multiline=multiline) == out
    for ch in out:
        category = unicodedata.category(ch)
        assert category not in ("Cf", "Co", "Cn", "Cs")
        assert category != "Cc" or (multiline and ch == "\n")


# ----------------------------------------------------------------------------- legacy text

# Realistic samples: names, headings, unit names, emulation titles, a sentence.
LEGACY_SOURCES = [
    "Cộng hòa xã hội chủ nghĩa Việt Nam",
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
    "ỦY BAN NHÂN DÂN TỈNH QUẢNG TRỊ",
    "Ủy ban nhân dân tỉnh Thanh Hóa",
    "SỞ THÔNG TIN VÀ TRUYỀN THÔNG",
    "SỞ GIÁO DỤC VÀ ĐÀO TẠO",
    "Phòng Giáo dục và Đào tạo",
    "Trường THPT Hàm Rồng",
    "Về công tác thi đua, khen thưởng năm 2020",
    "Chiến sĩ thi đua cơ sở",
    "Tập thể lao động xuất sắc",
    "Lao động tiên tiến",
    "Huân chương Lao động hạng Ba",
    "Đã có thành tích xuất sắc trong phong trào thi đua yêu nước",
    "Nguyễn Thị Thanh Thúy",
    "NGUYỄN THỊ THANH THÚY",
    "Trần Văn Bình",
    "Lê Thị Hồng Nhung",
    "Đỗ Minh Đức",
    "Ngô Quốc Khánh",
    "Phạm Thị Ân",
    "Hoàng Văn Dũng",
    "Vũ Thị Út",
    "Bùi Văn Ưng",
    "Đặng Thị Hường",
    "Trương Mỹ Lệ",
    "Dương Ngọc Quỳnh",
    "Huỳnh Tấn Phát",
    "Mường Khương",
    "Bảo Thắng",
    "Giám đốc Sở Nội vụ",
    "Bằng khen của Chủ tịch Ủy ban nhân dân tỉnh",
]


@pytest.mark.parametrize("text", LEGACY_SOURCES)
def test_tcvn3_samples_are_detected(text):
    for shown in {tcvn3_shown(text), tcvn3_shown(text, heading_font=True)}:
        assert vn.detect_legacy_encoding(shown) == "TCVN3", shown
        with pytest.raises(vn.TextError) as exc:
            vn.check_text(shown, field="Tên")
        assert exc.value.code == "legacy_encoding_tcvn3"


@pytest.mark.parametrize("text", LEGACY_SOURCES)
def test_vni_samples_are_detected(text):
    shown = vni_shown(text)
    assert vn.detect_legacy_encoding(shown) == "VNI", shown
    with pytest.raises(vn.TextError) as exc:
        vn.check_text(shown)
    assert exc.value.code == "legacy_encoding_vni"


@pytest.mark.parametrize(("shown", "expected"), [
    ("Céng hßa x· héi chñ nghÜa", "TCVN3"),            # the brief's sample
    ("VÒ c«ng t¸c thi ®ua", "TCVN3"),
    ("NguyÔn ThÞ Thanh Thóy", "TCVN3"),
    ("B¶o Th¾ng", "TCVN3"),
    ("M\u00adêng Kh\u00ad¬ng", "TCVN3"),                # ư is 0xAD, a soft hyphen in cp1252
    ("Mêng Kh¬ng", "TCVN3"),                          # … which a copy may have dropped
    ("Coäng hoøa xaõ hoäi chuû nghóa", "VNI"),         # the brief's sample
    ("Veà coâng taùc thi ñua", "VNI"),
    ("Xin chaøo caùc baïn", "VNI"),
    ("Ñoã Minh Ñöùc", "VNI"),
])
def test_known_legacy_strings(shown, expected):
    assert vn.detect_legacy_encoding(shown) == expected


def test_samples_as_latin1_with_c1_controls_and_mixed_with_unicode():
    # bytes read as Latin-1 instead of Windows-1252 do not change these tables' letters
    raw = legacy.encode_tcvn3("Nguyễn Văn Bình").decode("latin-1")
    assert vn.detect_legacy_encoding(raw) == "TCVN3"
    # a legacy name pasted into text typed in Unicode
    assert vn.detect_legacy_encoding("Đồng chí NguyÔn V¨n A") == "TCVN3"
    assert vn.detect_legacy_encoding("Tặng Giấy khen cho bà Lª ThÞ Hoa") == "TCVN3"
    assert vn.detect_legacy_encoding("Ông Nguyeãn Vaên Minh") == "VNI"


def test_messages_tell_how_to_convert():
    with pytest.raises(vn.TextError) as exc:
        vn.check_text("NguyÔn ThÞ Thanh Thóy", field="Họ tên")
    message = exc.value.message
    for needle in ("TCVN3", "Unikey", "Công cụ chuyển mã", "Unicode", "“Họ tên”",
                   "Nguyễn Thị Thanh Thúy"):
        assert needle in message, needle
    with pytest.raises(vn.TextError) as exc:
        vn.check_text("Coäng hoøa xaõ hoäi chuû nghóa")
    assert "VNI" in exc.value.message
    assert "Unikey" in exc.value.message
    assert "Cộng hòa xã hội chủ nghĩa" in exc.value.message


def test_legacy_is_reported_before_the_soft_hyphen_it_contains():
    with pytest.raises(vn.TextError) as exc:
        vn.check_text(tcvn3_shown("Trường Hàm Rồng"))
    assert exc.value.code == "legacy_encoding_tcvn3"


@pytest.mark.parametrize("text", ["Nguyễn Văn Minh", "Đặng Thị Hường", "Hà Nội",
                                  "Cộng hòa xã hội chủ nghĩa Việt Nam"])
def test_utf8_mojibake(text):
    shown = utf8_as_cp1252(text)
    assert vn.detect_mojibake(shown)
    assert vn.detect_legacy_encoding(shown) is None
    with pytest.raises(vn.TextError) as exc:
        vn.check_text(shown)
    assert exc.value.code == "mojibake_utf8"
    assert "UTF-8" in exc.value.message


def test_round_trip_of_the_module_tables():
    for text in LEGACY_SOURCES:
        assert legacy.repair(vni_shown(text), "VNI") == text
        assert legacy.decode_vni(legacy.encode_vni(text)) == text
        assert legacy.decode_tcvn3(legacy.encode_tcvn3(text)).lower() == text.lower()


# ----------------------------------------------------------------------------- no false alarms

def _corpus() -> list[str]:
    return list(full_names()) + list(phrases())


def test_the_corpus_is_large_and_real():
    corpus = _corpus()
    assert len(set(full_names())) >= 1000
    assert len(set(phrases())) >= 300
    assert all(unicodedata.is_normalized("NFC", t) for t in corpus)
    assert all(vn.check_text(t) == t for t in corpus)


def test_no_real_unicode_text_is_flagged():
    flagged = [(t, v, legacy.diagnose(v)) for t in _corpus()
               for v in (t, t.upper(), t.lower(), unicodedata.normalize("NFD", t))
               if legacy.diagnose(v)]
    assert flagged == []


@pytest.mark.parametrize("text", [
    "Hello world", "The Ministry of Home Affairs", "Emulation and Commendation", "COVID-19",
    "a", "", "   ", "12/2025", "Mr. John O'Brien", "naïve café résumé", "São Paulo",
    "Zürich Müller François", "hoà hòa hoá hóa thuý thúy khoẻ khỏe",
    "HOÀ HÒA THUÝ THÚY", "Hà Nội · 2020", "“Lao động tiên tiến”", "Lê Hà Tô Hồ",
])
def test_plain_and_foreign_text_is_not_flagged(text):
    assert legacy.diagnose(text) is None


def test_known_limit_words_that_are_both():
    # "Seán" is also the VNI spelling of "sến": text that is both cannot be told apart
    assert vn.detect_legacy_encoding("Seán") == "VNI"


def test_detection_rate_over_the_corpus():
    """Some legacy spellings are real Unicode Vietnamese too ("Hoà" is VNI for "Hồ", "Dòng"
    is TCVN3 for "Dũng"), so a few names cannot be detected; nearly all are."""
    names = list(full_names())
    caught = {"TCVN3": 0, "VNI": 0}
    for name in names:
        caught["TCVN3"] += vn.detect_legacy_encoding(tcvn3_shown(name)) == "TCVN3"
        caught["VNI"] += vn.detect_legacy_encoding(vni_shown(name)) == "VNI"
    wrong = [n for n in names
             if vn.detect_legacy_encoding(tcvn3_shown(n)) == "VNI"
             or vn.detect_legacy_encoding(vni_shown(n)) == "TCVN3"]
    assert caught["TCVN3"] >= 0.97 * len(names), caught
    assert caught["VNI"] >= 0.97 * len(names), caught
    assert len(wrong) <= 2, wrong


_FAMILY_WORDS = tuple(dict.fromkeys(n.split()[0] for n in full_names()))
_OTHER_WORDS = tuple(dict.fromkeys(w for n in full_names() for w in n.split()[1:]))


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(_FAMILY_WORDS), st.lists(st.sampled_from(_OTHER_WORDS), min_size=1,
                                                 max_size=3),
       st.sampled_from([str, str.upper, str.lower]))
def test_generated_names_never_flagged(family, rest, case):
    name = case(" ".join([family, *rest]))
    assert legacy.diagnose(name) is None
    assert vn.check_text(name) == name
