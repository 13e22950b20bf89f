"""The service's own processes for crash tests: ``python -m service serve`` and
``python -m service worker`` as subprocesses, killed with SIGKILL when a test says so."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# base URL of a started service → an admin API key in its database; http_json sends it.
AUTH_TOKENS: dict[str, str] = {}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(check, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not come up in {timeout:.0f} s")


def _env(data_dir: Path, extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("THIDUA_")}
    env.update({"THIDUA_DATA_DIR": str(data_dir), "THIDUA_LOG_LEVEL": "WARNING",
                "PYTHONUNBUFFERED": "1"})
    env.update(extra)
    return env


def kill_tree(pid: int, sig: int = signal.SIGKILL) -> list[int]:
    """Send ``sig`` to a process and every descendant at once; returns their pids."""
    import psutil

    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []
    for proc in procs:
        with contextlib.suppress(psutil.NoSuchProcess):
            proc.send_signal(sig)
    psutil.wait_procs(procs, timeout=15)
    return [p.pid for p in procs]


def _kill(proc: subprocess.Popen) -> list[int]:
    pids = kill_tree(proc.pid)
    proc.wait(10)
    return pids


def _stop(proc: subprocess.Popen | None, sig: int, timeout: float) -> None:
    """Send ``sig``, wait ``timeout`` s (then SIGKILL the tree), and make sure no child of
    the process outlives the test."""
    if proc is None or proc.poll() is not None:
        return
    import psutil

    children = psutil.Process(proc.pid).children(recursive=True)
    proc.send_signal(sig)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        kill_tree(proc.pid)
    psutil.wait_procs(children, timeout=10)
    for child in children:
        with contextlib.suppress(psutil.Error):
            child.kill()


class ServiceProcess:
    """``python -m service serve`` in a subprocess with its own DATA_DIR."""

    def __init__(self, data_dir: Path, env: dict[str, str] | None = None,
                 port: int | None = None) -> None:
        self.data_dir = data_dir
        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = _env(data_dir, env or {})
        self.proc: subprocess.Popen | None = None
        self.log = data_dir / f"serve-{self.port}.log"

    def start(self) -> ServiceProcess:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self.base not in AUTH_TOKENS:
            from tests.support.auth import key_for_data_dir

            AUTH_TOKENS[self.base] = key_for_data_dir(self.data_dir, self.env)
        self.token = AUTH_TOKENS[self.base]
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "service", "serve", "--port", str(self.port)], cwd=ROOT,
                env=self.env, stdout=subprocess.DEVNULL, stderr=log)

        def up() -> bool:
            if self.proc.poll() is not None:
                raise RuntimeError(f"service exited: {self.log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=2) as r:
                    return r.status == 200
            except OSError:
                return False

        wait_until(up, 90, "the service")
        return self

    def pool_workers(self) -> list[int]:
        """Pids of the embedded worker processes (spawned children)."""
        import psutil

        found = []
        for child in psutil.Process(self.proc.pid).children(recursive=True):
            with contextlib.suppress(psutil.Error):
                if any("spawn_main" in part for part in child.cmdline()):
                    found.append(child.pid)
        return found

    def kill(self) -> list[int]:
        """SIGKILL the whole service: server, its workers, everything it started."""
        return _kill(self.proc)

    def stop(self) -> None:
        _stop(self.proc, signal.SIGTERM, 30)


class CeleryWorkerProcess:
    """``python -m service worker`` in a subprocess."""

    def __init__(self, data_dir: Path, env: dict[str, str], concurrency: int = 1) -> None:
        self.env = _env(data_dir, env)
        self.concurrency = concurrency
        self.log = data_dir / f"worker-{uuid.uuid4().hex[:6]}.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> CeleryWorkerProcess:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "service", "worker", "-c", str(self.concurrency),
                 "--loglevel", "INFO"], cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL,
                stderr=log)
        wait_until(lambda: self._ready(), 60, "the Celery worker")
        return self

    def _ready(self) -> bool:
        if self.proc.poll() is not None:
            raise RuntimeError(f"worker exited: {self.log.read_text()[-2000:]}")
        return " ready." in self.log.read_text(errors="replace")

    def children(self) -> list[int]:
        import psutil

        return [c.pid for c in psutil.Process(self.proc.pid).children()]

    def kill(self) -> list[int]:
        return _kill(self.proc)

    def stop(self) -> None:
        _stop(self.proc, signal.SIGQUIT, 20)  # cold shutdown: do not wait for tasks


def http_json(method: str, url: str, body: bytes | None = None,
              headers: dict[str, str] | None = None, timeout: float = 120):
    """(status, headers, parsed JSON or raw bytes) without raising on 4xx/5xx."""
    import json

    headers = dict(headers or {})
    token = next((t for base, t in AUTH_TOKENS.items() if url.startswith(base + "/")), None)
    if token is not None and "Authorization" not in headers:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw = response.read()
            status, hdrs = response.status, dict(response.headers)
    except urllib.error.HTTPError as exc:
        raw, status, hdrs = exc.read(), exc.code, dict(exc.headers)
    ctype = hdrs.get("Content-Type", "")
    return status, hdrs, json.loads(raw) if "json" in ctype else raw
