"""Helpers for tests that kill a batch worker in the middle of a step."""

from __future__ import annotations

import time


def still_in_hand(store, job_id: str, step, settle_s: float = 0.05) -> bool:
    """Whether ``step`` (seen running) is still running under the same claim ``settle_s``
    later, so its worker surely has it: the embedded supervisor records a claim a moment
    before it hands the step over, and a kill inside that moment is refunded, not counted
    as an attempt."""
    time.sleep(settle_s)
    again = store.steps(job_id)[step.number - 1]
    return again.status == "running" and again.claimed_by == step.claimed_by
