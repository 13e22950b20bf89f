"""Reading and checking a rewards file: every key of the TOML document is checked and a wrong
value raises :class:`~service.rewards.model.RewardsConfigError` naming it."""

from __future__ import annotations

import datetime as dt
import itertools
import os
import tomllib
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from service.rewards.model import (
    MULTIPLE_MODES,
    ROUNDING_MODES,
    SUBJECTS,
    Award,
    BaseSalary,
    Coefficient,
    LegalBasis,
    RewardsConfigError,
    RewardTable,
    Rounding,
)

TOP_KEYS = {"version", "rounding", "policy", "base_salary", "awards", "coefficient",
            "legal_basis"}
ROUNDING_STEPS = (1, 10, 100, 1000, 10000, 100000)

# ------------------------------------------------------------------ checked values


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


def _date(table: Mapping[str, Any], key: str, where: str) -> dt.date:
    value = _need(table, key, dt.date, where)
    if isinstance(value, dt.datetime):
        raise RewardsConfigError(f"{where}.{key}: a date (YYYY-MM-DD), not a date-time")
    return value


def _optional_date(table: Mapping[str, Any], key: str, where: str) -> dt.date | None:
    return _date(table, key, where) if key in table else None


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


def _table(row: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(row, dict):
        raise RewardsConfigError(f"{where}: must be a table")
    return row


def _source(row: Mapping[str, Any], where: str) -> tuple[str, bool]:
    """A row's ``source`` and ``verified`` flag."""
    return _need(row, "source", str, where), _need(row, "verified", bool, where)


# ------------------------------------------------------------------ the sections


def _rounding(doc: Mapping[str, Any]) -> Rounding:
    r = _need(doc, "rounding", dict, "rewards file")
    _unknown(r, {"mode", "step", "multiple", "source", "verified"}, "rounding")
    rounding = Rounding(mode=_need(r, "mode", str, "rounding"),
                        step=_need(r, "step", int, "rounding"),
                        multiple=_need(r, "multiple", str, "rounding"),
                        source=_need(r, "source", str, "rounding"),
                        verified=_need(r, "verified", bool, "rounding"))
    if rounding.mode not in ROUNDING_MODES:
        raise RewardsConfigError(f"rounding.mode: one of {sorted(ROUNDING_MODES)}")
    if rounding.step not in ROUNDING_STEPS:
        raise RewardsConfigError("rounding.step: 1, 10, 100, 1000, 10000 or 100000")
    if rounding.multiple not in MULTIPLE_MODES:
        raise RewardsConfigError(f"rounding.multiple: one of {list(MULTIPLE_MODES)}")
    return rounding


def _allow_unverified(doc: Mapping[str, Any]) -> bool:
    policy = doc.get("policy", {})
    if not isinstance(policy, dict):
        raise RewardsConfigError("policy: must be a table")
    _unknown(policy, {"allow_unverified"}, "policy")
    allow_unverified = policy.get("allow_unverified", True)
    if not isinstance(allow_unverified, bool):
        raise RewardsConfigError("policy.allow_unverified: true or false")
    return allow_unverified


def _base_salary(item: Any, where: str) -> BaseSalary:
    row = _table(item, where)
    _unknown(row, {"from", "amount", "source", "verified"}, where)
    amount = _need(row, "amount", int, where)
    if not 100_000 <= amount <= 100_000_000:
        raise RewardsConfigError(f"{where}.amount: between 100000 and 100000000 đồng")
    return BaseSalary(_date(row, "from", where), amount, *_source(row, where))


def _base_salaries(doc: Mapping[str, Any]) -> list[BaseSalary]:
    salaries = [_base_salary(row, f"base_salary[{i}]")
                for i, row in enumerate(_need(doc, "base_salary", list, "rewards file"))]
    starts = [s.start for s in salaries]
    if not salaries or len(set(starts)) != len(starts):
        raise RewardsConfigError("base_salary: at least one row, no two with the same `from`")
    return salaries


def _award(code: str, item: Any) -> Award:
    where = f"awards.{code}"
    row = _table(item, where)
    if not code.replace("_", "").isalnum() or not code.isascii() or code != code.lower():
        raise RewardsConfigError(f"{where}: codes are lower-case ASCII letters, digits, _")
    _unknown(row, {"name", "label"}, where)
    return Award(code, _need(row, "name", str, where), _need(row, "label", str, where))


def _awards(doc: Mapping[str, Any]) -> dict[str, Award]:
    return {code: _award(code, row)
            for code, row in _need(doc, "awards", dict, "rewards file").items()}


def _coefficient_amount(row: Mapping[str, Any], subject: str, where: str
                        ) -> tuple[Decimal | None, int | None]:
    """``(value, times_individual)``: exactly one of them is set."""
    if ("value" in row) == ("times_individual" in row):
        raise RewardsConfigError(f"{where}: exactly one of `value` and `times_individual`")
    if "value" in row:
        return _decimal(row["value"], f"{where}.value"), None
    times = _need(row, "times_individual", int, where)
    if subject != "tap_the" or not 1 <= times <= 10:
        raise RewardsConfigError(f"{where}.times_individual: only for subject "
                                 "\"tap_the\", 1-10")
    return None, times


def _coefficient(item: Any, where: str, awards: Mapping[str, Award]) -> Coefficient:
    row = _table(item, where)
    _unknown(row, {"award", "subject", "from", "until", "value", "times_individual",
                   "source", "verified"}, where)
    award = _need(row, "award", str, where)
    if award not in awards:
        raise RewardsConfigError(f"{where}.award: {award!r} is not in [awards]")
    subject = _need(row, "subject", str, where)
    if subject not in SUBJECTS:
        raise RewardsConfigError(f"{where}.subject: one of {sorted(SUBJECTS)}")
    value, times = _coefficient_amount(row, subject, where)
    start = _date(row, "from", where)
    end = _optional_date(row, "until", where)
    if end is not None and end < start:
        raise RewardsConfigError(f"{where}.until: before `from`")
    return Coefficient(award, subject, start, end, value, times, *_source(row, where))


def _coefficients(doc: Mapping[str, Any], awards: Mapping[str, Award]) -> list[Coefficient]:
    return [_coefficient(row, f"coefficient[{i}]", awards)
            for i, row in enumerate(_need(doc, "coefficient", list, "rewards file"))]


def _legal_basis(item: Any, where: str) -> LegalBasis:
    row = _table(item, where)
    _unknown(row, {"from", "text", "source", "verified"}, where)
    text = _need(row, "text", str, where).strip()
    if not text or len(text) > 400:
        raise RewardsConfigError(f"{where}.text: 1 to 400 characters")
    return LegalBasis(_date(row, "from", where), text, *_source(row, where))


def _legal_bases(rows: Any) -> list[LegalBasis]:
    if not isinstance(rows, list):
        raise RewardsConfigError("legal_basis: must be an array of tables")
    out = [_legal_basis(row, f"legal_basis[{i}]") for i, row in enumerate(rows)]
    starts = [b.start for b in out]
    if len(set(starts)) != len(starts):
        raise RewardsConfigError("legal_basis: no two rows with the same `from`")
    return out


def _check_periods(table: RewardTable) -> None:
    """No two rows of one award and subject overlap; a multiple has its individual rows."""
    by_key = table.coefficient_rows()
    for (award, subject), rows in by_key.items():
        for a, b in itertools.pairwise(rows):
            if a.start == b.start or (a.end is not None and a.end >= b.start):
                raise RewardsConfigError(f"coefficient: rows for {award}/{subject} from "
                                         f"{a.start} and {b.start} overlap")
        for row in rows:
            if row.times_individual is not None and not by_key.get((award, "ca_nhan")):
                raise RewardsConfigError(f"coefficient: {award}/tap_the is a multiple of the "
                                         "individual coefficient, which has no row")


# ------------------------------------------------------------------ the document


def parse(doc: Mapping[str, Any], path: str = "") -> RewardTable:
    """A :class:`RewardTable` from the parsed TOML ``doc``; every key is checked."""
    _unknown(doc, TOP_KEYS, "rewards file")
    if doc.get("version") != 1:
        raise RewardsConfigError("version: must be 1")
    rounding = _rounding(doc)
    allow_unverified = _allow_unverified(doc)
    salaries = _base_salaries(doc)
    awards = _awards(doc)
    coefficients = _coefficients(doc, awards)
    table = RewardTable(base_salaries=salaries, awards=awards, coefficients=coefficients,
                        rounding=rounding, allow_unverified=allow_unverified, path=path,
                        legal_bases=_legal_bases(doc.get("legal_basis", [])))
    _check_periods(table)
    return table


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
