"""Numerals and numbers in words: ``1.870.000``, ``0,3`` and "Bằng chữ" (DOMAIN.md §5.1).

Reading rules (defaults in brackets, the alternatives are :class:`WordsOptions`):

* digits are read in groups of three from the right, each followed by its scale word
  ``nghìn`` [or ``ngàn``], ``triệu``, ``tỷ`` [or ``tỉ``]; above a billion the part before
  ``tỷ`` is read as a number of its own, so 10^12 is "một nghìn tỷ" and 10^15 "một triệu tỷ";
* inside the number (every group after the leading one) a group whose hundreds digit is 0 is
  read with "không trăm": 2.023 → "hai nghìn không trăm hai mươi ba"; a group that is all
  zeros is not read at all: 1.000.500 → "một triệu năm trăm" (DOMAIN.md §5.1 leaves this case
  open; this is the reading banks print);
* tens digit 0 before a units digit: "linh" [or "lẻ"]: 105 → "một trăm linh năm";
* tens digit 1 is "mười", tens digit ≥ 2 is "<digit> mươi";
* units digit 1 after a tens digit ≥ 2 is "mốt" (21 "hai mươi mốt"; 11 "mười một");
* units digit 5 after a tens digit ≥ 1 is "lăm" [or "nhăm"] (15 "mười lăm"; 105 "linh năm");
* units digit 4 after a tens digit ≥ 2 is "tư" [or "bốn"] (24 "hai mươi tư"; 14 "mười bốn");
* money: first letter capitalised, then the unit ("đồng") and optionally "chẵn".

Amounts of money are whole đồng from 0 to 999.999.999.999.999.999: a negative, fractional,
non-numeric or larger amount raises :class:`AmountError` rather than printing a guess.
:func:`number_in_words` alone also reads negative integers ("âm năm mươi lăm", rule 8).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from typing import ClassVar

DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
MAX_AMOUNT = 10**18 - 1
#: format_number refuses numbers with more digits than this (a "1e999999" string would
#: otherwise expand to a million characters).
MAX_NUMERAL_DIGITS = 40


class AmountError(ValueError):
    """An amount or number that cannot be printed; ``message`` is Vietnamese.

    ``code``: ``not_a_number``, ``negative_amount``, ``fractional_amount``,
    ``amount_too_large``.
    """

    def __init__(self, message: str, code: str = "not_a_number") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class WordsOptions:
    """Reading choices that vary between agencies; the defaults follow DOMAIN.md §5.1."""

    zero_tens: str = "linh"   # or "lẻ":   105 → một trăm linh năm / một trăm lẻ năm
    four: str = "tư"          # or "bốn":  24 → hai mươi tư (14 is always "mười bốn")
    five: str = "lăm"         # or "nhăm": 25 → hai mươi lăm, 15 → mười lăm
    thousand: str = "nghìn"   # or "ngàn"
    billion: str = "tỷ"       # or "tỉ"

    _ALLOWED: ClassVar[dict[str, tuple[str, ...]]] = {
        "zero_tens": ("linh", "lẻ"), "four": ("tư", "bốn"), "five": ("lăm", "nhăm"),
        "thousand": ("nghìn", "ngàn"), "billion": ("tỷ", "tỉ"),
    }

    def __post_init__(self) -> None:
        for name, allowed in self._ALLOWED.items():
            if getattr(self, name) not in allowed:
                raise ValueError(f"WordsOptions.{name} must be one of {allowed}, "
                                 f"got {getattr(self, name)!r}")


DEFAULT = WordsOptions()


def _triple(n: int, inner: bool, opts: WordsOptions) -> list[str]:
    """Read 1..999. ``inner``: not the leading group, so the hundreds are read even if 0."""
    h, t, u = n // 100, n // 10 % 10, n % 10
    out: list[str] = []
    if h or inner:
        out += [DIGITS[h], "trăm"]
    return out + _tens_and_units(t, u, bool(h or inner), opts)


def _tens_and_units(t: int, u: int, after_hundreds: bool, opts: WordsOptions) -> list[str]:
    """The last two digits: ``lẻ``/``linh`` before a lone unit after the hundreds, ``mười``,
    ``… mươi``, and the unit as it is read after them."""
    if t == 0:
        if not u:
            return []
        return [opts.zero_tens, DIGITS[u]] if after_hundreds else [DIGITS[u]]
    tens = ["mười"] if t == 1 else [DIGITS[t], "mươi"]
    return tens + _unit_after_tens(t, u, opts)


def _unit_after_tens(t: int, u: int, opts: WordsOptions) -> list[str]:
    if u == 5:
        return [opts.five]
    if t > 1 and u == 1:
        return ["mốt"]
    if t > 1 and u == 4:
        return [opts.four]
    return [DIGITS[u]] if u else []


def _below_billion(n: int, leading: bool, opts: WordsOptions) -> list[str]:
    """Read 0 < n < 10^9; ``leading``: these are the first digits of the whole number."""
    out: list[str] = []
    inner = not leading
    for value, scale in ((n // 1_000_000, "triệu"), (n // 1000 % 1000, opts.thousand),
                         (n % 1000, "")):
        if value == 0:
            continue
        out += _triple(value, inner, opts)
        if scale:
            out.append(scale)
        inner = True
    return out


def _words(n: int, leading: bool, opts: WordsOptions) -> list[str]:
    if n >= 1_000_000_000:
        high, low = divmod(n, 1_000_000_000)
        out = [*_words(high, leading, opts), opts.billion]
        if low:
            out += _below_billion(low, False, opts)
        return out
    return _below_billion(n, leading, opts)


def _integer(n: object, what: str) -> int:
    """An int from an int or an integral Decimal; anything else is an AmountError."""
    if isinstance(n, bool):
        raise AmountError(f"{what} phải là số, không phải giá trị đúng/sai.")
    if isinstance(n, int):
        return n
    if isinstance(n, Decimal):
        if not n.is_finite():
            raise AmountError(f"{what} phải là một số hữu hạn (nhận {n}).")
        if n != n.to_integral_value():
            raise AmountError(f"{what} phải là số nguyên (nhận {n}); hãy làm tròn trước khi "
                              "ghi bằng chữ.", "fractional_amount")
        return int(n)
    raise AmountError(f"{what} phải là số nguyên (nhận kiểu {type(n).__name__}).")


def number_in_words(n: int | Decimal, *, options: WordsOptions = DEFAULT) -> str:
    """``2023`` → ``hai nghìn không trăm hai mươi ba``; ``-55`` → ``âm năm mươi lăm``
    (lower case, no unit).

    :raises AmountError: not an integer (floats, strings, booleans, fractional Decimals) or
        beyond ±999.999.999.999.999.999.
    """
    value = _integer(n, "Số")
    if abs(value) > MAX_AMOUNT:
        raise AmountError("Số quá lớn để đọc (tối đa 999.999.999.999.999.999).",
                          "amount_too_large")
    if value == 0:
        return "không"
    words = _words(abs(value), True, options)
    return " ".join(["âm", *words] if value < 0 else words)


def amount_in_words(n: int | Decimal, *, unit: str = "đồng", even: bool = False,
                    options: WordsOptions = DEFAULT) -> str:
    """``1870000`` → ``Một triệu tám trăm bảy mươi nghìn đồng``; ``even=True`` appends
    " chẵn"; ``unit=""`` leaves the unit out.

    :raises AmountError: negative, fractional, non-numeric (float, str, bool, None) or larger
        than 999.999.999.999.999.999.
    """
    value = _integer(n, "Số tiền")
    if value < 0:
        raise AmountError(f"Số tiền không được âm (nhận {format_number(value)}).",
                          "negative_amount")
    if value > MAX_AMOUNT:
        raise AmountError("Số tiền quá lớn (tối đa 999.999.999.999.999.999).",
                          "amount_too_large")
    text = number_in_words(value, options=options)
    text = text[0].upper() + text[1:]
    if unit:
        text = f"{text} {unit.strip()}"
    return f"{text} chẵn" if even else text


def format_number(value: int | Decimal | str | float, decimals: int | None = None) -> str:
    """``1870000`` → ``1.870.000``; ``Decimal("0.3")`` → ``0,3``; ``-5`` → ``-5``.

    ``decimals`` rounds half up to that many places and pads with zeros
    (``format_number(Decimal("1234.567"), 2)`` → ``1.234,57``). Strings are read as Python
    numerals (``"2530000"``, ``"0.3"``), not as Vietnamese ones.

    :raises AmountError: not a finite number, a boolean, or more than 40 digits.
    """
    if isinstance(value, bool) or not isinstance(value, int | Decimal | str | float):
        raise AmountError(f"Không phải là số: {value!r}.")
    if decimals is not None and (isinstance(decimals, bool) or not isinstance(decimals, int)
                                 or not 0 <= decimals <= 20):
        raise ValueError("decimals must be an integer from 0 to 20")
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation:
        raise AmountError(f"Không phải là số: {str(value)[:40]!r}.") from None
    if not number.is_finite():
        raise AmountError(f"Không phải là số hữu hạn: {value!r}.")
    exponent = number.as_tuple().exponent
    if (not isinstance(exponent, int) or abs(exponent) > MAX_NUMERAL_DIGITS
            or number.adjusted() >= MAX_NUMERAL_DIGITS):
        raise AmountError("Số quá lớn hoặc có quá nhiều chữ số để in.", "amount_too_large")
    if decimals is not None:
        with localcontext() as ctx:
            ctx.prec = 3 * MAX_NUMERAL_DIGITS
            number = number.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    sign = "-" if number < 0 else ""
    whole, _, frac = format(abs(number), "f").partition(".")
    grouped = f"{int(whole):,}".replace(",", ".")
    return f"{sign}{grouped},{frac}" if frac else f"{sign}{grouped}"
