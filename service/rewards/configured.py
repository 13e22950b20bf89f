"""The configured table: which rewards file is in force (``configure`` >
``THIDUA_REWARDS_FILE`` > the shipped ``service/data/rewards.toml``), re-read when it changes."""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

from service.rewards.config import load
from service.rewards.model import RewardsConfigError, RewardTable

ENV_VAR = "THIDUA_REWARDS_FILE"

log = logging.getLogger("service.rewards")  # the name operators filter on
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
