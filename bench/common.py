"""Small helpers shared by the benchmarks."""

from __future__ import annotations

import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KEYS: dict[str, str] = {}  # base URL of a started service → an admin API key for it


def create_key(data_dir: Path, env: dict | None = None, role: str = "admin") -> str:
    """An API key in the database a service on ``data_dir`` (and ``env``) uses."""
    from service.auth.store import AuthStore
    from service.db import dispose_engines

    store = AuthStore.from_settings({"DATA_DIR": str(data_dir), "DATABASE_URL": (
        env or {}).get("THIDUA_DATABASE_URL", "")})
    _key, token = store.create_key("bench", role, "bench")
    dispose_engines(store.url)
    return token


def auth(base: str) -> dict[str, str]:
    """The Authorization header for a service started by :func:`start_service`."""
    return {"Authorization": f"Bearer {KEYS[base]}"}


def get(url: str, base: str) -> urllib.request.Request:
    return urllib.request.Request(url, headers=auth(base))


def sample(type_id: str) -> dict:
    return json.loads((ROOT / "samples" / f"{type_id}.json").read_text(encoding="utf-8"))


def peak_rss_mb() -> float:
    """Peak resident memory of this process (MB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(fn, runs: int, warmup: int = 2) -> list[float]:
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        out.append(time.perf_counter() - started)
    return out


def describe(times: list[float]) -> str:
    med = statistics.median(times)
    return (f"median {med * 1000:.1f} ms (min {min(times) * 1000:.1f}, max {max(times) * 1000:.1f},"
            f" n={len(times)}) → {1 / med:.1f}/s")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_service(data_dir: Path, *, port: int | None = None, env: dict | None = None,
                  args: tuple[str, ...] = ()) -> tuple[subprocess.Popen, str]:
    """Start ``python -m service serve`` on a free port; wait until /healthz answers."""
    port = port or free_port()
    token = create_key(data_dir, env)
    full_env = {**os.environ, "THIDUA_DATA_DIR": str(data_dir), "THIDUA_LOG_LEVEL": "WARNING",
                "THIDUA_RATE_LIMIT_PER_MINUTE": "0",
                **(env or {})}
    proc = subprocess.Popen([sys.executable, "-m", "service", "serve", "--port", str(port), *args],
                            cwd=ROOT, env=full_env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=1) as r:
                if r.status == 200:
                    KEYS[base] = token
                    return proc, base
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("service did not start")
