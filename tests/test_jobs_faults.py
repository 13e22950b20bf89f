"""Crash tests with real processes: the service (``python -m service serve``) and Celery
workers (``python -m service worker``) are started as subprocesses and killed with SIGKILL in
the middle of a 2.000-certificate job. Whatever dies, the job finishes with exactly 2.000
pages, each recipient once, in order, with its own register number — and the chunks that
were finished before a crash are not rendered again.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psutil
import pytest

from tests.conftest import ROOT
from tests.support.jobs import kill_mid_step, running_step
from tests.support.processes import (
    CeleryWorkerProcess,
    ServiceProcess,
    http_json,
)

pytest_plugins = ["tests.support.services"]

COUNT = 2000
FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng")
MIDDLE = ("Văn", "Thị", "Hữu", "Đức", "Minh", "Thanh", "Quốc", "Ngọc", "Xuân", "Thu")
GIVEN = ("An", "Bình", "Cường", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hiếu", "Hoa", "Hùng",
         "Khánh", "Lan", "Long", "Mai", "Nam", "Phúc", "Quang", "Sơn", "Tâm")


def recipients() -> list[dict]:
    people = []
    for given in GIVEN:
        for middle in MIDDLE:
            for family in FAMILY:
                people.append({"honorific": "ba" if middle == "Thị" else "ong",
                               "recipient_name": f"{family} {middle} {given}",
                               "position": "Chuyên viên", "unit": "Sở Nội vụ tỉnh Quảng Trị"})
    assert len(people) == COUNT
    assert len({p["recipient_name"] for p in people}) == COUNT
    return people


def batch_body() -> dict:
    sample = json.loads((ROOT / "samples" / "certificate_batch.json").read_text("utf-8"))
    return {"document_type": "certificate", "output": "pdf", "common": sample["common"],
            "items": recipients()}


def submit(base: str) -> dict:
    status, _, job = http_json(
        "POST", base + "/api/v1/batches", json.dumps(batch_body(), ensure_ascii=False).encode(),
        {"Content-Type": "application/json", "Idempotency-Key": "fault-test"})
    assert status == 202, job
    return job


def job_status(base: str, job_id: str) -> dict:
    status, _, job = http_json("GET", f"{base}/api/v1/batches/{job_id}")
    assert status == 200, job
    return job


def wait_for(base: str, job_id: str, predicate, timeout: float = 300) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        job = job_status(base, job_id)
        if predicate(job):
            return job
        assert time.monotonic() < deadline, job
        time.sleep(0.1)


def finished(job: dict) -> bool:
    return job["status"] in ("succeeded", "done_with_errors", "failed", "cancelled")


def open_store(data_dir: Path, database_url: str = ""):
    from service.db import database_url as effective
    from service.jobs.store import JobStore

    return JobStore(effective({"DATA_DIR": str(data_dir), "DATABASE_URL": database_url}))


def check_result(base: str, job: dict, tmp_path: Path, count: int = COUNT) -> None:
    """Exactly ``count`` pages (2.000 unless the job had the first ``count`` recipients only);
    page i names recipient i with register number start + i."""
    assert job["status"] == "succeeded", job
    assert (job["total"], job["done"], job["failed"]) == (count, count, 0)
    status, _, content = http_json("GET", base + job["result_url"])
    assert status == 200
    path = tmp_path / "result.pdf"
    path.write_bytes(content)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          check=True, text=True).stdout
    pages = text.split("\f")
    if pages and not pages[-1].strip():
        pages.pop()
    assert len(pages) == count
    names = []
    registers = []
    for page in pages:
        found = re.findall(r"^\s*(?:Ông|Bà) (\S+ \S+ \S+)\s*$", page, re.M)
        assert len(found) == 1, page
        names.append(found[0])
        registers.append(int(re.search(r"Số sổ vàng: (\d+)", page).group(1)))
    assert names == [r["recipient_name"] for r in recipients()[:count]]
    start = batch_body()["common"]["register_start"]
    assert registers == list(range(start, start + count))


def snapshot(store, job_id: str) -> dict[int, tuple]:
    return {s.number: (s.status, s.attempts) for s in store.steps(job_id)}


def assert_done_chunks_not_redone(before: dict[int, tuple], after: dict[int, tuple]) -> None:
    """Chunks finished before the crash keep their single attempt: the job resumed from
    them instead of rendering them again."""
    done_before = [n for n, (status, _) in before.items() if status == "done"]
    assert done_before, "the crash came before any chunk finished"
    for number in done_before:
        assert after[number] == ("done", 1), (number, after[number])
    assert all(status == "done" for status, _ in after.values())


# (the tests poll often; the per-client rate limit is not what they test)
ENV = {"THIDUA_CHUNK_SIZE": "50", "THIDUA_JOB_WORKERS": "2",
       "THIDUA_RATE_LIMIT_PER_MINUTE": "0"}


# ---------------------------------------------------------------------------- embedded


@pytest.mark.slow
def test_embedded_worker_killed_mid_job(tmp_path):
    data = tmp_path / "data"
    service = ServiceProcess(data, ENV).start()
    try:
        job = submit(service.base)
        wait_for(service.base, job["id"], lambda j: j["done"] >= 300 or finished(j))
        store = open_store(data)
        workers = service.pool_workers()
        assert len(workers) == 2
        step, pid = kill_mid_step(store, job["id"], workers)
        job = wait_for(service.base, job["id"], finished)
        check_result(service.base, job, tmp_path)
        after = snapshot(store, job["id"])
        assert after[step.number] == ("done", 2)  # the killed chunk ran once more
        assert sum(attempts for _, attempts in after.values()) == len(after) + 1
        assert pid not in service.pool_workers()
    finally:
        service.stop()


@pytest.mark.slow
def test_whole_embedded_service_killed_and_restarted(tmp_path):
    data = tmp_path / "data"
    service = ServiceProcess(data, ENV).start()
    try:
        job = submit(service.base)
        wait_for(service.base, job["id"], lambda j: j["done"] >= 400 or finished(j))
        pids = service.kill()
        assert len(pids) >= 3  # server, its worker, the pool
        assert not any(psutil.pid_exists(p) and psutil.Process(p).status() != "zombie"
                       for p in pids)
        store = open_store(data)
        before = snapshot(store, job["id"])
        assert store.get(job["id"]).status == "running"
        assert any(status == "running" for status, _ in before.values())
        service = ServiceProcess(data, ENV, port=service.port).start()
        job = wait_for(service.base, job["id"], finished)
        check_result(service.base, job, tmp_path)
        assert_done_chunks_not_redone(before, snapshot(store, job["id"]))
        retry = submit(service.base)  # the same Idempotency-Key after the crash: same job
        assert retry["id"] == job["id"]
    finally:
        service.stop()


def started_at(store, job_id: str) -> dict[int, datetime]:
    """When each step that ever ran was last claimed."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from service.db.jobs import Step

    with Session(store.engine) as session:
        return {s.number: s.started_at for s in session.scalars(
            select(Step).where(Step.job_id == job_id, Step.started_at.is_not(None)))}


def send_half_a_request(service: ServiceProcess, path: str, body: bytes):
    """A request in flight: the headers and half the body sent, the rest still to come."""
    import socket

    conn = socket.create_connection(("127.0.0.1", service.port), timeout=60)
    head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Authorization: Bearer {service.token}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode()
    conn.sendall(head + body[:len(body) // 2])
    return conn


def finish_request(conn, body: bytes) -> tuple[int, bytes]:
    conn.sendall(body[len(body) // 2:])
    raw = b""
    while chunk := conn.recv(1 << 16):
        raw += chunk
    conn.close()
    head, _, content = raw.partition(b"\r\n\r\n")
    return int(head.split(b" ")[1]), content


@pytest.mark.slow
def test_sigterm_finishes_in_flight_work_and_a_restart_completes_the_job(tmp_path):
    """SIGTERM (systemd, docker stop): the request in flight is answered, the chunks being
    rendered finish and are recorded, nothing else starts, every process exits within the
    grace time, no step is left claimed and no attempt is spent; the restarted service
    finishes the job with every certificate exactly once, in order."""
    # Chunks long enough to be seen in a worker's hands (running_step waits 50 ms), and work
    # enough that they are still being rendered when SIGTERM comes, however fast this machine
    # renders: 600 certificates in chunks of 10 took under 3 s on a quiet one, ~30 ms a chunk,
    # and the job was over before a running chunk was seen.
    count = COUNT
    data = tmp_path / "data"
    env = {**ENV, "THIDUA_CHUNK_SIZE": "50"}
    service = ServiceProcess(data, env).start()
    try:
        status, _, job = http_json(
            "POST", service.base + "/api/v1/batches",
            json.dumps({**batch_body(), "items": recipients()[:count]}, ensure_ascii=False)
            .encode(), {"Content-Type": "application/json", "Idempotency-Key": "sigterm"})
        assert status == 202, job
        wait_for(service.base, job["id"], lambda j: j["done"] >= 30 or finished(j))
        store = open_store(data)
        step, _pid = running_step(store, job["id"], service.pool_workers())
        processes = psutil.Process(service.proc.pid).children(recursive=True)
        assert len(service.pool_workers()) == 2
        document = (ROOT / "samples" / "directive.json").read_bytes()
        in_flight = send_half_a_request(service, "/api/v1/documents/directive.pdf", document)
        time.sleep(0.3)  # the server has accepted the connection and read the headers

        started, signalled_at = time.monotonic(), datetime.now(UTC)
        service.proc.terminate()
        time.sleep(2.5)  # while the request waits, no new chunk may start
        status, content = finish_request(in_flight, document)
        assert status == 200
        assert content.startswith(b"%PDF-")
        service.proc.wait(45)
        elapsed = time.monotonic() - started
        assert service.proc.returncode == 0
        assert elapsed < 30, elapsed  # gunicorn's graceful timeout; here a few seconds
        assert not any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE
                       for p in processes)

        steps = store.steps(job["id"])
        assert store.get(job["id"]).status == "running"  # stopped mid-job
        assert not [s for s in steps if s.status == "running" or s.claimed_by]
        assert {(s.status, s.attempts) for s in steps} == {("done", 1), ("pending", 0)}
        assert next(s for s in steps if s.number == step.number).status == "done"
        last_start = max(started_at(store, job["id"]).values())
        assert last_start < signalled_at + timedelta(seconds=1), (last_start, signalled_at)
        directory = data / "jobs" / job["id"]
        assert {p.name for p in directory.glob("chunk-*")} == {
            f"chunk-{s.number:06d}.pdf" for s in steps if s.status == "done"}
        assert not list(directory.glob(".*.tmp"))
        assert not list(directory.glob("result*"))
        before = snapshot(store, job["id"])

        service = ServiceProcess(data, env, port=service.port).start()
        job = wait_for(service.base, job["id"], finished)
        check_result(service.base, job, tmp_path, count)
        after = snapshot(store, job["id"])
        assert_done_chunks_not_redone(before, after)
        assert all(attempts == 1 for _, attempts in after.values())
    finally:
        service.stop()


# ---------------------------------------------------------------------------- Celery


@pytest.fixture
def celery_env(redis_url, queue_name, postgres_url):
    return {**ENV, "THIDUA_BROKER_URL": redis_url, "THIDUA_JOB_QUEUE": queue_name,
            "THIDUA_BROKER_KEY_PREFIX": f"{queue_name}:", "THIDUA_DATABASE_URL": postgres_url,
            "THIDUA_CHUNK_TIME_LIMIT_S": "120", "THIDUA_BROKER_VISIBILITY_TIMEOUT_S": "300"}


@contextlib.contextmanager
def celery_cluster(data: Path, env: dict, workers: int = 2, port: int | None = None):
    service = ServiceProcess(data, env, port=port).start()
    started = [CeleryWorkerProcess(data, env, concurrency=1) for _ in range(workers)]
    try:
        for worker in started:
            worker.start()
        yield service, started
    finally:
        for worker in started:
            worker.stop()
        service.stop()


@pytest.mark.slow
@pytest.mark.redis
@pytest.mark.postgres
def test_celery_worker_killed_mid_job(tmp_path, celery_env):
    data = tmp_path / "data"
    with celery_cluster(data, celery_env) as (service, workers):
        job = submit(service.base)
        wait_for(service.base, job["id"], lambda j: j["done"] >= 300 or finished(j))
        store = open_store(data, celery_env["THIDUA_DATABASE_URL"])
        children = [pid for w in workers for pid in w.children()]
        step, _pid = kill_mid_step(store, job["id"], children)  # a pool process dies mid-chunk
        job = wait_for(service.base, job["id"], finished)
        check_result(service.base, job, tmp_path)
        after = snapshot(store, job["id"])
        assert after[step.number] == ("done", 2)
        assert all(attempts == 1 for n, (_, attempts) in after.items() if n != step.number)


@pytest.mark.slow
@pytest.mark.redis
@pytest.mark.postgres
def test_celery_everything_killed_and_restarted(tmp_path, celery_env):
    """SIGKILL the service and both workers (their pools too), then start them again."""
    data = tmp_path / "data"
    with celery_cluster(data, celery_env) as (service, workers):
        job = submit(service.base)
        wait_for(service.base, job["id"], lambda j: j["done"] >= 400 or finished(j))
        for worker in workers:
            worker.kill()
        service.kill()
        port = service.port
    store = open_store(data, celery_env["THIDUA_DATABASE_URL"])
    before = snapshot(store, job["id"])
    assert store.get(job["id"]).status == "running"
    with celery_cluster(data, celery_env, port=port) as (service, _workers):
        job = wait_for(service.base, job["id"], finished)
        check_result(service.base, job, tmp_path)
        assert_done_chunks_not_redone(before, snapshot(store, job["id"]))


@pytest.mark.slow
@pytest.mark.redis
@pytest.mark.postgres
def test_celery_poison_row_is_isolated_instead_of_looping(tmp_path, celery_env):
    """Late acknowledgement + reject-on-worker-lost redeliver a chunk whose worker died;
    the attempt counter in the database stops a chunk that kills every worker, which is then
    split until the poison item is alone: it fails alone, every other certificate is
    delivered in order."""
    env = {**celery_env, "THIDUA_CHUNK_SIZE": "4", "THIDUA_MAX_CHUNK_ATTEMPTS": "2"}
    data = tmp_path / "data"
    poison = 6  # recipient 7, in chunk 2 (items 5–8)
    with celery_cluster(data, env) as (service, _workers):
        status, _, job = http_json(
            "POST", service.base + "/api/v1/batches",
            json.dumps({**batch_body(), "items": recipients()[:12]}, ensure_ascii=False)
            .encode(), {"Content-Type": "application/json"})
        assert status == 202
        store = open_store(data, env["THIDUA_DATABASE_URL"])
        killed: list[int] = []
        deadline = time.monotonic() + 240
        while not finished(job_status(service.base, job["id"])):
            assert time.monotonic() < deadline
            for step in store.steps(job["id"]):  # whoever renders the poison item dies
                if step.status == "running" and step.kind == "render" and step.claimed_by \
                        and step.start <= poison < step.stop:
                    pid = int(step.claimed_by.split("|")[1])
                    if pid not in killed:
                        killed.append(pid)
                        with contextlib.suppress(ProcessLookupError):
                            os.kill(pid, signal.SIGKILL)
            time.sleep(0.005)
        job = job_status(service.base, job["id"])
        assert job["status"] == "done_with_errors", job
        assert (job["done"], job["failed"], job["errors"]) == (11, 1, [])
        assert [(i["item"], i["code"]) for i in job["failed_items"]] == [(7, "item_failed")]
        spans = {(s.start, s.stop): (s.status, s.attempts) for s in store.steps(job["id"])
                 if s.kind == "render"}  # 2 attempts each: items 5–8, 7–8, then 7 alone
        assert [spans[(4, 8)], spans[(6, 8)], spans[(6, 7)]] == [
            ("split", 2), ("split", 2), ("item_failed", 2)]
        assert len(killed) >= 6
        status, _, content = http_json("GET", service.base + job["result_url"])
        assert status == 200
        path = tmp_path / "result.pdf"
        path.write_bytes(content)
        text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                              check=True, text=True).stdout
        registers = [int(n) for n in re.findall(r"Số sổ vàng: (\d+)", text)]
        assert registers == [1093 + i for i in range(12) if i != poison]  # in order


@pytest.mark.slow
@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.parametrize("how", ["SIGTERM", "SIGQUIT"])
def test_celery_worker_stopped_mid_chunk(tmp_path, celery_env, how):
    """SIGTERM is Celery's warm shutdown: the chunk running finishes and is recorded. SIGQUIT
    (cold) stops the pool process mid-chunk: the step is handed back without using an
    attempt. Either way a new worker finishes the job, no chunk counted twice."""
    count = 600
    env = {**celery_env, "THIDUA_CHUNK_SIZE": "100"}
    data = tmp_path / "data"
    with celery_cluster(data, env, workers=1) as (service, workers):
        status, _, job = http_json(
            "POST", service.base + "/api/v1/batches",
            json.dumps({**batch_body(), "items": recipients()[:count]}, ensure_ascii=False)
            .encode(), {"Content-Type": "application/json"})
        assert status == 202, job
        wait_for(service.base, job["id"], lambda j: j["done"] >= 100 or finished(j))
        store = open_store(data, env["THIDUA_DATABASE_URL"])
        step, _pid = running_step(store, job["id"], workers[0].children())
        worker = workers[0]
        worker.proc.send_signal(getattr(signal, how))
        worker.proc.wait(60)
        assert worker.proc.returncode == 0
        after = {s.number: s for s in store.steps(job["id"])}
        assert not [s for s in after.values() if s.status == "running"]
        assert store.get(job["id"]).status == "running"
        stopped = after[step.number]
        if how == "SIGTERM":
            assert (stopped.status, stopped.attempts) == ("done", 1)
        else:
            assert (stopped.status, stopped.attempts) == ("pending", 0)
            assert not (data / "jobs" / job["id"] / f"chunk-{step.number:06d}.pdf").exists()
        replacement = CeleryWorkerProcess(data, env, concurrency=1).start()
        try:
            job = wait_for(service.base, job["id"], finished)
        finally:
            replacement.stop()
        check_result(service.base, job, tmp_path, count)
        assert all(attempts == 1 for _, attempts in snapshot(store, job["id"]).values())


@pytest.mark.slow
@pytest.mark.redis
@pytest.mark.postgres
def test_celery_soft_time_limit_retries_the_chunk_then_isolates_the_item(tmp_path, celery_env):
    """Over CHUNK_TIME_LIMIT_S a chunk is stopped and counts an attempt, as in embedded mode
    (the soft limit must not be mistaken for a rendering error, which splits at once); after
    its attempts the chunk is split and the item that alone outlasts the limit fails alone."""
    env = {**celery_env, "THIDUA_CHUNK_SIZE": "2", "THIDUA_CHUNK_TIME_LIMIT_S": "3",
           "THIDUA_MAX_CHUNK_ATTEMPTS": "2"}
    data = tmp_path / "data"
    para = "Nội dung chỉ thị rất dài để làm chậm việc dàn trang. " * 110
    huge = {"summary": "Về đợt dài", "preamble": [para] * 20,  # some 20 s to lay out
            "sections": [{"heading": f"Phần {i}", "paragraphs": [para] * 10, "items": []}
                         for i in range(20)]}
    with celery_cluster(data, env, workers=1) as (service, _workers):
        directives = {"document_type": "directive", "output": "pdf",
                      "common": json.loads((ROOT / "samples" / "directive.json").read_text(
                          "utf-8")),
                      "items": [{"summary": "Về đợt ngắn"}, huge]}
        status, _, job = http_json(
            "POST", service.base + "/api/v1/batches",
            json.dumps(directives, ensure_ascii=False).encode(),
            {"Content-Type": "application/json"})
        assert status == 202, job
        job = wait_for(service.base, job["id"], finished, timeout=180)
        assert job["status"] == "done_with_errors", job
        [failed] = job["failed_items"]
        assert (failed["item"], failed["reason"]) == (2, "timeout")
        assert "quá thời gian cho phép" in failed["message"]
        store = open_store(data, env["THIDUA_DATABASE_URL"])
        steps = store.steps(job["id"])
        assert (steps[0].status, steps[0].attempts) == ("split", 2)
        assert [(s.start, s.status) for s in steps if s.number > 2] == [
            (0, "done"), (1, "item_failed")]
