"""Reward money (tiền thưởng): coefficient × base salary in force on the decision date, rounded.

The numbers live in a dated TOML file (``service/data/rewards.toml``, path from the config key
``THIDUA_REWARDS_FILE``), never in code: base salaries with the date each takes effect, award
codes with their printed labels, coefficients per award and subject (``ca_nhan``/``tap_the``)
with the dates they apply, each value with its ``source`` and a ``verified`` flag, and the
rounding rule (Nghị định 152/2025/NĐ-CP Điều 49: round *up* to tens of thousands of đồng).

:func:`load` checks a file completely and raises :class:`RewardsConfigError` naming the key;
:func:`current` returns the table of the configured file and reloads it when the file changes,
so a corrected value applies without a restart. Lookups that cannot be answered for a payload
(no value in force on that date, an unknown award, a year in which the base salary changes)
raise :class:`RewardLookupError` with a stable code and a Vietnamese message for a 422.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import os
import threading
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from service import vn

SUBJECTS = {"ca_nhan": "cá nhân", "tap_the": "tập thể"}
ROUNDING_MODES = {"up": ROUND_CEILING, "nearest": ROUND_HALF_UP, "down": ROUND_FLOOR}
MULTIPLE_MODES = ("product", "rounded_individual")
ENV_VAR = "THIDUA_REWARDS_FILE"


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
        if not rewards:
            raise results[0]  # type: ignore[misc]  # no period of the year has a value
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


# ------------------------------------------------------------------ parsing the file

def _need(table: Mapping[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    if key not in table:
        raise RewardsConfigError(f"{where}: missing `{key}`")
    value = table[key]
    if isinstance(value, bool) and kind is not bool and bool not in (
            kind if isinstance(kind, tuple) else (kind,)):
        raise RewardsConfigError(f"{where}.{key}: expected {kind}, got a boolean")
    if not isinstance(value, kind):
        raise RewardsConfigError(f"{where}.{key}: expected {kind}, got {value!r}")
    return value


def _date(table: Mapping[str, Any], key: str, where: str, *, required: bool = True
          ) -> dt.date | None:
    if key not in table and not required:
        return None
    value = _need(table, key, dt.date, where)
    if isinstance(value, dt.datetime):
        raise RewardsConfigError(f"{where}.{key}: a date (YYYY-MM-DD), not a date-time")
    return value


def _decimal(value: Any, where: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise RewardsConfigError(f"{where}: a number or a numeric string, got {value!r}")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise RewardsConfigError(f"{where}: not a number: {value!r}") from None
    if not number.is_finite() or number <= 0 or number > 1000:
        raise RewardsConfigError(f"{where}: must be a positive coefficient up to 1000")
    return number


def _unknown(table: Mapping[str, Any], allowed: set[str], where: str) -> None:
    extra = set(table) - allowed
    if extra:
        raise RewardsConfigError(f"{where}: unknown key(s) {sorted(extra)}")


def parse(doc: Mapping[str, Any], path: str = "") -> RewardTable:
    """A :class:`RewardTable` from the parsed TOML ``doc``; every key is checked."""
    _unknown(doc, {"version", "rounding", "policy", "base_salary", "awards", "coefficient",
                   "legal_basis"}, "rewards file")
    if doc.get("version") != 1:
        raise RewardsConfigError("version: must be 1")

    r = _need(doc, "rounding", dict, "rewards file")
    _unknown(r, {"mode", "step", "multiple", "source", "verified"}, "rounding")
    rounding = Rounding(mode=_need(r, "mode", str, "rounding"),
                        step=_need(r, "step", int, "rounding"),
                        multiple=_need(r, "multiple", str, "rounding"),
                        source=_need(r, "source", str, "rounding"),
                        verified=_need(r, "verified", bool, "rounding"))
    if rounding.mode not in ROUNDING_MODES:
        raise RewardsConfigError(f"rounding.mode: one of {sorted(ROUNDING_MODES)}")
    if rounding.step not in (1, 10, 100, 1000, 10000, 100000):
        raise RewardsConfigError("rounding.step: 1, 10, 100, 1000, 10000 or 100000")
    if rounding.multiple not in MULTIPLE_MODES:
        raise RewardsConfigError(f"rounding.multiple: one of {list(MULTIPLE_MODES)}")

    policy = doc.get("policy", {})
    if not isinstance(policy, dict):
        raise RewardsConfigError("policy: must be a table")
    _unknown(policy, {"allow_unverified"}, "policy")
    allow_unverified = policy.get("allow_unverified", True)
    if not isinstance(allow_unverified, bool):
        raise RewardsConfigError("policy.allow_unverified: true or false")

    salaries = []
    for i, row in enumerate(_need(doc, "base_salary", list, "rewards file")):
        where = f"base_salary[{i}]"
        if not isinstance(row, dict):
            raise RewardsConfigError(f"{where}: must be a table")
        _unknown(row, {"from", "amount", "source", "verified"}, where)
        amount = _need(row, "amount", int, where)
        if not 100_000 <= amount <= 100_000_000:
            raise RewardsConfigError(f"{where}.amount: between 100000 and 100000000 đồng")
        salaries.append(BaseSalary(_date(row, "from", where), amount,
                                   _need(row, "source", str, where),
                                   _need(row, "verified", bool, where)))
    starts = [s.start for s in salaries]
    if not salaries or len(set(starts)) != len(starts):
        raise RewardsConfigError("base_salary: at least one row, no two with the same `from`")

    awards = {}
    for code, row in _need(doc, "awards", dict, "rewards file").items():
        where = f"awards.{code}"
        if not isinstance(row, dict):
            raise RewardsConfigError(f"{where}: must be a table")
        if not code.replace("_", "").isalnum() or not code.isascii() or code != code.lower():
            raise RewardsConfigError(f"{where}: codes are lower-case ASCII letters, digits, _")
        _unknown(row, {"name", "label"}, where)
        awards[code] = Award(code, _need(row, "name", str, where), _need(row, "label", str, where))

    coefficients = []
    for i, row in enumerate(_need(doc, "coefficient", list, "rewards file")):
        where = f"coefficient[{i}]"
        if not isinstance(row, dict):
            raise RewardsConfigError(f"{where}: must be a table")
        _unknown(row, {"award", "subject", "from", "until", "value", "times_individual",
                       "source", "verified"}, where)
        award = _need(row, "award", str, where)
        if award not in awards:
            raise RewardsConfigError(f"{where}.award: {award!r} is not in [awards]")
        subject = _need(row, "subject", str, where)
        if subject not in SUBJECTS:
            raise RewardsConfigError(f"{where}.subject: one of {sorted(SUBJECTS)}")
        if ("value" in row) == ("times_individual" in row):
            raise RewardsConfigError(f"{where}: exactly one of `value` and `times_individual`")
        times = None
        value = None
        if "value" in row:
            value = _decimal(row["value"], f"{where}.value")
        else:
            times = _need(row, "times_individual", int, where)
            if subject != "tap_the" or not 1 <= times <= 10:
                raise RewardsConfigError(f"{where}.times_individual: only for subject "
                                         "\"tap_the\", 1-10")
        start = _date(row, "from", where)
        end = _date(row, "until", where, required=False)
        if end is not None and end < start:
            raise RewardsConfigError(f"{where}.until: before `from`")
        coefficients.append(Coefficient(award, subject, start, end, value, times,
                                        _need(row, "source", str, where),
                                        _need(row, "verified", bool, where)))

    table = RewardTable(base_salaries=salaries, awards=awards, coefficients=coefficients,
                        rounding=rounding, allow_unverified=allow_unverified, path=path,
                        legal_bases=_legal_bases(doc.get("legal_basis", [])))
    for (award, subject), rows in table._by_key.items():
        for a, b in itertools.pairwise(rows):
            if a.start == b.start or (a.end is not None and a.end >= b.start):
                raise RewardsConfigError(f"coefficient: rows for {award}/{subject} from "
                                         f"{a.start} and {b.start} overlap")
        for row in rows:
            if row.times_individual is not None and not table._by_key.get((award, "ca_nhan")):
                raise RewardsConfigError(f"coefficient: {award}/tap_the is a multiple of the "
                                         "individual coefficient, which has no row")
    return table


def _legal_bases(rows: Any) -> list[LegalBasis]:
    if not isinstance(rows, list):
        raise RewardsConfigError("legal_basis: must be an array of tables")
    out = []
    for i, row in enumerate(rows):
        where = f"legal_basis[{i}]"
        if not isinstance(row, dict):
            raise RewardsConfigError(f"{where}: must be a table")
        _unknown(row, {"from", "text", "source", "verified"}, where)
        text = _need(row, "text", str, where).strip()
        if not text or len(text) > 400:
            raise RewardsConfigError(f"{where}.text: 1 to 400 characters")
        out.append(LegalBasis(_date(row, "from", where), text,
                              _need(row, "source", str, where),
                              _need(row, "verified", bool, where)))
    starts = [b.start for b in out]
    if len(set(starts)) != len(starts):
        raise RewardsConfigError("legal_basis: no two rows with the same `from`")
    return out


def load(path: str | os.PathLike[str]) -> RewardTable:
    """Read and check a rewards file.

    :raises RewardsConfigError: unreadable, not TOML, or any value wrong (the message names it).
    """
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise RewardsConfigError(f"cannot read the rewards file {path}: {exc.strerror}") from None
    try:
        doc = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise RewardsConfigError(f"{path}: not valid UTF-8 TOML: {exc}") from None
    try:
        return parse(doc, str(path))
    except RewardsConfigError as exc:
        raise RewardsConfigError(f"{path}: {exc}") from None


# ------------------------------------------------------------------ the configured table

log = logging.getLogger(__name__)
_lock = threading.Lock()
_configured: Path | None = None
_cache: dict[Path, tuple[tuple[int, int], RewardTable]] = {}


def default_path() -> Path:
    from service.config import SETTINGS_BY_NAME

    return Path(SETTINGS_BY_NAME["REWARDS_FILE"].default)


def configure(path: str | os.PathLike[str] | None) -> RewardTable:
    """Use ``path`` from now on (the app calls this with ``REWARDS_FILE``); loads and checks
    it at once, so a broken file stops the start."""
    global _configured
    with _lock:
        _configured = Path(path) if path else None
    return current()


def active_path() -> Path:
    if _configured is not None:
        return _configured
    env = os.environ.get(ENV_VAR)
    return Path(env) if env else default_path()


def current() -> RewardTable:
    """The table of the configured file (``configure`` > ``THIDUA_REWARDS_FILE`` > default),
    re-read when the file's size or modification time changes."""
    path = active_path()
    with _lock:
        hit = _cache.get(path)
    try:
        st = path.stat()
    except OSError as exc:
        if hit is not None:  # the file went away under a running service: keep the last table
            log.error("rewards file %s unreadable (%s); keeping the table loaded before",
                      path, exc.strerror)
            return hit[1]
        raise RewardsConfigError(f"cannot read the rewards file {path}: {exc.strerror}") from None
    stamp = (st.st_mtime_ns, st.st_size)
    if hit is not None and hit[0] == stamp:
        return hit[1]
    try:
        table = load(path)
    except RewardsConfigError as exc:
        if hit is None:
            raise  # at start-up a broken table stops the start
        # A broken edit of a running service's table: keep serving the last good one (logged
        # once per edit) rather than failing every decision until the file is fixed.
        log.error("rewards file %s is broken (%s); keeping the last good table", path, exc)
        with _lock:
            _cache[path] = (stamp, hit[1])
        return hit[1]
    with _lock:
        _cache[path] = (stamp, table)
    return table
