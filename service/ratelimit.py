"""Per-client request rate limit: a token bucket per client, 429 with ``Retry-After``.

The client is the authenticated API client or user when there is one (``g.client_id``),
otherwise the remote address. Buckets live in this process; under gunicorn with N workers
the effective limit is up to N times the configured one (put the same limit in the reverse
proxy for a hard bound).

Failed authentication (no key or a wrong one where one is needed, a wrong password) has its
own budget per remote address (``AUTH_FAILURES_BURST``, then ``AUTH_FAILURES_PER_MINUTE``):
:func:`failure_wait` says whether the address has spent it (the guard and the sign-in form
then answer 429 ``too_many_failures`` without checking anything), :func:`record_failure`
spends one.
"""

from __future__ import annotations

import math
import threading
import time

from flask import Flask, current_app, g, request

from service.errors import Problem


class TokenBuckets:
    """``rate`` tokens per second, at most ``burst`` saved up, per key."""

    def __init__(self, rate: float, burst: int, max_keys: int = 100_000) -> None:
        self.rate, self.burst, self.max_keys = rate, burst, max_keys
        self._state: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def peek(self, key: str, now: float | None = None) -> float:
        """0 when ``key`` has a token, else the seconds until it has one (nothing taken)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, last = self._state.get(key, (float(self.burst), now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        return 0.0 if tokens >= 1 else (1 - tokens) / self.rate

    def take(self, key: str, now: float | None = None) -> float:
        """Take one token; return 0 when allowed, else the seconds until one is available."""
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, last = self._state.get(key, (float(self.burst), now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens >= 1:
                self._state[key] = (tokens - 1, now)
                wait = 0.0
            else:
                self._state[key] = (tokens, now)
                wait = (1 - tokens) / self.rate
            if len(self._state) > self.max_keys:  # forget the idlest clients
                for stale in sorted(self._state, key=lambda k: self._state[k][1])[
                        :self.max_keys // 10]:
                    del self._state[stale]
            return wait


FAILURES = "thidua_auth_failures"


def _address() -> str:
    return request.remote_addr or "unknown"


def failure_wait() -> float:
    """Seconds until this request's address may fail authentication again (0: it may)."""
    buckets = current_app.extensions.get(FAILURES)
    return 0.0 if buckets is None else buckets.peek(_address())


def record_failure() -> None:
    """This request's address failed to authenticate: spend one of its budget."""
    buckets = current_app.extensions.get(FAILURES)
    if buckets is not None:
        buckets.take(_address())


def too_many_failures(wait: float) -> Problem:
    seconds = max(1, math.ceil(wait))
    return Problem(429, "too_many_failures", "Quá nhiều lần xác thực sai",
                   f"Địa chỉ này đã xác thực sai quá nhiều lần (thiếu hoặc sai khóa API, sai "
                   f"mật khẩu); thử lại sau {seconds} giây.",
                   headers={"Retry-After": str(seconds)})


def init_app(app: Flask) -> None:
    failures_per_minute = app.config["AUTH_FAILURES_PER_MINUTE"]
    if failures_per_minute > 0:
        app.extensions[FAILURES] = TokenBuckets(failures_per_minute / 60.0,
                                                app.config["AUTH_FAILURES_BURST"])
    per_minute = app.config["RATE_LIMIT_PER_MINUTE"]
    if per_minute <= 0:
        return
    buckets = TokenBuckets(per_minute / 60.0, app.config["RATE_LIMIT_BURST"])

    @app.before_request
    def _limit() -> None:
        if not request.path.startswith("/api/") and request.endpoint != "web.login_submit":
            return  # the API, and sign-in attempts (password guessing from one address)
        key = g.get("client_id") or request.remote_addr or "unknown"
        wait = buckets.take(str(key))
        if wait > 0:
            raise Problem(429, "too_many_requests", "Quá nhiều yêu cầu",
                          f"Vượt giới hạn {per_minute} yêu cầu mỗi phút; thử lại sau "
                          f"{math.ceil(wait)} giây.",
                          headers={"Retry-After": str(max(1, math.ceil(wait)))})
