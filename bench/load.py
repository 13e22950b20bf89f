"""A short load test of the service as deployed: gunicorn with ``gunicorn.conf.py`` on
127.0.0.1, a concurrent mix of valid and hostile requests, bounded in count and time.

Prints requests per second, the share of each status, every 5xx (there must be none) and the
memory of the gunicorn processes over the run (it must stay flat). Exit status 1 when a 5xx
or an unexpected status was seen.

    python -m bench.load [--seconds 60] [--warmup 30] [--clients 8] [--max-requests 4000]
"""

from __future__ import annotations

import argparse
import collections
import concurrent.futures
import contextlib
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from bench.common import ROOT, create_key, free_port, sample


def _body(obj) -> bytes:
    return json.dumps(obj, ensure_ascii=False).encode()


def scenarios(key: str) -> list[tuple[str, int, dict]]:
    """(name, weight, request) with the statuses each may answer."""
    bearer = {"Authorization": f"Bearer {key}"}
    js = {"Content-Type": "application/json", **bearer}
    directive = sample("directive")
    hostile_text = json.loads(json.dumps(directive))
    hostile_text["summary"] = ("{{ 7*7 }} {% for x in range(9) %}x{% endfor %} <img src="
                               "'http://127.0.0.1:9/x'> <w:r><w:t>chèn</w:t></w:r> "
                               "url(file:///etc/passwd)")
    missing = {k: v for k, v in directive.items() if k != "signer"}
    wrong_types = dict(directive, date=12345, number="năm")
    deep = b"[" * 5000 + b"]" * 5000
    huge = _body(dict(directive, summary="A" * (3 * 1024 * 1024)))
    bad_batch = {"document_type": "certificate", "output": "pdf",
                 "common": sample("certificate_batch")["common"],
                 "items": [{"recipient_name": ""}, {"unknown": 1}]}

    def post(path, data, headers=js):
        return {"method": "POST", "path": path, "data": data, "headers": headers}

    def get(path, headers=bearer):
        return {"method": "GET", "path": path, "data": None, "headers": headers}

    return [
        # valid work
        ("directive.pdf", 18, dict(post("/api/v1/documents/directive.pdf", _body(directive)),
                                   expect={200})),
        ("directive.docx", 14, dict(post("/api/v1/documents/directive.docx", _body(directive)),
                                    expect={200})),
        ("certificate.pdf", 8, dict(post("/api/v1/documents/certificate.pdf",
                                         _body(sample("certificate"))), expect={200})),
        ("decision.docx", 5, dict(post("/api/v1/documents/commendation_decision.docx",
                                       _body(sample("commendation_decision"))), expect={200})),
        ("document-types", 8, dict(get("/api/v1/document-types"), expect={200})),
        ("healthz", 4, dict(get("/healthz", {}), expect={200})),
        # hostile
        ("template injection text", 5, dict(post("/api/v1/documents/directive.pdf",
                                                 _body(hostile_text)), expect={200, 422})),
        ("malformed json", 4, dict(post("/api/v1/documents/directive.pdf", b'{"a": '),
                                   expect={400})),
        ("deep nesting", 3, dict(post("/api/v1/documents/directive.pdf", deep), expect={400})),
        ("duplicate keys", 3, dict(post("/api/v1/documents/directive.pdf",
                                        b'{"summary": "a", "summary": "b"}'), expect={400})),
        ("NaN", 2, dict(post("/api/v1/documents/directive.pdf", b'{"number": NaN}'),
                        expect={400})),
        ("missing field", 3, dict(post("/api/v1/documents/directive.docx", _body(missing)),
                                  expect={422})),
        ("wrong types", 3, dict(post("/api/v1/documents/directive.docx", _body(wrong_types)),
                                expect={422})),
        ("3 MB document", 2, dict(post("/api/v1/documents/directive.pdf", huge), expect={413})),
        ("bad batch row", 3, dict(post("/api/v1/batches", _body(bad_batch)), expect={422})),
        ("no credentials", 3, dict(post("/api/v1/documents/directive.pdf", _body(directive),
                                        {"Content-Type": "application/json"}), expect={401})),
        ("wrong key", 3, dict(post("/api/v1/documents/directive.pdf", _body(directive),
                                   {"Content-Type": "application/json",
                                    "Authorization": "Bearer thd_000000000000_" + "A" * 43}),
                              expect={401})),
        ("text/plain body", 2, dict(post("/api/v1/documents/directive.pdf", b"xin chao",
                                         {"Content-Type": "text/plain", **bearer}),
                                    expect={415})),
        ("unknown route", 2, dict(get("/api/v1/khong-co-gi"), expect={404})),
        ("wrong method", 2, dict({"method": "DELETE", "path": "/api/v1/documents/directive.pdf",
                                  "data": None, "headers": bearer}, expect={405})),
        ("someone else's batch", 2, dict(get("/api/v1/batches/" + "0" * 32), expect={404})),
    ]


def gunicorn_rss_mb(pid: int) -> float:
    import psutil

    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0.0
    total = 0
    for proc in procs:
        with contextlib.suppress(psutil.Error):
            total += proc.memory_info().rss
    return total / 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--warmup", type=float, default=30.0,
                        help="seconds of the same mix before the memory baseline")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--max-requests", type=int, default=4000)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--mix", choices=("all", "valid", "hostile"), default="all",
                        help="only the valid or only the hostile requests")
    parser.add_argument("--no-recycle", action="store_true",
                        help="turn off gunicorn's max_requests (see whether memory plateaus)")
    args = parser.parse_args(argv or [])

    tmp = tempfile.TemporaryDirectory()
    data = Path(tmp.name)
    port = free_port()
    key = create_key(data, role="clerk")
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("THIDUA_")},
           "THIDUA_DATA_DIR": str(data), "THIDUA_PORT": str(port), "THIDUA_LOG_LEVEL": "WARNING",
           "THIDUA_GUNICORN_WORKERS": str(args.workers), "THIDUA_RATE_LIMIT_PER_MINUTE": "0",
           "THIDUA_AUTH_FAILURES_PER_MINUTE": "0"}  # one address sends every failure
    log = open(data / "gunicorn.log", "wb")  # noqa: SIM115
    extra = ["--max-requests", "0"] if args.no_recycle else []
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", *extra,
                             "service:create_app()"], cwd=ROOT, env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("gunicorn did not start: "
                                       + (data / "gunicorn.log").read_text()[-2000:]) from None
                time.sleep(0.2)

        mix = scenarios(key)
        if args.mix != "all":
            valid = {"directive.pdf", "directive.docx", "certificate.pdf", "decision.docx",
                     "document-types", "healthz"}
            mix = [m for m in mix if (m[0] in valid) == (args.mix == "valid")]
        names = [m[0] for m in mix]
        weights = [m[1] for m in mix]
        requests = {m[0]: m[2] for m in mix}

        def send(name: str) -> tuple[str, int, float]:
            spec = requests[name]
            request = urllib.request.Request(base + spec["path"], data=spec["data"],
                                             method=spec["method"], headers=spec["headers"])
            started = time.perf_counter()
            try:
                with urllib.request.urlopen(request, timeout=120) as response:
                    response.read()
                    status = response.status
            except urllib.error.HTTPError as exc:
                exc.read()
                status = exc.code
            except OSError:
                status = 0  # connection dropped: counted, never expected
            return name, status, time.perf_counter() - started

        # Warm up: every kind of request, then the concurrent mix for --warmup seconds, so each
        # worker thread has touched its caches and the allocator has reached its working size;
        # the memory baseline is taken after that.
        for name in names * args.workers:
            send(name)
        rng = random.Random(20261130)
        warm_end = time.monotonic() + args.warmup

        def warm() -> None:
            while time.monotonic() < warm_end:
                send(rng.choices(names, weights)[0])

        with concurrent.futures.ThreadPoolExecutor(args.clients) as pool:
            for future in [pool.submit(warm) for _ in range(args.clients)]:
                future.result()
        baseline = gunicorn_rss_mb(proc.pid)
        samples = [baseline]
        stop = threading.Event()

        def sampler() -> None:
            while not stop.wait(1.0):
                samples.append(gunicorn_rss_mb(proc.pid))

        threading.Thread(target=sampler, daemon=True).start()
        results: list[tuple[str, int, float]] = []
        lock = threading.Lock()
        budget = [args.max_requests]
        end = time.monotonic() + args.seconds

        def client() -> None:
            while time.monotonic() < end:
                with lock:
                    if budget[0] <= 0:
                        return
                    budget[0] -= 1
                    name = rng.choices(names, weights)[0]
                outcome = send(name)
                with lock:
                    results.append(outcome)

        started = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(args.clients) as pool:
            for future in [pool.submit(client) for _ in range(args.clients)]:
                future.result()
        elapsed = time.perf_counter() - started
        stop.set()
        final = gunicorn_rss_mb(proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()

    statuses = collections.Counter(status for _, status, _ in results)
    total = len(results)
    print(f"gunicorn ({args.workers} workers, gthread) on {base}; {args.clients} clients, "
          f"{total} requests in {elapsed:.1f} s → {total / elapsed:.1f} req/s")
    print("status shares: " + ", ".join(
        f"{status}: {count} ({100 * count / total:.1f} %)"
        for status, count in sorted(statuses.items())))
    by_name: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    latency: dict[str, list[float]] = collections.defaultdict(list)
    for name, status, seconds in results:
        by_name[name][status] += 1
        latency[name].append(seconds)
    unexpected = []
    for name in names:
        if not by_name[name]:
            continue
        lat = sorted(latency[name])
        got = dict(by_name[name])
        wrong = {s: c for s, c in got.items() if s not in requests[name]["expect"]}
        if wrong:
            unexpected.append((name, wrong))
        print(f"  {name:26s} n={sum(got.values()):5d} statuses {got} median "
              f"{lat[len(lat) // 2] * 1000:.0f} ms")
    fives = sum(c for s, c in statuses.items() if s >= 500 or s == 0)
    print(f"5xx or dropped: {fives}")
    print(f"memory of gunicorn (master + workers): after {args.warmup:.0f} s warm-up "
          f"{baseline:.0f} MB, "
          f"peak {max(samples):.0f} MB, at the end {final:.0f} MB "
          f"({final - baseline:+.0f} MB over the run)")
    step = max(1, len(samples) // 12)
    series = " ".join(f"{m:.0f}" for m in samples[::step])
    print(f"memory over time (MB, every ~{step:d} s): {series}")
    if unexpected:
        print(f"UNEXPECTED statuses: {unexpected}")
    tmp.cleanup()
    return 1 if fives or unexpected else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
