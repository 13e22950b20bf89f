"""The decision's reward amounts: checked and computed once, in the prepare step.

Every award code the payload names must be in the reward table; with ``compute_rewards``
every entry without its own amount takes ``coefficient × base salary`` at the decision's date
(or its year), looked up once per (award, kind). What is wrong is reported as the schema
would: a ``ValidationError`` keyed like the payload.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from marshmallow import ValidationError

from schemas.base import Msg
from service import rewards


@dataclass
class RewardPlan:
    """The table (None when the decision names no award and computes nothing) and the amount
    of every (award, kind) the list computes."""

    table: rewards.RewardTable | None
    amounts: dict[tuple[str, str], int] = field(default_factory=dict)
    computed: bool = False

    def amount(self, code: str | None, kind: str) -> int:
        """The computed amount of an entry without its own (its code was checked by plan)."""
        assert code is not None
        return self.amounts[(code, kind)]

    def is_title(self, code: str | None) -> bool:
        """Whether the award is a danh hiệu (Điều 1 names it ``danh hiệu “…”``)."""
        return (self.table is not None and code in self.table.awards
                and self.table.awards[code].name.startswith("Danh hiệu"))

    def legal_basis(self, data: Mapping[str, Any]) -> str | None:
        """The decree in force for the computed amounts (the table's dated ``legal_basis``)."""
        if not self.computed or self.table is None:
            return None
        on = data.get("reward_date") or data.get("date") or dt.date(data["year"], 12, 31)
        return self.table.legal_basis(on)


def plan(data: Mapping[str, Any]) -> RewardPlan:
    """Check the award codes and compute the amounts.

    :raises ValidationError: unknown codes, a row that needs a code, a lookup the table
        refuses (no coefficient, several base salaries in the year without a date…).
    """
    codes = [("award", data.get("award"))] + [
        (("entries", i, "award"), e.get("award")) for i, e in enumerate(data["entries"])]
    if not (data.get("compute_rewards") or any(c for _, c in codes)):
        return RewardPlan(None)
    result = RewardPlan(rewards.current())
    errors = _unknown_codes(result.table, codes)
    if not errors and data.get("compute_rewards"):
        errors = _compute(result, data)
    if errors:
        raise ValidationError(errors)
    return result


def _unknown_codes(table, codes) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    for where, code in codes:
        if code is None or code in table.awards:
            continue
        msg = [Msg("unknown_award", f"Không có mã hình thức “{code}” trong bảng tiền thưởng. "
                                    "Các mã: " + ", ".join(sorted(table.awards)) + ".")]
        if where == "award":
            errors["award"] = msg
        else:
            errors.setdefault("entries", {}).setdefault(where[1], {})["award"] = msg
    return errors


def _compute(result: RewardPlan, data: Mapping[str, Any]) -> dict[str, Any]:
    """Look each (award, kind) up once; the errors, keyed like the payload."""
    table = result.table
    assert table is not None  # plan() reads it before computing
    on: dt.date | None = data.get("reward_date") or data.get("date")
    errors: dict[str, Any] = {}
    seen: set[tuple[str | None, str]] = set()
    for i, entry in enumerate(data["entries"]):
        code = entry.get("award") or data.get("award")
        key = (code, entry["kind"])
        if entry.get("amount") is not None or key in seen:
            continue
        seen.add(key)
        if code is None:
            errors.setdefault("entries", {}).setdefault(i, {})["award"] = [Msg(
                "required", "Cần mã hình thức khen thưởng (ở dòng này hoặc trường award của "
                            "quyết định) để tính tiền thưởng, hoặc ghi số tiền.")]
            continue
        try:
            reward = (table.reward(code, entry["kind"], on) if on is not None
                      else table.reward_in_year(code, entry["kind"], data["year"]))
        except rewards.RewardLookupError as exc:
            if exc.code == "reward_date_required":
                errors["reward_date"] = [Msg(exc.code, exc.message)]
            else:
                errors.setdefault("entries", {}).setdefault(i, {})["award"] = [
                    Msg(exc.code, exc.message)]
            continue
        result.amounts[(code, entry["kind"])] = reward.amount
        result.computed = True
    return errors
