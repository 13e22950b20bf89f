"""Last use of keys and last activity of sessions, written off the request path."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from typing import Any

MAX_PENDING_TOUCHES = 10_000  # last-use writes waiting; past this, new ones are dropped

log = logging.getLogger("thidua.auth")


class Toucher:
    """Best-effort writes of last use (keys) and last activity (sessions), off the request
    path: a daemon thread writes what requests left; a locked or unreachable database
    costs the record, never a request. Later values for the same row replace earlier ones."""

    def __init__(self, write: Callable[[dict], None]) -> None:
        self._write = write
        self._pending: dict[tuple[str, str], Any] = {}
        self._cond = threading.Condition()
        self._busy = False
        self._thread: threading.Thread | None = None
        self._pid = 0

    def put(self, kind: str, ident: str, value: Any) -> None:
        with self._cond:
            if len(self._pending) >= MAX_PENDING_TOUCHES and (kind, ident) not in self._pending:
                return
            self._pending[(kind, ident)] = value
            if self._thread is None or self._pid != os.getpid() or not self._thread.is_alive():
                self._pid = os.getpid()
                self._thread = threading.Thread(target=self._run, name="thidua-auth-touch",
                                                daemon=True)
                self._thread.start()
            self._cond.notify_all()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._pending:
                    self._cond.wait()
                batch, self._pending, self._busy = self._pending, {}, True
            try:
                self._write(batch)
            except Exception as exc:  # best effort: the next use records it again
                log.warning("last use not recorded: %s", type(exc).__name__)
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until everything put so far has been written (or dropped); tests, the CLI."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._pending and not self._busy, timeout)
