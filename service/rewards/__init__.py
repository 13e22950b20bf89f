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

The package: :mod:`.model` (the table and its lookups), :mod:`.config` (reading and checking
a file), :mod:`.configured` (the file in force, reloaded on change).
"""

from service.rewards.config import load, parse
from service.rewards.configured import ENV_VAR, active_path, configure, current, default_path
from service.rewards.model import (
    MULTIPLE_MODES,
    ROUNDING_MODES,
    SUBJECTS,
    Award,
    BaseSalary,
    Coefficient,
    LegalBasis,
    Reward,
    RewardLookupError,
    RewardsConfigError,
    RewardTable,
    Rounding,
    round_amount,
)

__all__ = [
    "ENV_VAR",
    "MULTIPLE_MODES",
    "ROUNDING_MODES",
    "SUBJECTS",
    "Award",
    "BaseSalary",
    "Coefficient",
    "LegalBasis",
    "Reward",
    "RewardLookupError",
    "RewardTable",
    "RewardsConfigError",
    "Rounding",
    "active_path",
    "configure",
    "current",
    "default_path",
    "load",
    "parse",
    "round_amount",
]
