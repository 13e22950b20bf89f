"""The Vietnamese text library: table-driven vectors (DOMAIN.md §1.7, §1.9, §5.1, §5.3),
edge cases and property tests."""

from __future__ import annotations

import datetime as dt
import unicodedata
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service import vn
from service.vn.legacy import encode_tcvn3, encode_vni
from tests.data import vn_corpus

# --- dates (§1.9) -----------------------------------------------------------------------

@pytest.mark.parametrize(("d", "expected"), [
    (dt.date(2020, 1, 5), "ngày 05 tháng 01 năm 2020"),
    (dt.date(2019, 6, 29), "ngày 29 tháng 6 năm 2019"),
    (dt.date(2019, 12, 27), "ngày 27 tháng 12 năm 2019"),
    (dt.date(2025, 2, 9), "ngày 09 tháng 02 năm 2025"),
    (dt.date(2024, 3, 10), "ngày 10 tháng 3 năm 2024"),
    (dt.date(2024, 11, 1), "ngày 01 tháng 11 năm 2024"),
])
def test_dates(d, expected):
    assert vn.format_date(d) == expected


def test_place_date_lines():
    assert vn.place_date_line("Hà Nội", dt.date(2020, 1, 5)) == "Hà Nội, ngày 05 tháng 01 năm 2020"
    assert vn.place_date_line("Thành phố Hồ Chí Minh", dt.date(2019, 6, 29)) == \
        "Thành phố Hồ Chí Minh, ngày 29 tháng 6 năm 2019"
    assert vn.place_date_line("Hà Nội", None, 2020) == "Hà Nội, ngày      tháng      năm 2020"
    with pytest.raises(ValueError, match="still needs the year"):
        vn.place_date_line("Hà Nội", None)


def test_short_dates():
    assert vn.format_date_short(dt.date(2020, 1, 5)) == "05/01/2020"
    assert vn.format_date_short(dt.date(2024, 12, 31)) == "31/12/2024"


@given(st.dates(min_value=dt.date(1945, 1, 1), max_value=dt.date(2100, 12, 31)))
def test_every_date_reads_back(d):
    text = vn.format_date(d)
    _, day, _, month, _, year = text.split()
    assert (int(day), int(month), int(year)) == (d.day, d.month, d.year)
    assert len(day) == 2
    assert (len(month) == 2) == (d.month in (1, 2) or d.month >= 10)


# --- number and symbol (§1.7, §1.8) ------------------------------------------------------

@pytest.mark.parametrize(("number", "symbol", "expected"), [
    (5, "QĐ-UBND", "Số: 05/QĐ-UBND"),
    (67, "CT-BTTTT", "Số: 67/CT-BTTTT"),
    (12, "KH-STTTT", "Số: 12/KH-STTTT"),
    (1520, "QĐ-SGDĐT", "Số: 1520/QĐ-SGDĐT"),
    (9, "QĐ-UBND-TĐKT", "Số: 09/QĐ-UBND-TĐKT"),
    (10, "TTr-UBND", "Số: 10/TTr-UBND"),
    (3, "QyĐ-BNV", "Số: 03/QyĐ-BNV"),
    (None, "QĐ-UBND", "Số:       /QĐ-UBND"),
])
def test_number_lines(number, symbol, expected):
    assert vn.number_line(number, symbol) == expected


def test_every_type_abbreviation_is_accepted():
    assert len(vn.DOC_TYPE_ABBREVIATIONS) == 30
    for abbrev in vn.DOC_TYPE_ABBREVIATIONS.values():
        assert vn.parse_symbol(f"{abbrev}-UBND").type_abbrev == abbrev


@pytest.mark.parametrize("bad", ["QĐ - UBND", "qđ-UBND", "QĐ-ubnd", "XX-UBND", "QĐ-", "QĐ",
                                 "QĐ-UBND-", "QĐ-UB ND", " QĐ-UBND", ""])
def test_malformed_symbols_are_rejected_with_a_message(bad):
    with pytest.raises(vn.SymbolError) as exc:
        vn.parse_symbol(bad)
    assert exc.value.message


@pytest.mark.parametrize("bad", [0, -1, 100000, True, "5", 5.0])
def test_bad_numbers(bad):
    with pytest.raises(vn.SymbolError):
        vn.number_line(bad, "QĐ-UBND")


def test_build_symbol():
    assert vn.build_symbol("QĐ", "UBND", "TĐKT") == "QĐ-UBND-TĐKT"


# --- money (§5.1) ---------------------------------------------------------------------

VECTORS = {
    2001: "Hai nghìn không trăm linh một đồng",
    2023: "Hai nghìn không trăm hai mươi ba đồng",
    1000000001: "Một tỷ không trăm linh một đồng",
    123456: "Một trăm hai mươi ba nghìn bốn trăm năm mươi sáu đồng",
    2024: "Hai nghìn không trăm hai mươi tư đồng",
    1010: "Một nghìn không trăm mười đồng",
    105: "Một trăm linh năm đồng",
    21: "Hai mươi mốt đồng", 25: "Hai mươi lăm đồng",
    700000: "Bảy trăm nghìn đồng", 702000: "Bảy trăm linh hai nghìn đồng",
    710000: "Bảy trăm mười nghìn đồng",
    1870000: "Một triệu tám trăm bảy mươi nghìn đồng",
    2340000: "Hai triệu ba trăm bốn mươi nghìn đồng",
    3510000: "Ba triệu năm trăm mười nghìn đồng",
    4680000: "Bốn triệu sáu trăm tám mươi nghìn đồng",
    7020000: "Bảy triệu không trăm hai mươi nghìn đồng",
    8190000: "Tám triệu một trăm chín mươi nghìn đồng",
    10530000: "Mười triệu năm trăm ba mươi nghìn đồng",
    14040000: "Mười bốn triệu không trăm bốn mươi nghìn đồng",
    18720000: "Mười tám triệu bảy trăm hai mươi nghìn đồng",
    28080000: "Hai mươi tám triệu không trăm tám mươi nghìn đồng",
    1050000: "Một triệu không trăm năm mươi nghìn đồng",
    # edge cases of our own
    0: "Không đồng", 10: "Mười đồng", 14: "Mười bốn đồng", 15: "Mười lăm đồng",
    24: "Hai mươi tư đồng", 101: "Một trăm linh một đồng",
    1005: "Một nghìn không trăm linh năm đồng",
    1000000: "Một triệu đồng",
    1000000000000: "Một nghìn tỷ đồng",
    1002000000000: "Một nghìn không trăm linh hai tỷ đồng",
    999_999_999_999_999: ("Chín trăm chín mươi chín nghìn chín trăm chín mươi chín tỷ chín trăm "
                          "chín mươi chín triệu chín trăm chín mươi chín nghìn chín trăm chín "
                          "mươi chín đồng"),
}


@pytest.mark.parametrize(("n", "expected"), VECTORS.items())
def test_amounts_in_words(n, expected):
    assert vn.amount_in_words(n) == expected


def test_amount_options():
    options = vn.WordsOptions(zero_tens="lẻ", four="bốn", thousand="ngàn")
    assert vn.amount_in_words(1008, options=options) == "Một ngàn không trăm lẻ tám đồng"
    assert vn.amount_in_words(24, options=options) == "Hai mươi bốn đồng"
    assert vn.amount_in_words(1_800_000, even=True) == "Một triệu tám trăm nghìn đồng chẵn"
    assert vn.amount_in_words(Decimal("2530000")) == "Hai triệu năm trăm ba mươi nghìn đồng"
    with pytest.raises(ValueError, match="zero_tens must be one of"):
        vn.WordsOptions(zero_tens="le")


@pytest.mark.parametrize("bad", [-1, Decimal("1.5"), 1.0, "100", True, None, 10**18,
                                 Decimal("NaN")])
def test_bad_amounts_are_errors(bad):
    with pytest.raises(vn.AmountError) as exc:
        vn.amount_in_words(bad)
    assert exc.value.message


@pytest.mark.parametrize(("value", "decimals", "expected"), [
    (1870000, None, "1.870.000"), (Decimal("0.3"), None, "0,3"), (0, None, "0"),
    (-5, None, "-5"), (Decimal("1234.567"), 2, "1.234,57"), (999, None, "999"),
    (1000, None, "1.000"), ("2530000", None, "2.530.000"),
])
def test_numerals(value, decimals, expected):
    assert vn.format_number(value, decimals) == expected


# A reference parser written independently of the implementation: words → int.
_DIGIT = {"không": 0, "một": 1, "mốt": 1, "hai": 2, "ba": 3, "bốn": 4, "tư": 4, "năm": 5,
          "lăm": 5, "nhăm": 5, "sáu": 6, "bảy": 7, "tám": 8, "chín": 9}


def parse_words(text: str) -> int:
    words = text.lower().removesuffix(" đồng").removesuffix(" chẵn").split()
    total, section, group, current = 0, 0, 0, 0
    for w in words:
        if w in _DIGIT:
            current = _DIGIT[w]
        elif w == "mười":
            group += 10
            current = 0
        elif w == "mươi":
            group += current * 10
            current = 0
        elif w == "trăm":
            group += current * 100
            current = 0
        elif w in ("linh", "lẻ"):
            continue
        elif w in ("nghìn", "ngàn"):
            section += (group + current) * 1000
            group = current = 0
        elif w == "triệu":
            section += (group + current) * 1_000_000
            group = current = 0
        elif w == "tỷ":
            total = (total + section + group + current) * 1_000_000_000
            section = group = current = 0
        else:
            raise ValueError(w)
    return total + section + group + current


@settings(max_examples=800, deadline=None)
@given(st.integers(min_value=0, max_value=999_999_999_999_999))
def test_every_amount_reads_back(n):
    text = vn.amount_in_words(n)
    assert text
    assert "  " not in text
    assert text[0].isupper()
    assert text.endswith(" đồng")
    assert parse_words(text) == n
    groups = f"{n:,}".split(",")
    inner_short = sum(1 for g in groups[1:] if int(g) and g[0] == "0")
    assert text.count("không trăm") == inner_short  # rule 2: "không trăm" inside the number


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=10**12),
       st.sampled_from(["linh", "lẻ"]), st.sampled_from(["tư", "bốn"]))
def test_options_read_back(n, zero, four):
    opts = vn.WordsOptions(zero_tens=zero, four=four)
    assert parse_words(vn.number_in_words(n, options=opts)) == n


# --- names and collation (§5.3, §5.4) ----------------------------------------------------

def test_word_order_vector():
    words = ["bà", "ba", "bả", "bã", "bá", "bạ", "Bảo", "Anh", "Ánh", "Ân", "Ăn", "Đức", "Dũng",
             "Út", "Ưng", "Uyên", "ang", "anh", "ác", "ách", "hoà", "hòa"]
    assert vn.sort_words(words) == [
        "ác", "ách", "ang", "anh", "Anh", "Ánh", "Ăn", "Ân", "ba", "bà", "bả", "bã", "bá", "bạ",
        "Bảo", "Dũng", "Đức", "hoà", "hòa", "Út", "Uyên", "Ưng"]


def test_people_order_vector():
    people = ["Nguyễn Văn An", "Trần Thị Ánh", "Lê Văn Bình", "Phạm Thị Ân", "Đỗ Minh Đức",
              "Hoàng Văn Dũng", "Vũ Thị Út", "Bùi Văn Ưng", "Nguyễn Thị An"]
    assert vn.sort_people(people) == [
        "Nguyễn Thị An", "Nguyễn Văn An", "Trần Thị Ánh", "Phạm Thị Ân", "Lê Văn Bình",
        "Hoàng Văn Dũng", "Đỗ Minh Đức", "Vũ Thị Út", "Bùi Văn Ưng"]


def test_python_default_sort_is_wrong_and_ours_is_right():
    names = ["Zoan", "Đỗ An"]
    assert sorted(names) == ["Zoan", "Đỗ An"]
    assert vn.sort_words(names) == ["Đỗ An", "Zoan"]


def test_sort_people_by_key_and_stability():
    rows = [{"n": "Trần Văn Bình", "i": 1}, {"n": "Lê Thị An", "i": 2}]
    assert [r["i"] for r in vn.sort_people(rows, key=lambda r: r["n"])] == [2, 1]


def test_nfd_input_sorts_like_nfc():
    nfd = unicodedata.normalize("NFD", "Nguyễn Thị Ánh")
    assert vn.person_sort_key(nfd) == vn.person_sort_key("Nguyễn Thị Ánh")


VIET_LETTERS = ("aăâbcdđeêghiklmnoôơpqrstuưvxy"
                "àáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ")
names_strategy = st.lists(st.text(alphabet=VIET_LETTERS + VIET_LETTERS.upper(), min_size=1,
                                  max_size=6), min_size=1, max_size=4).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(names_strategy, names_strategy, names_strategy)
def test_collation_is_a_total_order(a, b, c):
    ka, kb, kc = (vn.person_sort_key(x) for x in (a, b, c))
    assert (ka < kb) + (kb < ka) + (ka == kb) == 1
    if ka == kb:
        assert vn.nfc(a) == vn.nfc(b)
    if ka <= kb and kb <= kc:
        assert ka <= kc


@given(st.text(max_size=40))
def test_nfc_and_upper_are_idempotent(s):
    assert vn.nfc(vn.nfc(s)) == vn.nfc(s)
    up = vn.upper_vn(s)
    assert vn.upper_vn(up) == up
    assert unicodedata.is_normalized("NFC", up)


@pytest.mark.parametrize(("given_", "expected"), [
    ("Nguyễn Thị Thanh Thúy", "NGUYỄN THỊ THANH THÚY"),
    ("đặng ưng ơn", "ĐẶNG ƯNG ƠN"),
    ("Tập thể Lao động xuất sắc", "TẬP THỂ LAO ĐỘNG XUẤT SẮC"),
    (unicodedata.normalize("NFD", "Sở Giáo dục"), "SỞ GIÁO DỤC"),
])
def test_upper(given_, expected):
    assert vn.upper_vn(given_) == expected


def test_honorifics_come_from_explicit_kinds():
    assert [vn.honorific(k) for k in ("ong", "ba", "dong_chi", "none")] == [
        "Ông", "Bà", "Đồng chí", ""]
    assert vn.honorific("ba", capital=False) == "bà"
    with pytest.raises(ValueError, match="unknown honorific kind"):
        vn.honorific("Thị")


# --- hygiene and legacy encodings (§5.2) --------------------------------------------------

@pytest.mark.parametrize(("text", "code"), [
    ("Nguyễn\x00Văn", "control_character"), ("A\x0cB", "control_character"),
    ("A\tB", "control_character"), ("A\nB", "control_character"),
    ("abc\u202edef", "bidi_control"), ("abc\u2067x", "bidi_control"),
    ("Nguyễn\u200bVăn", "invisible_character"), ("x\ufeffy", "invisible_character"),
    ("x\u2060y", "invisible_character"), ("x\u200dy", "invisible_character"),
    ("x\ue000y", "invalid_character"), ("x\ufffdy", "invalid_character"),
    ("Céng hßa x· héi chñ nghÜa", "legacy_encoding_tcvn3"),
    ("Coäng hoøa xaõ hoäi chuû nghóa", "legacy_encoding_vni"),
])
def test_rejected_text(text, code):
    with pytest.raises(vn.TextError) as exc:
        vn.check_text(text, field="name")
    assert exc.value.code == code
    assert exc.value.message


def test_error_messages_say_where_and_how():
    with pytest.raises(vn.TextError) as exc:
        vn.check_text("Nguyễn\u200bVăn", field="Họ tên")
    assert "vị trí 7" in exc.value.message
    assert "U+200B" in exc.value.message
    with pytest.raises(vn.TextError) as exc:
        vn.check_text("NguyÔn ThÞ Thanh Thóy")
    assert "TCVN3" in exc.value.message
    assert "Unikey" in exc.value.message


def test_multiline_and_normalisation():
    assert vn.check_text("dòng 1\r\ndòng 2", multiline=True) == "dòng 1\ndòng 2"
    nfd = unicodedata.normalize("NFD", "Nguyễn Thị Hồng Ánh")
    assert vn.check_text(nfd) == "Nguyễn Thị Hồng Ánh"
    assert vn.check_text("hoà") == "hoà"
    assert vn.check_text("hòa") == "hòa"


SAMPLES = ["Cộng hòa xã hội chủ nghĩa Việt Nam", "Nguyễn Thị Thanh Thúy", "Trường THPT Hàm Rồng",
           "Ngô Quốc Khánh", "Vũ Thị Út", "Ủy ban nhân dân tỉnh Quảng Trị",
           "Tập thể lao động xuất sắc", "Phòng Giáo dục và Đào tạo", "Đoàn Thị Hương",
           "SỞ THÔNG TIN VÀ TRUYỀN THÔNG", "Chiến sĩ thi đua cơ sở", "Lê Văn Bình"]


@pytest.mark.parametrize("text", SAMPLES)
def test_legacy_samples_are_flagged(text):
    tcvn3 = encode_tcvn3(text).decode("cp1252")
    vni = encode_vni(text).decode("cp1252")
    assert vn.detect_legacy_encoding(tcvn3) == "TCVN3", tcvn3
    assert vn.detect_legacy_encoding(vni) == "VNI", vni


def test_no_real_unicode_text_is_flagged():
    corpus = vn_corpus.names() + vn_corpus.PHRASES
    assert len(set(corpus)) >= 1000
    flagged = [t for t in corpus if vn.detect_legacy_encoding(t)]
    assert flagged == []
    for text in corpus[:300]:
        assert vn.detect_legacy_encoding(unicodedata.normalize("NFD", text)) is None


# --- filters ----------------------------------------------------------------------------

def test_jinja_filters():
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    from service.vn.jinja import FILTERS, register_filters

    env = register_filters(ImmutableSandboxedEnvironment(autoescape=True))
    assert set(FILTERS) <= set(env.filters)
    out = env.from_string(
        "{{ d|vn_date }}|{{ d|vn_place_date('Hà Nội') }}|{{ none|vn_place_date('Huế', 2027) }}|"
        "{{ d|vn_date_short }}|{{ 1870000|vn_number }}|{{ 1870000|vn_amount_words }}|"
        "{{ 'Sở Tài chính'|vn_upper }}|{{ 5|vn_number_line('QĐ-UBND') }}|"
        "{{ 'ba'|vn_honorific }}").render(d=dt.date(2020, 1, 5))
    assert out.split("|") == [
        "ngày 05 tháng 01 năm 2020", "Hà Nội, ngày 05 tháng 01 năm 2020",
        "Huế, ngày      tháng      năm 2027", "05/01/2020", "1.870.000",
        "Một triệu tám trăm bảy mươi nghìn đồng", "SỞ TÀI CHÍNH", "Số: 05/QĐ-UBND", "Bà"]
