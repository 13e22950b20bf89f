"""Give freed native memory back to the system after renders.

Rendering is allocation-heavy in C (libxml2 under python-docx/docxtpl, Pango/HarfBuzz under
WeasyPrint, and ``compile()`` of docxtpl's generated Jinja code). glibc keeps freed memory in
per-thread arenas, so a threaded server's resident size climbs by ~1-2 MB a second under load
although nothing leaks (measured: after 300 decision DOCX renders RSS was 120 MB and
``malloc_trim`` took it back to 43 MB). Two controls, both no-ops off glibc:

* :func:`limit_arenas` caps the arenas (``M_ARENA_MAX``) before the server starts threads,
  unless ``MALLOC_ARENA_MAX`` is already set in the environment;
* :func:`release` calls ``malloc_trim(0)`` after a render, at most once per interval per
  process (a trim costs about a millisecond).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import threading
import time

_M_ARENA_MAX = -8
_TRIM_INTERVAL_S = 2.0


class _State:
    libc: ctypes.CDLL | None = None
    loaded = False
    last = 0.0


_state = _State()
_lock = threading.Lock()


def _libc() -> ctypes.CDLL | None:
    if not _state.loaded:
        _state.loaded = True
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
            libc.malloc_trim  # noqa: B018  (glibc only)
            libc.mallopt  # noqa: B018
            _state.libc = libc
        except (OSError, AttributeError):
            _state.libc = None
    return _state.libc


def limit_arenas(arenas: int = 2) -> None:
    libc = _libc()
    if libc is not None and "MALLOC_ARENA_MAX" not in os.environ:
        libc.mallopt(_M_ARENA_MAX, arenas)


def release(force: bool = False) -> None:
    libc = _libc()
    if libc is None:
        return
    now = time.monotonic()
    with _lock:
        if not force and now - _state.last < _TRIM_INTERVAL_S:
            return
        _state.last = now
    libc.malloc_trim(0)
