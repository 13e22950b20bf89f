"""SIGKILL in the middle of issuing: processes issue documents in a loop and are killed at
random moments, several times; afterwards the register holds exactly 01…N (no gap, no
duplicate), every number a process reported is there, and every stored file matches its hash.
Files of the killed, uncommitted issues have no row: they are the orphans, and only they."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time

import pytest

from service import registry
from service.register import Filters, RegisterStore
from tests.conftest import ROOT
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

