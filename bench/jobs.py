"""Batch jobs through the API: 10.000 certificates with the embedded runner, and with Celery
on Redis with 1 and 2 workers (the scaling ratio). Wall time from the POST to the finished
result, certificates per second, and the peak memory of every process involved.

Celery needs a Redis: 127.0.0.1:6379 when it answers, else a throwaway ``redis-server`` on a
free port (the Debian package `make setup-test` installs); without either that part is
skipped with a note.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import psutil

from bench.common import ROOT, auth, free_port, get, start_service

FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng")
MIDDLE = ("Văn", "Thị", "Hữu", "Đức", "Minh", "Thanh", "Quốc", "Ngọc", "Xuân", "Thu")
GIVEN = ("An", "Bình", "Cường", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hiếu", "Hoa", "Hùng",
         "Khánh", "Lan", "Long", "Mai", "Nam", "Phúc", "Quang", "Sơn", "Tâm")


def body(count: int) -> bytes:
    sample = json.loads((ROOT / "samples" / "certificate_batch.json").read_text("utf-8"))
    items = []
    for i in range(count):
        middle = MIDDLE[(i // 10) % 10]
        items.append({"honorific": "ba" if middle == "Thị" else "ong",
                      "recipient_name": f"{FAMILY[i % 10]} {middle} {GIVEN[(i // 100) % 20]}",
                      "position": "Chuyên viên", "unit": f"Phòng {i // 50 + 1}, Sở Nội vụ"})
    return json.dumps({"document_type": "certificate", "output": "pdf",
                       "common": sample["common"], "items": items},
                      ensure_ascii=False).encode()


class MemoryWatch:
    """Samples the RSS of a set of process trees; keeps each process's peak."""

    def __init__(self, roots: list[int]) -> None:
        self.roots = roots
        self.peaks: dict[int, tuple[str, float]] = {}
        self.total_peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            total = 0.0
            for root in self.roots:
                with contextlib.suppress(psutil.Error):
                    proc = psutil.Process(root)
                    for p in [proc, *proc.children(recursive=True)]:
                        with contextlib.suppress(psutil.Error):
                            rss = p.memory_info().rss / 1e6
                            total += rss
                            name = self._label(p)
                            if rss > self.peaks.get(p.pid, ("", 0.0))[1]:
                                self.peaks[p.pid] = (name, rss)
            self.total_peak = max(self.total_peak, total)
            self._stop.wait(0.1)

    @staticmethod
    def _label(p: psutil.Process) -> str:
        cmd = " ".join(p.cmdline())
        if "spawn_main" in cmd:
            return "embedded worker"
        if "resource_tracker" in cmd:
            return "resource tracker"
        if "service worker" in cmd:
            return "celery worker"
        return "service"

    def __enter__(self) -> MemoryWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def summary(self) -> str:
        by_kind: dict[str, float] = {}
        for name, rss in self.peaks.values():
            by_kind[name] = max(by_kind.get(name, 0.0), rss)
        parts = [f"{k} {v:.0f} MB" for k, v in sorted(by_kind.items()) if k != "resource tracker"]
        return f"peak RSS per process: {', '.join(parts)}; all together {self.total_peak:.0f} MB"


def run_job(base: str, payload: bytes, count: int) -> tuple[float, float, dict]:
    """POST, poll until finished, download; (seconds to 202, seconds to result, job)."""
    started = time.perf_counter()
    request = urllib.request.Request(base + "/api/v1/batches", data=payload, method="POST",
                                     headers={"Content-Type": "application/json", **auth(base)})
    with urllib.request.urlopen(request, timeout=600) as response:
        job = json.loads(response.read())
    accepted = time.perf_counter() - started
    while job["status"] not in ("succeeded", "failed", "cancelled"):
        time.sleep(0.25)
        with urllib.request.urlopen(get(f"{base}/api/v1/batches/{job['id']}", base),
                                    timeout=60) as r:
            job = json.loads(r.read())
    if job["status"] != "succeeded":
        raise RuntimeError(f"job ended {job['status']}: {job['errors']}")
    with urllib.request.urlopen(get(base + job["result_url"], base), timeout=600) as response:
        size = 0
        while block := response.read(1 << 20):
            size += len(block)
    elapsed = time.perf_counter() - started
    job["result_size"] = size
    assert job["done"] == count
    return accepted, elapsed, job


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def redis_url() -> tuple[str | None, subprocess.Popen | None]:
    import redis

    try:
        if redis.Redis(host="127.0.0.1", port=6379, socket_timeout=2).ping():
            return "redis://127.0.0.1:6379/0", None
    except redis.RedisError:
        pass
    exe = shutil.which("redis-server")
    if exe is None:
        return None, None
    port = free_port()
    proc = subprocess.Popen([exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    for _ in range(100):
        with contextlib.suppress(redis.RedisError):
            if redis.Redis(host="127.0.0.1", port=port, socket_timeout=1).ping():
                return f"redis://127.0.0.1:{port}/0", proc
        time.sleep(0.1)
    proc.kill()
    return None, None


def start_worker(data: Path, env: dict) -> subprocess.Popen:
    log = data / f"worker-{free_port()}.log"
    with open(log, "wb") as handle:
        proc = subprocess.Popen([sys.executable, "-m", "service", "worker", "-c", "1",
                                 "--loglevel", "INFO"], cwd=ROOT, stdout=subprocess.DEVNULL,
                                stderr=handle,
                                env={**os.environ, "THIDUA_DATA_DIR": str(data), **env})
    deadline = time.monotonic() + 60
    while " ready." not in log.read_text(errors="replace"):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(log.read_text()[-2000:])
        time.sleep(0.2)
    return proc


def report(label: str, count: int, accepted: float, elapsed: float, job: dict,
           watch: MemoryWatch) -> float:
    rate = count / elapsed
    print(f"{label:28s} {count} certificates in {elapsed:6.1f} s → {rate:6.1f}/s "
          f"(POST answered in {accepted:.1f} s; result {job['result_size'] / 1e6:.1f} MB)",
          flush=True)
    print(f"{'':28s} {watch.summary()}", flush=True)
    return rate


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench jobs")
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--skip-celery", action="store_true")
    args = parser.parse_args(argv or [])
    payload = body(args.count)
    common_env = {"THIDUA_RATE_LIMIT_PER_MINUTE": "0", "THIDUA_JOB_WORKERS": "2"}
    print(f"batch of {args.count} certificates, chunks of 100, one merged PDF; "
          f"{os.cpu_count()} CPU cores", flush=True)

    with tempfile.TemporaryDirectory(prefix="bench-jobs-") as tmp:
        data = Path(tmp) / "embedded"
        proc, base = start_service(data, env=common_env)
        try:
            with MemoryWatch([proc.pid]) as watch:
                accepted, elapsed, job = run_job(base, payload, args.count)
            report("embedded, 2 processes", args.count, accepted, elapsed, job, watch)
        finally:
            stop(proc)

        if args.skip_celery:
            return
        url, redis_proc = redis_url()
        if url is None:
            print("Celery: skipped (no Redis on 127.0.0.1:6379 and no redis-server)")
            return
        rates = {}
        try:
            for workers in (1, 2):
                queue = f"bench-{os.getpid()}-{workers}"
                env = {**common_env, "THIDUA_BROKER_URL": url, "THIDUA_JOB_QUEUE": queue,
                       "THIDUA_BROKER_KEY_PREFIX": f"{queue}:"}
                data = Path(tmp) / f"celery-{workers}"
                proc, base = start_service(data, env=env)
                started = []
                try:
                    started = [start_worker(data, env) for _ in range(workers)]
                    with MemoryWatch([proc.pid, *(w.pid for w in started)]) as watch:
                        accepted, elapsed, job = run_job(base, payload, args.count)
                    rates[workers] = report(f"Celery, {workers} worker(s) × 1 process",
                                            args.count, accepted, elapsed, job, watch)
                finally:
                    for worker in started:
                        stop(worker)
                    stop(proc)
        finally:
            if redis_proc is not None:
                redis_proc.kill()
                redis_proc.wait(10)
        if 1 in rates and 2 in rates:
            print(f"Celery scaling, 2 workers / 1 worker: {rates[2] / rates[1]:.2f}×", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
