"""Today's date for the schemas, and how far ahead a date may lie.

Schemas never read the environment: the app (and the CLI) call :func:`configure` with the
``MAX_DATE_AHEAD_DAYS`` setting when they start, as they do for the rewards table. Tests
freeze "today" with :func:`frozen`, so date checks are deterministic.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

DEFAULT_MAX_AHEAD_DAYS = 365

_lock = threading.Lock()
_today: Callable[[], dt.date] = dt.date.today
_max_ahead_days = DEFAULT_MAX_AHEAD_DAYS


def configure(*, max_ahead_days: int | None = None,
              today: Callable[[], dt.date] | None = None) -> None:
    """Set the window (days after today a date may lie) and/or the clock."""
    global _today, _max_ahead_days
    with _lock:
        if max_ahead_days is not None:
            _max_ahead_days = max_ahead_days
        if today is not None:
            _today = today


def today() -> dt.date:
    return _today()


def max_ahead_days() -> int:
    return _max_ahead_days


def latest() -> dt.date:
    """The latest date a document may carry: today plus the window."""
    return today() + dt.timedelta(days=_max_ahead_days)


@contextmanager
def frozen(day: dt.date, *, max_ahead_days: int | None = None) -> Iterator[dt.date]:
    """Within the block today is ``day`` (and the window ``max_ahead_days`` if given); both
    are restored afterwards, whatever an app built inside the block configured."""
    saved = (_today, _max_ahead_days)
    configure(today=lambda: day, max_ahead_days=max_ahead_days)
    try:
        yield day
    finally:
        configure(today=saved[0], max_ahead_days=saved[1])
