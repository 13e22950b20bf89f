"""Numerals and amounts in words (DOMAIN.md §5.1)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service import vn
from tests.vn.helpers_vn import words_to_int

# Every vector of the DOMAIN.md §5.1 table (money form, defaults "linh" and "tư").
DOMAIN_VECTORS = {
    2001: "Hai nghìn không trăm linh một đồng",
    2023: "Hai nghìn không trăm hai mươi ba đồng",
    1000000001: "Một tỷ không trăm linh một đồng",
    123456: "Một trăm hai mươi ba nghìn bốn trăm năm mươi sáu đồng",
    2024: "Hai nghìn không trăm hai mươi tư đồng",
    1010: "Một nghìn không trăm mười đồng",
    105: "Một trăm linh năm đồng",
    21: "Hai mươi mốt đồng",
    25: "Hai mươi lăm đồng",
    700000: "Bảy trăm nghìn đồng",
    702000: "Bảy trăm linh hai nghìn đồng",
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
    # quoted in the rules
    2500000: "Hai triệu năm trăm nghìn đồng",
    1032: "Một nghìn không trăm ba mươi hai đồng",
    2002: "Hai nghìn không trăm linh hai đồng",
    101: "Một trăm linh một đồng",
    406705: "Bốn trăm linh sáu nghìn bảy trăm linh năm đồng",
    30: "Ba mươi đồng",
    11: "Mười một đồng",
}

EDGE_VECTORS = {
    0: "Không đồng",
    1: "Một đồng",
    5: "Năm đồng",
    10: "Mười đồng",
    14: "Mười bốn đồng",
    15: "Mười lăm đồng",
    20: "Hai mươi đồng",
    24: "Hai mươi tư đồng",
    41: "Bốn mươi mốt đồng",
    44: "Bốn mươi tư đồng",
    55: "Năm mươi lăm đồng",
    100: "Một trăm đồng",
    110: "Một trăm mười đồng",
    115: "Một trăm mười lăm đồng",
    1005: "Một nghìn không trăm linh năm đồng",
    1100: "Một nghìn một trăm đồng",
    10000: "Mười nghìn đồng",
    15000: "Mười lăm nghìn đồng",
    1000000: "Một triệu đồng",
    1000500: "Một triệu năm trăm đồng",          # all-zero group not read (§5.1 open case)
    1000050: "Một triệu không trăm năm mươi đồng",
    1001000: "Một triệu không trăm linh một nghìn đồng",
    1000000000: "Một tỷ đồng",
    1000000001: "Một tỷ không trăm linh một đồng",
    2000001000000: "Hai nghìn tỷ không trăm linh một triệu đồng",
    1000000000000: "Một nghìn tỷ đồng",
    1002000000000: "Một nghìn không trăm linh hai tỷ đồng",
    10**15: "Một triệu tỷ đồng",
    999_999_999_999_999: (
        "Chín trăm chín mươi chín nghìn chín trăm chín mươi chín tỷ chín trăm chín mươi chín "
        "triệu chín trăm chín mươi chín nghìn chín trăm chín mươi chín đồng"),
    10**18 - 1: (
        "Chín trăm chín mươi chín triệu chín trăm chín mươi chín nghìn chín trăm chín mươi chín "
        "tỷ chín trăm chín mươi chín triệu chín trăm chín mươi chín nghìn chín trăm chín mươi "
        "chín đồng"),
}


@pytest.mark.parametrize(("n", "expected"), {**DOMAIN_VECTORS, **EDGE_VECTORS}.items())
def test_amounts_in_words(n, expected):
    assert vn.amount_in_words(n) == expected
    assert vn.amount_in_words(Decimal(n)) == expected
    assert vn.number_in_words(n) == expected[0].lower() + expected[1:].removesuffix(" đồng")
    assert words_to_int(expected) == n


def test_even_unit_and_integral_decimals():
    assert vn.amount_in_words(1_800_000, even=True) == "Một triệu tám trăm nghìn đồng chẵn"
    assert vn.amount_in_words(702000, unit="") == "Bảy trăm linh hai nghìn"
    assert vn.amount_in_words(5, unit="USD") == "Năm USD"
    assert vn.amount_in_words(Decimal("2530000.00")) == "Hai triệu năm trăm ba mươi nghìn đồng"
    assert vn.amount_in_words(Decimal("2.53E+6")) == "Hai triệu năm trăm ba mươi nghìn đồng"


@pytest.mark.parametrize(("options", "n", "expected"), [
    ({"zero_tens": "lẻ"}, 107, "Một trăm lẻ bảy đồng"),
    ({"zero_tens": "lẻ", "thousand": "ngàn"}, 1008, "Một ngàn không trăm lẻ tám đồng"),
    ({"zero_tens": "lẻ"}, 2024, "Hai nghìn không trăm hai mươi tư đồng"),
    ({"four": "bốn"}, 24, "Hai mươi bốn đồng"),
    ({"four": "bốn"}, 14, "Mười bốn đồng"),
    ({"four": "bốn"}, 104, "Một trăm linh bốn đồng"),
    ({"five": "nhăm"}, 25, "Hai mươi nhăm đồng"),
    ({"five": "nhăm"}, 15, "Mười nhăm đồng"),
    ({"five": "nhăm"}, 105, "Một trăm linh năm đồng"),
    ({"thousand": "ngàn"}, 2500000, "Hai triệu năm trăm ngàn đồng"),
    ({"billion": "tỉ"}, 1000000001, "Một tỉ không trăm linh một đồng"),
])
def test_options(options, n, expected):
    assert vn.amount_in_words(n, options=vn.WordsOptions(**options)) == expected


def test_defaults_follow_domain():
    assert vn.DEFAULT == vn.WordsOptions() == vn.WordsOptions(
        zero_tens="linh", four="tư", five="lăm", thousand="nghìn", billion="tỷ")


@pytest.mark.parametrize("bad", [{"zero_tens": "le"}, {"four": "4"}, {"thousand": "ngan"},
                                 {"five": "năm"}, {"billion": "ty"}])
def test_unknown_options_are_rejected(bad):
    with pytest.raises(ValueError, match=f"WordsOptions.{next(iter(bad))} must be one of"):
        vn.WordsOptions(**bad)


def test_options_are_frozen():
    with pytest.raises(AttributeError):
        vn.DEFAULT.four = "bốn"  # type: ignore[misc]


@pytest.mark.parametrize(("bad", "code"), [
    (-1, "negative_amount"), (-10**12, "negative_amount"),
    (Decimal("-5"), "negative_amount"),
    (Decimal("1.5"), "fractional_amount"), (Decimal("0.01"), "fractional_amount"),
    (10**18, "amount_too_large"), (10**30, "amount_too_large"),
    (1.0, "not_a_number"), (1.5, "not_a_number"), ("100", "not_a_number"),
    (True, "not_a_number"), (False, "not_a_number"), (None, "not_a_number"),
    (Decimal("NaN"), "not_a_number"), (Decimal("Infinity"), "not_a_number"),
    ([1], "not_a_number"),
])
def test_bad_amounts_raise(bad, code):
    with pytest.raises(vn.AmountError) as exc:
        vn.amount_in_words(bad)
    assert exc.value.code == code
    assert exc.value.message == str(exc.value)
    assert isinstance(exc.value, ValueError)


def test_number_in_words_reads_negatives_but_amounts_do_not():
    assert vn.number_in_words(-55) == "âm năm mươi lăm"
    assert vn.number_in_words(0) == "không"
    with pytest.raises(vn.AmountError):
        vn.amount_in_words(-55)
    with pytest.raises(vn.AmountError):
        vn.number_in_words(Decimal("0.5"))


@pytest.mark.parametrize(("value", "decimals", "expected"), [
    (1870000, None, "1.870.000"), (Decimal("0.3"), None, "0,3"), (0, None, "0"),
    (-5, None, "-5"), (-1234567, None, "-1.234.567"), (Decimal("1234.567"), 2, "1.234,57"),
    (Decimal("1234.565"), 2, "1.234,57"), (Decimal("0.6"), 1, "0,6"), (2, 2, "2,00"),
    (999, None, "999"), (1000, None, "1.000"), (1032, None, "1.032"),
    ("2530000", None, "2.530.000"), ("0.3", None, "0,3"), (0.3, None, "0,3"),
    (Decimal("-0.001"), 2, "0,00"), (10**15, None, "1.000.000.000.000.000"),
    (Decimal("1E+3"), None, "1.000"), (Decimal("2530000.00"), 0, "2.530.000"),
])
def test_numerals(value, decimals, expected):
    assert vn.format_number(value, decimals) == expected


@pytest.mark.parametrize("bad", ["abc", "1.870.000", "", True, None, float("nan"),
                                 Decimal("Infinity"), "1e999999", Decimal("1E-100000")])
def test_bad_numerals(bad):
    with pytest.raises(vn.AmountError):
        vn.format_number(bad)


# ----------------------------------------------------------------------------- properties

_OPTIONS = st.builds(vn.WordsOptions, zero_tens=st.sampled_from(["linh", "lẻ"]),
                     four=st.sampled_from(["tư", "bốn"]), five=st.sampled_from(["lăm", "nhăm"]),
                     thousand=st.sampled_from(["nghìn", "ngàn"]),
                     billion=st.sampled_from(["tỷ", "tỉ"]))
_AMOUNTS = st.one_of(
    st.integers(min_value=0, max_value=10**18 - 1),
    st.integers(min_value=0, max_value=10**7),
    # round amounts as rewards are (multiples of 10.000), and numbers with many zeros
    st.integers(min_value=0, max_value=10**8).map(lambda n: n * 10_000),
    st.lists(st.sampled_from([0, 1, 4, 5, 10, 15, 21, 24, 25, 100, 101, 105, 110, 999]),
             min_size=1, max_size=6).map(lambda gs: int("".join(f"{g:03d}" for g in gs))),
)


@settings(max_examples=600, deadline=None)
@given(_AMOUNTS, _OPTIONS, st.booleans())
def test_every_amount_reads_back(n, options, even):
    text = vn.amount_in_words(n, options=options, even=even)
    assert text
    assert text == text.strip()
    assert "  " not in text
    assert text[0].isupper()
    assert text[1:] == text[1:].lower()
    assert text.endswith(" đồng chẵn" if even else " đồng")
    assert words_to_int(text) == n
    words = text.lower().split()
    # "không trăm" exactly for the inner groups that are non-zero but below 100
    groups = f"{n:,}".split(",")
    assert text.count("không trăm") == sum(1 for g in groups[1:] if 0 < int(g) < 100)
    # linh/lẻ, mốt, lăm, tư appear only where the rules put them
    for i, word in enumerate(words):
        if word in ("linh", "lẻ"):
            assert word == options.zero_tens
            assert words[i - 1] == "trăm"
        if word == "mốt":
            assert words[i - 1] == "mươi"
        if word in ("lăm", "nhăm"):
            assert word == options.five
            assert words[i - 1] in ("mười", "mươi")
        if word == "tư":
            assert options.four == "tư"
            assert words[i - 1] == "mươi"
        if word == "mười":
            assert i == 0 or words[i - 1] not in vn.numbers.DIGITS
    assert "mười không" not in text
    assert "mươi không" not in text


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=-(10**18) + 1, max_value=10**18 - 1))
def test_number_in_words_reads_back(n):
    text = vn.number_in_words(n)
    assert text
    assert "  " not in text
    assert text == text.lower()
    assert words_to_int(text) == n


@settings(max_examples=300, deadline=None)
@given(st.decimals(min_value=Decimal(-(10**15)), max_value=Decimal(10**15), places=3,
                   allow_nan=False))
def test_numerals_read_back(value):
    text = vn.format_number(value)
    assert Decimal(text.replace(".", "").replace(",", ".")) == value
    whole = text.lstrip("-").split(",")[0]
    assert all(len(g) == 3 for g in whole.split(".")[1:])
