"""SIGKILL in the middle of issuing: processes issue documents in a loop and are killed at
random moments, several times; afterwards the register holds exactly 01…N (no gap, no
duplicate), every number a process reported is there, and every stored file matches its hash.
Files of the killed, uncommitted issues have no row: they are the orphans, and only they.
The same through the service: clerks issue over HTTP while the whole service is killed and
restarted; their retried Idempotency-Keys get exactly one document each."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import threading
import time

import pytest

from service import registry
from service.register import Filters, RegisterStore
from tests.conftest import ROOT
from tests.support.processes import ServiceProcess, http_json
from tests.support.register import (
    draft,
    numbers_by_sequence,
    register_settings,
    stored_files_match,
)

pytest_plugins = ["tests.support.services"]

pytestmark = pytest.mark.slow

ISSUER = """
import sys
from pathlib import Path
from service import registry
from service.register import RegisterStore
from tests.support.register import draft, register_settings

store = RegisterStore(register_settings(Path(sys.argv[1]), sys.argv[2]))
doc_type = registry.require("directive")
while True:
    doc = store.issue(doc_type, draft(), "key:loop")
    print(doc.number, flush=True)
"""

ROUNDS = 5
PROCESSES = 2


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request):
    return "" if request.param == "sqlite" else request.getfixturevalue("postgres_url")


def _start(data_dir, url) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", ISSUER, str(data_dir), url], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _round(data_dir, url, rng: random.Random) -> list[int]:
    """Start the issuers, kill each at a random moment; the numbers they reported."""
    procs = [_start(data_dir, url) for _ in range(PROCESSES)]
    reported: list[int] = []
    try:
        for proc in procs:
            time.sleep(rng.uniform(1.5, 4.0))  # start-up ~1 s, then an issue every ~0.3 s
            proc.send_signal(signal.SIGKILL)
    finally:
        for proc in procs:
            proc.kill()
            out, err = proc.communicate(timeout=60)
            assert proc.returncode == -signal.SIGKILL, err[-2000:]
            reported.extend(int(line) for line in out.split())
    return reported


def test_sigkill_while_issuing_leaves_no_gap_no_duplicate(tmp_path, database_url):
    data_dir = tmp_path / "data"
    store = RegisterStore(register_settings(data_dir, database_url))
    rng = random.Random(14)
    reported: list[int] = []
    for _ in range(ROUNDS):
        reported.extend(_round(data_dir, database_url, rng))
    numbers = numbers_by_sequence(store)[("BKHCN", 2026)]
    assert numbers == list(range(1, len(numbers) + 1))  # exact: no gap, no duplicate
    assert len(numbers) >= ROUNDS  # the loop really issued between the kills
    assert sorted(reported) == sorted(set(reported))
    assert set(reported) <= set(numbers)  # what a process saw committed stayed committed
    stored_files_match(store)
    orphans = store.orphans()
    recorded = {name for doc, _ in store.entries(Filters()) for name in doc.files.values()}
    assert set(store.files.stored()) == recorded | set(orphans)
    print(f"{len(numbers)} issued, {len(orphans)} orphan files of killed issues")  # noqa: T201
    store.remove_orphans()
    assert set(store.files.stored()) == recorded
    after = store.issue(registry.require("directive"), draft(), "key:after")
    assert after.number == len(numbers) + 1



class Clerks:
    """Threads that issue through the HTTP API in a loop, each request with its own
    Idempotency-Key, retried with the same key until it is answered (as a client should
    when the service died under it)."""

    def __init__(self, count: int) -> None:
        self.base = ""
        self.stop = threading.Event()
        self.numbers: dict[str, int] = {}
        self.refused: list = []
        self.threads = [threading.Thread(target=self._loop, args=(n,)) for n in range(count)]

    def start(self, base: str) -> Clerks:
        self.base = base
        for thread in self.threads:
            thread.start()
        return self

    def _answer(self, key: str) -> None:
        body = json.dumps({"document_type": "directive", "payload": draft()}).encode()
        while not self.stop.is_set():
            try:
                status, _headers, answer = http_json(
                    "POST", f"{self.base}/api/v1/issued", body,
                    {"Content-Type": "application/json", "Idempotency-Key": key}, timeout=60)
            except OSError:  # the service is down: the same key again, later
                time.sleep(0.2)
                continue
            if status == 201:
                self.numbers[key] = answer["number"]
                return
            if status < 500:
                self.refused.append((status, answer))
                return
            time.sleep(0.2)

    def _loop(self, n: int) -> None:
        attempt = 0
        while not self.stop.is_set():
            self._answer(f"clerk-{n}-{attempt}")
            attempt += 1

    def finish(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(120)


def test_sigkill_of_the_service_while_clerks_issue(tmp_path, database_url):
    data_dir = tmp_path / "data"
    env = {"THIDUA_DATABASE_URL": database_url} if database_url else {}
    service = ServiceProcess(data_dir, env).start()
    clerks = Clerks(3).start(service.base)
    rng = random.Random(30)
    try:
        for _ in range(3):
            time.sleep(rng.uniform(2.0, 5.0))
            service.kill()
            service = ServiceProcess(data_dir, env, port=service.port).start()
        time.sleep(3.0)
    finally:
        clerks.finish()
        service.stop()
    assert clerks.refused == []
    store = RegisterStore(register_settings(data_dir, database_url))
    numbers = numbers_by_sequence(store)[("BKHCN", 2026)]
    assert len(numbers) >= 4  # documents were issued between the kills
    assert numbers == list(range(1, len(numbers) + 1))
    # every committed document was answered to exactly one key, retries included
    assert sorted(clerks.numbers.values()) == numbers
    stored_files_match(store)
