"""Names: NFC, capitals, collation (DOMAIN.md §5.2-5.4, §1.11) and honorifics (§5.6)."""

from __future__ import annotations

import itertools
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service import vn
from tests.vn.helpers_vn import family_names, full_names, given_names, middle_names

# DOMAIN.md §5.3, produced with PyICU/ICU 72.1 locale "vi".
WORDS_IN = ["bà", "ba", "bả", "bã", "bá", "bạ", "Bảo", "Anh", "Ánh", "Ân", "Ăn", "Đức", "Dũng",
            "Út", "Ưng", "Uyên", "ang", "anh", "ác", "ách", "hoà", "hòa"]
WORDS_SORTED = ["ác", "ách", "ang", "anh", "Anh", "Ánh", "Ăn", "Ân", "ba", "bà", "bả", "bã", "bá",
                "bạ", "Bảo", "Dũng", "Đức", "hoà", "hòa", "Út", "Uyên", "Ưng"]
NAMES_IN = ["Nguyễn Văn An", "Trần Thị Ánh", "Lê Văn Bình", "Phạm Thị Ân", "Đỗ Minh Đức",
            "Hoàng Văn Dũng", "Vũ Thị Út", "Bùi Văn Ưng", "Nguyễn Thị An"]
NAMES_SORTED = ["Nguyễn Thị An", "Nguyễn Văn An", "Trần Thị Ánh", "Phạm Thị Ân", "Lê Văn Bình",
                "Hoàng Văn Dũng", "Đỗ Minh Đức", "Vũ Thị Út", "Bùi Văn Ưng"]


def test_domain_word_vector():
    assert vn.sort_words(WORDS_IN) == WORDS_SORTED
    assert vn.sort_words(reversed(WORDS_SORTED)) == WORDS_SORTED


def test_domain_name_vector():
    assert vn.sort_people(NAMES_IN) == NAMES_SORTED
    assert vn.sort_people(reversed(NAMES_SORTED)) == NAMES_SORTED


def test_python_sorted_is_wrong_and_ours_is_right():
    mixed = ["Anh", "Bảo", "Dương Bình", "Zoan", "Ánh", "Ân", "Ăn", "Đỗ An"]
    assert sorted(mixed) == mixed  # DOMAIN.md §5.3: what Python's sorted() gives
    assert vn.sort_words(mixed) == ["Anh", "Ánh", "Ăn", "Ân", "Bảo", "Dương Bình", "Đỗ An",
                                    "Zoan"]
    assert vn.sort_people(["Zoan Văn An", "Đỗ Văn An"]) == ["Đỗ Văn An", "Zoan Văn An"]


@pytest.mark.parametrize(("smaller", "larger"), [
    ("a", "ă"), ("ă", "â"), ("â", "b"), ("d", "đ"), ("đ", "e"), ("e", "ê"), ("ê", "g"),
    ("o", "ô"), ("ô", "ơ"), ("ơ", "p"), ("u", "ư"), ("ư", "v"), ("y", "z"),
    ("ang", "ành"), ("ác", "ach"), ("cha", "chan"), ("ba", "bà"), ("bà", "bả"), ("bả", "bã"),
    ("bã", "bá"), ("bá", "bạ"), ("ba", "Ba"), ("Ba", "bà"), ("hoà", "hòa"), ("hòa", "hoá"),
    ("hoà", "hoá"), ("thuý", "thúy"), ("Hòa", "Hoá"),
    ("ba b", "bà a"),                      # syllable by syllable (dictionary order)
    ("Ba Vì", "Bà Rịa"),
    ("Tổ 2", "Tổ 10"), ("Quận 1", "Quận 3"), ("Phường 9", "Phường 10"),
    ("Lớp 9A", "Lớp 10A"), ("12A1", "12A2"), ("(cũ)", "An"), ("1", "a"),
    ("Sở Tư pháp", "Sở Y tế"),
    ("Zoan", "Ωmega"),
])
def test_pairs(smaller, larger):
    assert vn.word_sort_key(smaller) < vn.word_sort_key(larger)


def test_tone_placement_spellings_are_adjacent_and_kept():
    words = ["Hoá", "Hòa", "Hoa", "Hoà", "Hóa", "Hoan"]
    assert vn.sort_words(words) == ["Hoa", "Hoà", "Hòa", "Hoá", "Hóa", "Hoan"]
    people = ["Nguyễn Văn Hòa", "Trần Thị Hoà", "Lê Văn Hoá", "Phạm Hóa"]
    assert vn.sort_people(people) == ["Trần Thị Hoà", "Nguyễn Văn Hòa", "Phạm Hóa",
                                      "Lê Văn Hoá"]


def test_people_by_given_then_middle_then_family():
    people = ["Trần Văn Bình", "Nguyễn Thị Bình", "Lê Văn An", "Lê An", "An", "Đỗ Thị Thu Hà",
              "Đỗ Thị Hà", "Bùi Thị Hà", "Nguyễn Thị Thanh Thúy", "Nguyễn Thanh Thuý"]
    assert vn.sort_people(people) == [
        "An", "Lê An", "Lê Văn An", "Nguyễn Thị Bình", "Trần Văn Bình", "Bùi Thị Hà",
        "Đỗ Thị Hà", "Đỗ Thị Thu Hà", "Nguyễn Thanh Thuý", "Nguyễn Thị Thanh Thúy"]
    assert vn.split_name("Nguyễn Thị Thanh Thúy") == ("Nguyễn", "Thị Thanh", "Thúy")
    assert vn.split_name("  Lê   An ") == ("Lê", "", "An")
    assert vn.split_name("An") == ("", "", "An")
    assert vn.split_name("") == ("", "", "")


def test_explicit_parts_key():
    # an Ê Đê name whose given name is not the last word: sort by the parts the user gave
    key = vn.person_parts_sort_key("Niê Kdăm", "", "Y Ngông")
    assert key < vn.person_sort_key("Nguyễn Văn Yên")
    assert vn.person_parts_sort_key("Lê", "Văn", "An") < vn.person_sort_key("Lê Văn Bình")


def test_sort_with_key_is_stable():
    rows = [{"n": "Trần Văn Bình", "i": 1}, {"n": "Lê Thị An", "i": 2},
            {"n": "Trần Văn Bình", "i": 3}]
    assert [r["i"] for r in vn.sort_people(rows, key=lambda r: r["n"])] == [2, 1, 3]
    assert [r["i"] for r in vn.sort_words(rows, key=lambda r: r["n"])] == [2, 1, 3]


def test_unit_names():
    units = ["Trường THPT Lam Sơn", "Phòng Tổ chức cán bộ", "Văn phòng Sở", "Tổ 10", "Tổ 2",
             "Ban Thi đua - Khen thưởng", "Đoàn Thanh niên", "Công đoàn cơ sở", "Ủy ban nhân dân",
             "Uỷ ban Mặt trận"]
    assert vn.sort_words(units) == [
        "Ban Thi đua - Khen thưởng", "Công đoàn cơ sở", "Đoàn Thanh niên",
        "Phòng Tổ chức cán bộ", "Tổ 2", "Tổ 10", "Trường THPT Lam Sơn", "Uỷ ban Mặt trận",
        "Ủy ban nhân dân", "Văn phòng Sở"]


def test_nfd_and_nfc_sort_alike():
    for name in ("Nguyễn Thị Ánh", "Đặng Ưng Ơn", "Hoàng Thuý"):
        nfd = unicodedata.normalize("NFD", name)
        assert vn.person_sort_key(nfd) == vn.person_sort_key(name)
        assert vn.word_sort_key(nfd) == vn.word_sort_key(name)


def test_key_equality_means_same_nfc_text():
    assert vn.word_sort_key("hoà") != vn.word_sort_key("hòa")
    assert vn.word_sort_key("a b") != vn.word_sort_key("a  b")
    assert vn.person_sort_key("Lê An") != vn.person_sort_key("Lê  An")


def test_corpus_sorting_is_consistent():
    names = list(full_names())
    ordered = vn.sort_people(names)
    assert vn.sort_people(reversed(ordered)) == ordered
    keys = [vn.person_sort_key(n) for n in ordered]
    assert keys == sorted(keys)
    # given names come out in the order of their own word key
    givens = [vn.split_name(n)[2] for n in ordered]
    assert all(vn.word_sort_key(a)[:1] <= vn.word_sort_key(b)[:1]
               for a, b in itertools.pairwise(givens))


def test_match_key():
    assert vn.match_key("Hoà") == vn.match_key("hòa")
    assert vn.match_key("Nguyễn Thị Thuý") == vn.match_key("NGUYỄN  THỊ THÚY")
    assert vn.match_key("Hoà") != vn.match_key("Hoá")
    assert vn.match_key("Khoẻ") == vn.match_key("khỏe")


# ----------------------------------------------------------------------------- upper / NFC

@pytest.mark.parametrize(("given_", "expected"), [
    ("Nguyễn Thị Thanh Thúy", "NGUYỄN THỊ THANH THÚY"),
    ("Tập thể Lao động xuất sắc", "TẬP THỂ LAO ĐỘNG XUẤT SẮC"),
    ("đặng ưng ơn", "ĐẶNG ƯNG ƠN"),
    ("Sở Giáo dục và Đào tạo tỉnh Thanh Hóa", "SỞ GIÁO DỤC VÀ ĐÀO TẠO TỈNH THANH HÓA"),
    ("Cộng hoà xã hội chủ nghĩa Việt Nam", "CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
    ("ỷ ỹ ỵ ỳ ý", "Ỷ Ỹ Ỵ Ỳ Ý"),
    (unicodedata.normalize("NFD", "Sở Giáo dục"), "SỞ GIÁO DỤC"),
    (unicodedata.normalize("NFD", "đồng chí Hoà"), "ĐỒNG CHÍ HOÀ"),
    ("KT. Giám đốc", "KT. GIÁM ĐỐC"),
    ("Số 5/QĐ-UBND", "SỐ 5/QĐ-UBND"),
])
def test_upper(given_, expected):
    out = vn.upper_vn(given_)
    assert out == expected
    assert unicodedata.is_normalized("NFC", out)


def test_upper_covers_every_vietnamese_letter():
    for base in "aăâbcdđeêghiklmnoôơpqrstuưvxy":
        tones = ("", "\u0300", "\u0309", "\u0303", "\u0301", "\u0323") \
            if base in "aăâeêioôơuưy" else ("",)
        for tone in tones:
            ch = unicodedata.normalize("NFC", base + tone)
            up = vn.upper_vn(ch)
            assert len(up) == 1
            assert up.isupper()
            assert unicodedata.normalize("NFD", up)[1:] == unicodedata.normalize("NFD", ch)[1:]


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=40))
def test_nfc_and_upper_are_idempotent(s):
    once = vn.nfc(s)
    assert vn.nfc(once) == once
    assert unicodedata.is_normalized("NFC", once)
    up = vn.upper_vn(s)
    assert vn.upper_vn(up) == up
    assert unicodedata.is_normalized("NFC", up)
    assert vn.upper_vn(unicodedata.normalize("NFD", s)) == up


# ----------------------------------------------------------------------------- total order

_LETTERS = ("aăâbcdđeêghiklmnoôơpqrstuưvxy"
            "àáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ")
_SYLLABLE = st.text(alphabet=_LETTERS + _LETTERS.upper(), min_size=1, max_size=5)
_NAME = st.one_of(
    st.lists(_SYLLABLE, min_size=1, max_size=4).map(" ".join),
    st.tuples(st.sampled_from(family_names()), st.sampled_from(middle_names()),
              st.sampled_from(given_names())).map(" ".join),
    st.text(max_size=12),  # anything: digits, punctuation, other scripts, NFD
)


@settings(max_examples=500, deadline=None)
@given(_NAME, _NAME, _NAME)
def test_person_order_is_total_and_transitive(a, b, c):
    ka, kb, kc = (vn.person_sort_key(x) for x in (a, b, c))
    assert (ka < kb) + (kb < ka) + (ka == kb) == 1
    assert (ka == kb) == (vn.nfc(a) == vn.nfc(b))
    if ka <= kb <= kc:
        assert ka <= kc
    assert vn.sort_people([a, b, c]) == vn.sort_people([c, b, a]) or \
        len({vn.nfc(x) for x in (a, b, c)}) < 3


@settings(max_examples=500, deadline=None)
@given(_NAME, _NAME, _NAME)
def test_word_order_is_total_and_transitive(a, b, c):
    ka, kb, kc = (vn.word_sort_key(x) for x in (a, b, c))
    assert (ka < kb) + (kb < ka) + (ka == kb) == 1
    assert (ka == kb) == (vn.nfc(a) == vn.nfc(b))
    if ka < kb and kb < kc:
        assert ka < kc


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(WORDS_IN), min_size=2, max_size=12))
def test_generated_lists_follow_the_vector(words):
    ordered = vn.sort_words(words)
    positions = [WORDS_SORTED.index(w) for w in ordered]
    assert positions == sorted(positions)


# ----------------------------------------------------------------------------- honorifics

def test_honorifics():
    assert vn.HONORIFICS == {"ong": "Ông", "ba": "Bà", "dong_chi": "Đồng chí", "none": ""}
    assert [vn.honorific(k) for k in ("ong", "ba", "dong_chi", "none", None)] == [
        "Ông", "Bà", "Đồng chí", "", ""]
    assert [vn.honorific(k, capital=False) for k in ("ong", "ba", "dong_chi", "none")] == [
        "ông", "bà", "đồng chí", ""]


@pytest.mark.parametrize("bad", ["Thị", "Văn", "nam", "nu", "Ông", "ONG", "", "tap_the"])
def test_honorific_is_never_guessed(bad):
    with pytest.raises(ValueError, match="unknown honorific kind"):
        vn.honorific(bad)
