"""The reward table: what a rewards file says (base salaries, awards, coefficients, legal
bases, the rounding rule) and the lookups a decision makes in it.

:class:`RewardTable` answers "how much for this award to this subject on this date";
lookups that cannot be answered for a payload raise :class:`RewardLookupError` with a stable
code and a Vietnamese message for a 422. Reading and checking the file is
:mod:`service.rewards.config`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

from service import vn

SUBJECTS = {"ca_nhan": "cá nhân", "tap_the": "tập thể"}
ROUNDING_MODES = {"up": ROUND_CEILING, "nearest": ROUND_HALF_UP, "down": ROUND_FLOOR}
MULTIPLE_MODES = ("product", "rounded_individual")


class RewardsConfigError(ValueError):
    """The rewards file is missing, not TOML, or has a wrong or inconsistent value."""


class RewardLookupError(ValueError):
    """No amount can be computed for this request; ``code`` is stable, ``message`` Vietnamese."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class BaseSalary:
    start: dt.date
    amount: int
    source: str
    verified: bool


@dataclass(frozen=True)
class Coefficient:
    award: str
    subject: str
    start: dt.date
    end: dt.date | None          # inclusive; None: until the next row starts
    value: Decimal | None        # × base salary …
    times_individual: int | None  # … or this multiple of the individual coefficient
    source: str
    verified: bool


@dataclass(frozen=True)
class LegalBasis:
    """The text a decision cites for its reward amounts, from the day it applies."""

    start: dt.date
    text: str
    source: str
    verified: bool


@dataclass(frozen=True)
class Award:
    code: str
    name: str
    label: str


@dataclass(frozen=True)
class Rounding:
    mode: str
    step: int
    multiple: str
    source: str
    verified: bool


@dataclass(frozen=True)
class Reward:
    """One computed amount and everything it was computed from."""

    amount: int
    award: str
    subject: str
    on: dt.date
    coefficient: Decimal          # the effective coefficient (× base salary)
    base_salary: int
    raw: Decimal                  # before rounding
    sources: tuple[str, ...]
    verified: bool


def round_amount(raw: Decimal, rounding: Rounding) -> int:
    """``raw`` rounded to a multiple of ``rounding.step`` in ``rounding.mode``."""
    step = Decimal(rounding.step)
    units = (raw / step).quantize(Decimal(1), rounding=ROUNDING_MODES[rounding.mode])
    return int(units * step)


class RewardTable:
    """The parsed, checked contents of a rewards file."""

    def __init__(self, *, base_salaries: list[BaseSalary], awards: dict[str, Award],
                 coefficients: list[Coefficient], rounding: Rounding,
                 allow_unverified: bool, path: str = "",
                 legal_bases: list[LegalBasis] | None = None) -> None:
        self.base_salaries = sorted(base_salaries, key=lambda b: b.start)
        self.legal_bases = sorted(legal_bases or [], key=lambda b: b.start)
        self.awards = awards
        self.coefficients = coefficients
        self.rounding = rounding
        self.allow_unverified = allow_unverified
        self.path = path
        self._by_key: dict[tuple[str, str], list[Coefficient]] = {}
        for row in sorted(coefficients, key=lambda c: c.start):
            self._by_key.setdefault((row.award, row.subject), []).append(row)

    def coefficient_rows(self) -> dict[tuple[str, str], list[Coefficient]]:
        """The coefficient rows per (award, subject), each list in order of ``start``."""
        return {key: list(rows) for key, rows in self._by_key.items()}

    # -------------------------------------------------------------- lookups

    def base_salary(self, on: dt.date) -> BaseSalary:
        found = None
        for row in self.base_salaries:
            if row.start <= on:
                found = row
        if found is None:
            raise RewardLookupError(
                "base_salary_unknown",
                f"Chưa có mức lương cơ sở áp dụng vào ngày {_short(on)} trong bảng tiền "
                "thưởng; hãy ghi số tiền thưởng cho từng trường hợp.")
        self._check_verified(found.verified, f"mức lương cơ sở từ ngày {_short(found.start)}")
        return found

    def legal_basis(self, on: dt.date) -> str | None:
        """The decree a decision dated ``on`` cites for its reward amounts (None: none set)."""
        found = None
        for row in self.legal_bases:
            if row.start <= on:
                found = row
        return found.text if found is not None else None

    def award(self, code: str) -> Award:
        if code not in self.awards:
            raise RewardLookupError(
                "unknown_award",
                f"Không có hình thức khen thưởng mã “{code}” trong bảng tiền thưởng. Các mã: "
                + ", ".join(sorted(self.awards)) + ".")
        return self.awards[code]

    def coefficient_row(self, award: str, subject: str, on: dt.date) -> Coefficient:
        self.award(award)
        rows = self._by_key.get((award, subject), [])
        found = None
        for i, row in enumerate(rows):
            nxt = rows[i + 1].start if i + 1 < len(rows) else None
            ends_before = (row.end is not None and on > row.end) or (nxt is not None and on >= nxt)
            if row.start <= on and not ends_before:
                found = row
        if found is None:
            label = self.awards[award].label
            if not rows:
                raise RewardLookupError(
                    "no_coefficient",
                    f"{label} không có mức tiền thưởng cho {SUBJECTS[subject]} trong bảng "
                    "tiền thưởng; hãy ghi số tiền hoặc chọn hình thức khác.")
            raise RewardLookupError(
                "no_coefficient_on_date",
                f"Bảng tiền thưởng không có hệ số của {label} ({SUBJECTS[subject]}) áp dụng "
                f"vào ngày {_short(on)}; hãy ghi số tiền thưởng cho trường hợp này.")
        self._check_verified(found.verified, f"hệ số {self.awards[award].label} "
                                             f"({SUBJECTS[subject]}) từ ngày {_short(found.start)}")
        return found

    def reward(self, award: str, subject: str, on: dt.date) -> Reward:
        """The amount for one ``award`` to one ``subject`` on a decision dated ``on``."""
        if subject not in SUBJECTS:
            raise ValueError(f"subject must be one of {sorted(SUBJECTS)}, got {subject!r}")
        base = self.base_salary(on)
        row = self.coefficient_row(award, subject, on)
        sources = [row.source, base.source]
        verified = row.verified and base.verified
        if row.times_individual is None:
            assert row.value is not None
            coefficient = row.value
            raw = coefficient * base.amount
            amount = round_amount(raw, self.rounding)
        else:
            single = self.coefficient_row(award, "ca_nhan", on)
            assert single.value is not None
            sources.insert(1, single.source)
            verified = verified and single.verified
            coefficient = single.value * row.times_individual
            if self.rounding.multiple == "product":
                raw = coefficient * base.amount
                amount = round_amount(raw, self.rounding)
            else:
                raw = single.value * base.amount
                amount = round_amount(raw, self.rounding) * row.times_individual
        return Reward(amount=amount, award=award, subject=subject, on=on,
                      coefficient=coefficient, base_salary=base.amount, raw=raw,
                      sources=tuple(sources), verified=verified and self.rounding.verified)

    def reward_in_year(self, award: str, subject: str, year: int) -> Reward:
        """The amount for a decision whose date is left blank but whose year is known: only
        when the base salary and the coefficient are the same all year long."""
        first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
        days = {first}
        days.update(b.start for b in self.base_salaries if first < b.start <= last)
        days.update(c.start for c in self.coefficients if first < c.start <= last)
        days.update(c.end + dt.timedelta(days=1) for c in self.coefficients
                    if c.end is not None and first <= c.end < last)
        results: list[Reward | RewardLookupError] = []
        for day in sorted(days):
            try:
                results.append(self.reward(award, subject, day))
            except RewardLookupError as exc:
                results.append(exc)
        rewards = [r for r in results if isinstance(r, Reward)]
        if len(rewards) == len(results) and len({r.amount for r in rewards}) == 1:
            return rewards[0]
        if not rewards:  # no period of the year has a value: the first period's reason
            raise next(r for r in results if isinstance(r, RewardLookupError))
        raise RewardLookupError(
            "reward_date_required",
            f"Mức tiền thưởng của {self.awards[award].label} ({SUBJECTS[subject]}) thay đổi "
            f"trong năm {year}; khi để trống ngày ban hành, hãy ghi ngày dùng để tính tiền "
            "thưởng (reward_date).")

    def _check_verified(self, verified: bool, what: str) -> None:
        if not verified and not self.allow_unverified:
            raise RewardLookupError(
                "unverified_value",
                f"Giá trị {what} trong bảng tiền thưởng chưa được xác minh và cấu hình không "
                "cho phép dùng; hãy ghi số tiền thưởng.")


def _short(d: dt.date) -> str:
    return vn.format_date_short(d)
