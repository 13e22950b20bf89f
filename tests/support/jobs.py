"""Helpers for tests that kill a batch worker in the middle of a step.

Killing "mid-step" has two races the tests must not lose:
- the embedded supervisor records a claim a moment before it hands the step to its worker,
  and a kill inside that moment is refunded (no attempt used): so a step counts only once it
  is still running under the same claim a little later;
- between reading the step and the kill, the worker may finish it: so the worker is frozen
  (SIGSTOP) first, the step read again, and only then killed.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Iterable

import psutil


def _held(store, job_id: str, step) -> bool:
    again = store.steps(job_id)[step.number - 1]
    return again.status == "running" and again.claimed_by == step.claimed_by


def running_step(store, job_id: str, among: Iterable[int] | None = None, *,
                 accept: Callable[[object], bool] = lambda step: True,
                 settle_s: float = 0.05, timeout: float = 60):
    """``(step, pid)``: a render step its worker process ``pid`` (one of ``among``, if given)
    surely has in hand: seen running, and still running under the same claim ``settle_s``
    later."""
    among = None if among is None else set(among)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for step in store.steps(job_id):
            if step.status == "running" and step.kind == "render" and step.claimed_by \
                    and accept(step):
                pid = int(step.claimed_by.split("|")[1])
                if (among is None or pid in among) and psutil.pid_exists(pid):
                    time.sleep(settle_s)
                    if _held(store, job_id, step):
                        return step, pid
                    break
        time.sleep(0.01)
    raise AssertionError("no chunk was running")


def kill_mid_step(store, job_id: str, among: Iterable[int] | None = None, *,
                  accept: Callable[[object], bool] = lambda step: True, timeout: float = 60):
    """SIGKILL a worker process while it renders a step; returns ``(step, pid)``."""
    deadline = time.monotonic() + timeout
    while True:
        step, pid = running_step(store, job_id, among, accept=accept,
                                 timeout=max(0.1, deadline - time.monotonic()))
        os.kill(pid, signal.SIGSTOP)
        try:
            held = _held(store, job_id, step)
        except BaseException:
            os.kill(pid, signal.SIGCONT)
            raise
        if held:
            os.kill(pid, signal.SIGKILL)
            return step, pid
        os.kill(pid, signal.SIGCONT)  # it finished that step meanwhile: choose another
        assert time.monotonic() < deadline, "no chunk stayed running long enough to kill"
