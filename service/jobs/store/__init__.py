"""The job store: every state change of a job or step, each in one explicit transaction.

Steps are claimed with compare-and-set updates (``… WHERE status = :seen AND attempts =
:seen``), so two processes never both start the same attempt, and finished with ``… WHERE
status IN (pending, running)``, so a step finished twice is counted once. A claim counts an
attempt; a step whose worker died is released back to ``pending`` until it has used
``max_attempts``, and then fails the job with a clear error instead of looping.

``views`` (what it hands out), ``records`` (jobs), ``claims`` (steps), ``upkeep`` (broker
bookkeeping, retention; the :class:`JobStore` class). The tables: :mod:`service.db.jobs`.
"""

from service.jobs.store.upkeep import JobStore
from service.jobs.store.views import (
    ITEM_REASONS,
    REASONS,
    Claim,
    Finish,
    IdempotencyConflict,
    JobView,
    NotCancellable,
    QueueDepthExceeded,
    RegisterOverlap,
    StepView,
    StoreStats,
    attempts_exhausted_message,
    claimer_id,
    claimer_is_dead,
)

__all__ = ["ITEM_REASONS", "REASONS", "Claim", "Finish", "IdempotencyConflict", "JobStore",
           "JobView", "NotCancellable", "QueueDepthExceeded", "RegisterOverlap", "StepView",
           "StoreStats", "attempts_exhausted_message", "claimer_id", "claimer_is_dead"]
