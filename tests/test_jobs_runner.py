"""The embedded runner with real worker processes: poison chunks, time limits, write errors,
idempotent chunks, the cleanup command."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from service import config, registry
from service.bulk import prepare
from tests.conftest import ROOT, load_sample
from tests.support.jobs import kill_mid_step

pytest_plugins = ["tests.support.services"]


def settings(tmp_path: Path, **overrides) -> dict:
    return config.load({"DATA_DIR": str(tmp_path / "data"), "LOG_LEVEL": "WARNING",
                        "CHUNK_SIZE": 2, "JOB_WORKERS": 2, **overrides}, environ={})


def directive_items(n: int):
    doc_type = registry.get("directive")
    items = [{"summary": f"Về phong trào thi đua đợt {i:03d}"} for i in range(n)]
    return doc_type, prepare(doc_type, load_sample("directive"), items)


def wait_finished(store, job_id: str, timeout: float = 180):
    deadline = time.monotonic() + timeout
    while True:
        job = store.get(job_id)
        if job.finished:
            return job
        assert time.monotonic() < deadline, job
        time.sleep(0.05)


@pytest.fixture
def make_service():
    from service.jobs.runner import JobService

    made = []

    def make(conf):
        service = JobService(conf)
        made.append(service)
        return service

    yield make
    for service in made:
        service.close()


def test_a_poison_row_is_isolated_and_every_other_item_delivered(tmp_path, make_service):
    """Whichever worker renders item 6 (spreadsheet row 7) dies at once, every time. Its
    chunk is split until the item is alone; the job finishes with errors, the result holds
    the 11 other items in order, and the status names the row."""
    service = make_service(settings(tmp_path, CHUNK_SIZE=4, MAX_CHUNK_ATTEMPTS=2))
    doc_type = registry.get("directive")
    items = prepare(doc_type, load_sample("directive"),
                    [{"summary": f"Về phong trào thi đua đợt {i:03d}"} for i in range(12)],
                    rows=[i + 2 for i in range(12)])
    job_id = service.submit(doc_type, "pdf", items).job.id
    poison = 5
    killed: list[int] = []
    stop = threading.Event()

    def kill_poison() -> None:
        while not stop.is_set():
            for step in service.store.steps(job_id):
                if step.status == "running" and step.kind == "render" and step.claimed_by \
                        and step.start <= poison < step.stop:
                    pid = int(step.claimed_by.split("|")[1])
                    if pid not in killed:
                        killed.append(pid)
                        os.kill(pid, signal.SIGKILL)
            time.sleep(0.005)

    killer = threading.Thread(target=kill_poison)
    killer.start()
    try:
        job = wait_finished(service.store, job_id)
    finally:
        stop.set()
        killer.join()
    assert job.status == "done_with_errors", job
    assert (job.done, job.failed, job.error_code) == (11, 1, None)
    [failed] = job.failed_items
    assert (failed["item"], failed["row"], failed["code"]) == (6, 7, "item_failed")
    assert failed["message"].startswith("Dòng 7 (mục 6) không in được")
    assert "dừng đột ngột" in failed["message"]
    steps = service.store.steps(job_id)
    by_span = {(s.start, s.stop): s for s in steps if s.kind == "render"}
    assert by_span[(4, 8)].status == "split"
    assert by_span[(4, 8)].attempts == 2
    assert by_span[(5, 6)].status == "item_failed"
    assert by_span[(5, 6)].attempts == 2
    assert {s.status for s in steps} <= {"done", "split", "item_failed"}
    from tests.support.documents import pdf_pages_text

    text = "\n".join(pdf_pages_text(service.files.result_path(job_id, "pdf").read_bytes()))
    order = [text.find(f"đợt {i:03d}") for i in range(12) if i != poison]
    assert -1 not in order
    assert order == sorted(order)
    assert f"đợt {poison:03d}" not in text


@pytest.mark.slow
def test_an_item_over_the_time_limit_is_stopped_and_isolated_after_its_attempts(
        tmp_path, make_service):
    """A chunk past CHUNK_TIME_LIMIT_S has its worker stopped; each time counts an attempt.
    After its attempts it is split; the item that alone outlasts the limit (a document of
    hundreds of pages) fails alone and the other is delivered."""
    service = make_service(settings(tmp_path, CHUNK_SIZE=2, JOB_WORKERS=1,
                                    CHUNK_TIME_LIMIT_S=3, MAX_CHUNK_ATTEMPTS=2))
    doc_type = registry.get("directive")
    para = "Nội dung chỉ thị rất dài để làm chậm việc dàn trang. " * 110
    huge = {"summary": "Về đợt dài", "preamble": [para] * 20,  # some 20 s to lay out
            "sections": [{"heading": f"Phần {i}", "paragraphs": [para] * 10, "items": []}
                         for i in range(20)]}
    items = prepare(doc_type, load_sample("directive"), [{"summary": "Về đợt ngắn"}, huge])
    job_id = service.submit(doc_type, "pdf", items).job.id
    job = wait_finished(service.store, job_id)
    assert job.status == "done_with_errors", job
    assert (job.done, job.failed) == (1, 1), job
    [failed] = job.failed_items
    assert failed["item"] == 2
    assert failed["row"] is None
    assert "quá thời gian cho phép" in failed["message"]
    steps = service.store.steps(job_id)
    assert (steps[0].status, steps[0].attempts) == ("split", 2)
    assert [(s.start, s.status, s.attempts) for s in steps if s.number > 2] == [
        (0, "done", 1), (1, "item_failed", 2)]


def test_a_worker_killed_mid_chunk_costs_only_that_chunk(tmp_path, make_service):
    service = make_service(settings(tmp_path, CHUNK_SIZE=5))
    doc_type, items = directive_items(30)
    job_id = service.submit(doc_type, "pdf", items).job.id
    victim, _pid = kill_mid_step(service.store, job_id, accept=lambda step: step.number > 1)
    job = wait_finished(service.store, job_id)
    assert job.status == "succeeded", job
    assert job.done == 30, job
    attempts = {s.number: s.attempts for s in service.store.steps(job_id)}
    assert attempts[victim.number] == 2
    assert sorted(attempts.values()).count(1) == len(attempts) - 1
    from tests.support.documents import pdf_pages_text

    pages = pdf_pages_text(service.files.result_path(job_id, "pdf").read_bytes())
    assert len(pages) == 60


# ---------------------------------------------------------------------------- stopping


def running_steps(store, job_id: str, timeout: float = 60) -> list:
    deadline = time.monotonic() + timeout
    while True:
        running = [s for s in store.steps(job_id) if s.status == "running" and s.claimed_by]
        if running:
            return running
        assert time.monotonic() < deadline, "no chunk started"
        time.sleep(0.005)


def step_errors(store, job_id: str) -> dict[int, str | None]:
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from service.db.jobs import Step

    with Session(store.engine) as session:
        return {s.number: s.error_code for s in session.scalars(
            select(Step).where(Step.job_id == job_id))}


def gone(pids: list[int]) -> bool:
    import psutil

    return not any(psutil.pid_exists(p) and psutil.Process(p).status() != "zombie"
                   for p in pids)


def test_stopping_lets_running_chunks_finish_and_dispatches_nothing_more(
        tmp_path, make_service):
    conf = settings(tmp_path, CHUNK_SIZE=5)
    service = make_service(conf)
    doc_type, items = directive_items(40)  # 8 chunks
    job_id = service.submit(doc_type, "pdf", items).job.id
    running = running_steps(service.store, job_id)
    workers = service.supervisor.worker_pids()
    service.supervisor.drain(60)
    started = time.monotonic()
    service.supervisor.stop()  # waits: keeps the drain's deadline
    assert time.monotonic() - started < 30
    assert gone(workers)
    assert service.supervisor.worker_pids() == []
    steps = {s.number: s for s in service.store.steps(job_id)}
    for step in running:  # finished within the grace and recorded
        assert (steps[step.number].status, steps[step.number].attempts) == ("done", 1)
    assert all((s.status, s.attempts) in (("done", 1), ("pending", 0)) for s in steps.values())
    assert steps[9].status == "pending"  # the merge did not run: the job is not finished
    directory = service.files.job_dir(job_id)
    assert {p.name for p in directory.glob("chunk-*")} == {
        f"chunk-{n:06d}.pdf" for n, s in steps.items() if s.status == "done"}
    assert not list(directory.glob(".*.tmp"))
    # a stopping service starts no new work, but still stores what it is given
    later = service.submit(doc_type, "pdf", items[:2]).job.id
    assert not service.supervisor.running
    assert service.store.get(later).status == "queued"
    # the next start finishes both jobs; nothing was rendered twice
    service.close()
    restarted = make_service(conf)
    for job in (job_id, later):
        assert wait_finished(restarted.store, job).status == "succeeded"
    assert all(s.attempts == 1 for s in restarted.store.steps(job_id))


def test_stopping_hands_back_a_chunk_that_outlasts_the_grace(tmp_path, make_service):
    conf = settings(tmp_path, CHUNK_SIZE=60, JOB_WORKERS=1, MAX_CHUNK_ATTEMPTS=1)
    service = make_service(conf)
    doc_type, items = directive_items(60)  # one chunk that takes seconds
    job_id = service.submit(doc_type, "pdf", items).job.id
    running_steps(service.store, job_id)
    workers = service.supervisor.worker_pids()
    started = time.monotonic()
    service.supervisor.stop(grace_s=0.5)
    assert time.monotonic() - started < 10
    assert gone(workers)
    after = service.store.steps(job_id)[0]
    # handed back without using its only attempt
    assert (after.status, after.attempts, after.claimed_by) == ("pending", 0, None)
    assert step_errors(service.store, job_id)[1] == "shutdown"
    assert service.store.get(job_id).status == "running"
    assert not service.files.chunk_path(job_id, 1, "pdf").exists()  # nothing half-written
    restarted = make_service(conf)
    job = wait_finished(restarted.store, job_id)
    assert job.status == "succeeded", job
    assert job.done == 60, job
    assert [s.attempts for s in restarted.store.steps(job_id)] == [1, 1]


def test_a_worker_sent_sigterm_finishes_its_chunk_then_exits(tmp_path, make_service):
    """systemd signals every process of a service: a worker's chunk is not cut short."""
    service = make_service(settings(tmp_path, CHUNK_SIZE=5))
    doc_type, items = directive_items(30)
    job_id = service.submit(doc_type, "pdf", items).job.id
    victim = running_steps(service.store, job_id)[0]
    pid = int(victim.claimed_by.split("|")[1])
    os.kill(pid, signal.SIGTERM)
    job = wait_finished(service.store, job_id)
    assert job.status == "succeeded", job
    assert job.done == 30, job
    assert all(s.attempts == 1 for s in service.store.steps(job_id))
    assert gone([pid])
    assert pid not in service.supervisor.worker_pids()


def test_a_chunk_run_again_is_recorded_once_and_yields_the_same_file(tmp_path):
    from service.bulk import render_chunk, write_atomic
    from service.jobs.execute import context_for, run_step
    from service.jobs.runner import JobService
    from service.jobs.store import claimer_id
    from service.rendering import get_renderer

    conf = settings(tmp_path)
    service = JobService(conf, start_supervisor=False)
    doc_type, items = directive_items(6)
    job_id = service.submit(doc_type, "pdf", items, start=False).job.id
    ctx = context_for(conf)
    me = claimer_id()
    # chunk 1, the normal way
    step = ctx.store.claim(job_id, 1, me, lease_s=60, max_attempts=3).step
    assert run_step(ctx, step) == "done"
    first = ctx.files.chunk_path(job_id, 1, "pdf")
    # chunk 2: a worker wrote its file, then died before recording it
    step = ctx.store.claim(job_id, 2, "elsewhere|1|1.00", lease_s=60, max_attempts=3).step
    path = ctx.files.chunk_path(job_id, 2, "pdf")
    write_atomic(path, render_chunk(get_renderer(conf["TEMPLATES_DIR"]), doc_type,
                                    items[2:4], "pdf"))
    written = (path.read_bytes(), path.stat().st_mtime_ns)
    ctx.store.renew([(job_id, 2)], "elsewhere|1|1.00", lease_s=-1)
    assert ctx.store.reclaim_stale(max_attempts=3) == [(job_id, 2, "pending")]
    step = ctx.store.claim(job_id, 2, me, lease_s=60, max_attempts=3).step
    assert step.attempts == 2
    assert run_step(ctx, step) == "done"
    assert (path.read_bytes(), path.stat().st_mtime_ns) == written  # found, not redone
    # the same chunk rendered again from scratch gives the same bytes
    assert render_chunk(get_renderer(conf["TEMPLATES_DIR"]), doc_type, items[2:4],
                        "pdf") == written[0]
    # a duplicate delivery of a finished chunk changes nothing
    assert ctx.store.claim(job_id, 1, me, lease_s=60, max_attempts=3).outcome == "done"
    assert ctx.store.finish_render(job_id, 1).counted is False
    job = ctx.store.get(job_id)
    assert (job.done, job.chunks_done) == (4, 2)
    assert first.exists()


def _fill_tmpfs(path: Path, size_kb: int) -> bool:
    path.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs",
                             str(path)], capture_output=True)
    return result.returncode == 0


def _assert_failed_cleanly(service, job_id: str, code: str) -> None:
    job = service.store.get(job_id)
    assert job.status == "failed", job
    assert job.error_code == code
    assert "không có tệp kết quả dở dang" in job.error_message
    directory = service.files.job_dir(job_id)
    assert not list(directory.glob("chunk-*"))
    assert not list(directory.glob("result*"))
    assert not list(directory.glob(".*.tmp"))  # no partial file left behind
    assert all(s.status != "done" for s in service.store.steps(job_id))


def test_disk_full_fails_the_job_with_a_clear_reason(tmp_path, make_service, monkeypatch):
    from service.jobs import files

    data = tmp_path / "full"
    if not _fill_tmpfs(data, 256):
        pytest.skip("mounting a small tmpfs needs root; the write-limit test covers this")
    # the disk fills while the job runs: its admission (the free-space estimate) passed
    monkeypatch.setattr(files, "ESTIMATED_ITEM_BYTES", 0)
    try:
        conf = settings(tmp_path, DATA_DIR=str(data), DISK_RESERVE_BYTES=0,
                        DATABASE_URL=f"sqlite:///{tmp_path}/jobs.sqlite3")
        service = make_service(conf)
        doc_type, items = directive_items(6)
        job_id = service.submit(doc_type, "pdf", items, start=False).job.id
        free = os.statvfs(data)
        filler_bytes = free.f_bavail * free.f_frsize - 16 * 1024  # leave 16 KB
        (data / "filler").write_bytes(b"\0" * filler_bytes)
        service.supervisor.start()
        service.supervisor.wake()
        wait_finished(service.store, job_id)
        _assert_failed_cleanly(service, job_id, "storage_full")
        assert "Hết dung lượng" in service.store.get(job_id).error_message
    finally:
        subprocess.run(["umount", "-l", str(data)], capture_output=True)


WRITE_LIMIT_SCRIPT = r"""
import json, resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)   # a write past the limit fails with EFBIG
resource.setrlimit(resource.RLIMIT_FSIZE, (500_000, 500_000))  # workers inherit it
from service import config, registry
from service.bulk import prepare
from service.jobs.runner import JobService
conf = config.load(json.loads(sys.argv[1]), environ={})
doc_type = registry.get("directive")
common = json.load(open("samples/directive.json", encoding="utf-8"))
items = prepare(doc_type, common, [{"summary": f"Về đợt {i}"} for i in range(20)])
service = JobService(conf)
job_id = service.submit(doc_type, "zip-docx", items).job.id  # one chunk of about 800 KB
import time
while not service.store.get(job_id).finished:
    time.sleep(0.05)
service.close()
print(job_id)
"""


@pytest.mark.postgres
def test_a_write_error_fails_the_job_and_records_nothing(tmp_path, postgres_url):
    """Files over a size limit cannot be written (RLIMIT_FSIZE, inherited by the workers):
    the job fails; nothing truncated is kept or counted. The database is PostgreSQL so that
    the limit hits only the job files."""
    from service.jobs.runner import JobService

    conf = {"DATA_DIR": str(tmp_path / "data"), "DATABASE_URL": postgres_url,
            "CHUNK_SIZE": 20, "JOB_WORKERS": 1, "LOG_LEVEL": "WARNING"}
    result = subprocess.run([sys.executable, "-c", WRITE_LIMIT_SCRIPT, json.dumps(conf)],
                            cwd=ROOT, capture_output=True, text=True, timeout=300,
                            env={k: v for k, v in os.environ.items()
                                 if not k.startswith("THIDUA_")})
    assert result.returncode == 0, result.stderr[-3000:]
    job_id = result.stdout.strip().splitlines()[-1]
    service = JobService(config.load(conf, environ={}), start_supervisor=False)
    _assert_failed_cleanly(service, job_id, "storage_full")


def test_cleanup_command(tmp_path):
    from click.testing import CliRunner

    from service.cli import main
    from service.jobs.runner import JobService

    conf = settings(tmp_path)
    service = JobService(conf, start_supervisor=False)
    doc_type, items = directive_items(2)
    job_id = service.submit(doc_type, "pdf", items, start=False).job.id
    service.store.cancel(job_id)
    orphan = service.files.root / ("e" * 32)
    orphan.mkdir(parents=True)
    (orphan / "input-000001.json").write_text("{}")
    old = time.time() - 3 * 3600
    os.utime(orphan, (old, old))
    env = {"THIDUA_DATA_DIR": conf["DATA_DIR"]}
    runner = CliRunner()
    dry = runner.invoke(main, ["cleanup", "--dry-run", "--older-than-hours", "0"], env=env)
    assert dry.exit_code == 0, dry.output
    assert job_id in dry.output
    assert service.files.job_dir(job_id).exists()
    kept = runner.invoke(main, ["cleanup"], env=env)  # default 72 h: nothing is old enough
    assert kept.exit_code == 0
    assert "0 lô" in kept.output
    assert service.files.job_dir(
        job_id).exists()
    orphans = runner.invoke(main, ["cleanup", "--older-than-hours", "2"], env=env)
    assert "0 lô, 1 thư mục mồ côi" in orphans.output
    assert not orphan.exists()
    assert service.files.job_dir(job_id).exists()
    done = runner.invoke(main, ["cleanup", "--older-than-hours", "0"], env=env)
    assert done.exit_code == 0, done.output
    assert "1 lô, 0 thư mục mồ côi" in done.output
    assert not service.files.job_dir(job_id).exists()
    assert service.store.get(job_id).files_removed_at is not None
    again = runner.invoke(main, ["cleanup", "--older-than-hours", "0"], env=env)
    assert "0 lô, 0 thư mục mồ côi" in again.output


class _FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


class _FakeProcess:
    """A worker process that never runs: records what the supervisor does to it."""

    def __init__(self, pid: int) -> None:
        self.pid, self.exitcode, self.killed, self.alive = pid, None, False, True
        self.sentinel = None

    def is_alive(self) -> bool:
        return self.alive

    def join(self, timeout: float | None = None) -> None:
        pass

    def kill(self) -> None:
        self.killed, self.alive = True, False


class _FakeConn:
    def __init__(self) -> None:
        self.sent: list = []

    def send(self, message) -> None:
        self.sent.append(message)

    def close(self) -> None:
        pass


def test_an_idle_worker_is_stopped_only_once_it_is_up_and_idle_for_the_idle_time(
        tmp_path, monkeypatch):
    """Workers still starting are never stopped for idleness; a ready one only after the idle
    time has passed since it became ready (or last finished a step), on a fake clock."""
    from service.jobs import pool, runner
    from service.jobs import supervisor as supervisor_loop

    clock = _FakeClock()
    for module in (pool, supervisor_loop):  # the modules the supervisor's code lives in
        monkeypatch.setattr(module, "time", clock)
    service = runner.JobService(settings(tmp_path), start_supervisor=False)
    try:
        supervisor = service.supervisor
        starting, up = supervisor.slots
        for slot, pid in ((starting, 999_991), (up, 999_992)):
            slot.process, slot.conn, slot.claimer = _FakeProcess(pid), _FakeConn(), f"h|{pid}|0"
        clock.sleep(runner.IDLE_STOP_WORKERS_S - 10)  # no dispatch for a long time…
        supervisor._handle(up, "ready", None, None, None)  # …then this one comes up
        clock.sleep(20)  # past the idle time since the last dispatch, not since it is up
        supervisor._maintenance()
        assert starting.process is not None
        assert not starting.process.killed
        assert starting.conn.sent == []
        assert up.process is not None
        assert up.conn.sent == []
        clock.sleep(runner.IDLE_STOP_WORKERS_S)  # ten idle minutes since it came up
        supervisor._maintenance()
        assert up.process is None  # told to exit
        assert starting.process is not None
        assert not starting.process.killed
    finally:
        service.close()
