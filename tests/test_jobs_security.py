"""Who sees which batch, idempotency keys per owner, and back-pressure (QUEUE_MAX_ITEMS).

A batch belongs to the API key or user that created it. To anyone else (but an admin) it
does not exist: every route answers byte for byte as for an id that was never used.
"""

from __future__ import annotations

import json
import time

import pytest

from tests.conftest import load_sample
from tests.support.auth import authorize, store_of

PROBLEM = "application/problem+json"


def directives(n: int, tag: str = "") -> dict:
    return {"document_type": "directive", "output": "pdf", "common": load_sample("directive"),
            "items": [{"summary": f"Về phong trào thi đua đợt {i:03d}{tag}"}
                      for i in range(n)]}


def post(client, body, headers=None):
    return client.post("/api/v1/batches", data=json.dumps(body, ensure_ascii=False).encode(),
                       content_type="application/json", headers=headers or {})


def jobs_of(app):
    return app.extensions["thidua_jobs"]


def principal_client(app, role: str = "clerk", name: str = "tests"):
    """(client, owner string) for a new API key of ``role``."""
    key, token = store_of(app).create_key(name, role, "tests")
    return authorize(app.test_client(), token), key.principal().owner


def wait_finished(client, job_id: str, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        job = client.get(f"/api/v1/batches/{job_id}").get_json()
        if job["status"] in ("succeeded", "done_with_errors", "failed", "cancelled"):
            return job
        assert time.monotonic() < deadline, job
        time.sleep(0.1)


def exchange(response) -> tuple:
    """What a client can observe of a response, less what differs on every request."""
    body = response.get_data()
    headers = sorted((k, v) for k, v in response.headers.items()
                     if k not in ("X-Request-ID", "Date"))
    if response.mimetype == PROBLEM:
        parsed = json.loads(body)
        parsed.pop("request_id")
        body = parsed
    response.close()
    return response.status_code, headers, body


@pytest.fixture
def jobs_app(tmp_path):
    from service import create_app

    app = create_app({"DATA_DIR": str(tmp_path / "data"), "TESTING": True, "CHUNK_SIZE": 2,
                      "JOB_WORKERS": 2, "RATE_LIMIT_PER_MINUTE": 0})
    yield app
    jobs_of(app).close()


# ---------------------------------------------------------------------------- visibility


def test_another_clerks_batch_is_indistinguishable_from_an_unknown_id(jobs_app):
    from service import registry
    from service.bulk import prepare

    a, a_owner = principal_client(jobs_app, "clerk", "a")
    b, _ = principal_client(jobs_app, "clerk", "b")
    admin, _ = principal_client(jobs_app, "admin", "admin")

    # A's queued job (the supervisor has not started: it stays queued)
    doc_type = registry.get("directive")
    items = prepare(doc_type, load_sample("directive"), directives(4)["items"])
    queued = jobs_of(jobs_app).submit(doc_type, "pdf", items, owner=a_owner, start=False).job
    assert not jobs_of(jobs_app).supervisor.running
    refused = b.post(f"/api/v1/batches/{queued.id}/cancel")
    assert refused.status_code == 404
    assert refused.get_json()["code"] == "batch_not_found"
    assert a.get(f"/api/v1/batches/{queued.id}").get_json()["status"] == "queued"
    assert admin.post(f"/api/v1/batches/{queued.id}/cancel").get_json()["status"] == \
        "cancelled"

    # A's finished job, created through the API
    response = post(a, directives(3))
    assert response.status_code == 202
    job = wait_finished(a, response.get_json()["id"])
    assert job["status"] == "succeeded"
    job_id = job["id"]
    routes = [("GET", f"/api/v1/batches/{job_id}"), ("GET", f"/api/v1/batches/{job_id}/result"),
              ("POST", f"/api/v1/batches/{job_id}/cancel")]

    seen_by_b = [exchange(b.open(path, method=method)) for method, path in routes]
    for status, _headers, body in seen_by_b:
        assert status == 404
        assert body["code"] == "batch_not_found"
    assert [j["id"] for j in b.get("/api/v1/batches").get_json()] == []

    # the owner and an admin see it, unchanged by B's attempts
    for client in (a, admin):
        assert client.get(f"/api/v1/batches/{job_id}").get_json()["status"] == "succeeded"
        result = client.get(f"/api/v1/batches/{job_id}/result")
        assert result.status_code == 200
        assert result.mimetype == "application/pdf"
        result.close()
    assert {j["id"] for j in a.get("/api/v1/batches").get_json()} == {job_id, queued.id}
    assert {j["id"] for j in admin.get("/api/v1/batches").get_json()} == {job_id, queued.id}

    # the very same answers once the id really is unknown
    jobs_of(jobs_app).store.purge(job_id)
    assert [exchange(b.open(path, method=method)) for method, path in routes] == seen_by_b


def test_each_clerk_lists_only_their_own_batches_and_an_admin_lists_all(jobs_app):
    from service import registry
    from service.bulk import prepare

    doc_type = registry.get("directive")
    items = prepare(doc_type, load_sample("directive"), directives(1)["items"])
    clients = {}
    ids = {}
    for name in ("a", "b", "c"):
        clients[name], owner = principal_client(jobs_app, "clerk", name)
        ids[name] = jobs_of(jobs_app).submit(doc_type, "pdf", items, owner=owner,
                                            start=False).job.id
    for name, client in clients.items():
        assert [j["id"] for j in client.get("/api/v1/batches").get_json()] == [ids[name]]
    admin, _ = principal_client(jobs_app, "admin")
    assert {j["id"] for j in admin.get("/api/v1/batches").get_json()} == set(ids.values())


def test_a_signed_in_user_and_an_api_key_are_different_owners(jobs_app):
    from service import registry
    from service.bulk import prepare
    from tests.support.auth import user_client

    user = user_client(jobs_app, "clerk", "nguyen.van.an")
    key, _ = principal_client(jobs_app, "clerk")
    doc_type = registry.get("directive")
    items = prepare(doc_type, load_sample("directive"), directives(1)["items"])
    job_id = jobs_of(jobs_app).submit(doc_type, "pdf", items, owner="user:nguyen.van.an",
                                      start=False).job.id
    assert user.get(f"/api/v1/batches/{job_id}").status_code == 200
    assert key.get(f"/api/v1/batches/{job_id}").status_code == 404
    assert [j["id"] for j in user.get("/api/v1/batches").get_json()] == [job_id]


def test_one_idempotency_key_used_by_two_clerks_makes_two_jobs(jobs_app):
    a, _ = principal_client(jobs_app, "clerk", "a")
    b, _ = principal_client(jobs_app, "clerk", "b")
    c, _ = principal_client(jobs_app, "clerk", "c")
    body = directives(2)
    first_a = post(a, body, {"Idempotency-Key": "lo-thang-12"})
    first_b = post(b, body, {"Idempotency-Key": "lo-thang-12"})
    assert first_a.status_code == first_b.status_code == 202
    assert "Idempotent-Replayed" not in first_b.headers
    job_a, job_b = first_a.get_json()["id"], first_b.get_json()["id"]
    assert job_a != job_b
    again_a = post(a, body, {"Idempotency-Key": "lo-thang-12"})
    again_b = post(b, body, {"Idempotency-Key": "lo-thang-12"})
    assert again_a.get_json()["id"] == job_a
    assert again_b.get_json()["id"] == job_b
    assert again_a.headers["Idempotent-Replayed"] == again_b.headers["Idempotent-Replayed"] \
        == "true"
    # C's different body under the same key is C's own new job, not a 422 naming A's job
    third = post(c, directives(3), {"Idempotency-Key": "lo-thang-12"})
    assert third.status_code == 202
    assert third.get_json()["id"] not in (job_a, job_b)
    for client, job_id in ((a, job_a), (b, job_b)):
        assert wait_finished(client, job_id)["status"] == "succeeded"


# ---------------------------------------------------------------------------- back-pressure


@pytest.fixture
def small_queue_app(tmp_path, monkeypatch):
    """QUEUE_MAX_ITEMS = 10 and no supervisor: what is queued stays queued."""
    from service import create_app

    app = create_app({"DATA_DIR": str(tmp_path / "data"), "TESTING": True, "CHUNK_SIZE": 2,
                      "QUEUE_MAX_ITEMS": 10, "MAX_BATCH_ITEMS": 10,
                      "RATE_LIMIT_PER_MINUTE": 0})
    monkeypatch.setattr(jobs_of(app).supervisor, "start", lambda: None)
    yield app
    jobs_of(app).close()


def test_a_full_queue_refuses_new_batches_with_503_and_retry_after(small_queue_app):
    app = small_queue_app
    a, _ = principal_client(app, "clerk", "a")
    b, _ = principal_client(app, "clerk", "b")
    admin, _ = principal_client(app, "admin")
    first = post(a, directives(6), {"Idempotency-Key": "k-6"})
    assert first.status_code == 202
    jobs_dir = jobs_of(app).files.root
    assert len(list(jobs_dir.iterdir())) == 1

    full = post(b, directives(5))
    assert full.status_code == 503
    assert full.mimetype == PROBLEM
    body = full.get_json()
    assert body["code"] == "queue_full"
    assert body["status"] == 503
    assert body["title"]
    assert "6" in body["detail"]
    assert "10" in body["detail"]
    assert full.headers["Retry-After"] == "30"  # nothing rendered lately: the default guess
    assert len(list(jobs_dir.iterdir())) == 1  # nothing created, not even files
    assert len(admin.get("/api/v1/batches").get_json()) == 1

    replay = post(a, directives(6), {"Idempotency-Key": "k-6"})  # a retry is not refused
    assert replay.status_code == 202
    assert replay.get_json()["id"] == first.get_json()["id"]
    assert replay.headers["Idempotent-Replayed"] == "true"

    fits = post(b, directives(4))  # 6 + 4 = 10: exactly at the limit
    assert fits.status_code == 202
    assert post(b, directives(1)).status_code == 503
    multipart = b.post("/api/v1/batches", content_type="multipart/form-data", data={
        "document_type": "certificate", "output": "pdf",
        "common": json.dumps(json.loads(
            (__import__("pathlib").Path(__file__).parent.parent / "samples"
             / "certificate_batch.json").read_text("utf-8"))["common"], ensure_ascii=False),
        "file": (__import__("io").BytesIO("Họ và tên;Danh xưng\nLê Văn C;Ông\n".encode()),
                 "ds.csv")})
    assert multipart.status_code == 503
    assert multipart.get_json()["code"] == "queue_full"
    assert len(admin.get("/api/v1/batches").get_json()) == 2
    metrics = admin.get("/metrics").get_data(as_text=True)
    assert "thidua_batch_queue_items 10.0" in metrics
    assert "thidua_batch_queue_max_items 10.0" in metrics

    jobs_of(app).cancel(first.get_json()["id"])  # cancelled items leave the queue
    assert post(b, directives(6)).status_code == 202


def test_retry_after_estimates_from_the_recent_rate(tmp_path):
    """Retry-After: the excess divided by the items rendered per second lately."""
    from service import config
    from service.jobs.runner import JobService, QueueFull
    from service.jobs.store import claimer_id

    conf = config.load({"DATA_DIR": str(tmp_path / "data"), "QUEUE_MAX_ITEMS": 1000,
                        "MAX_BATCH_ITEMS": 1000, "CHUNK_SIZE": 100}, environ={})
    service = JobService(conf, start_supervisor=False)
    try:
        spans = [range(i, i + 100) for i in range(0, 1000, 100)]
        job = service.store.create_job("f" * 32, document_type="directive", output="pdf",
                                       spans=spans, chunk_size=100)
        for number in (1, 2, 3):  # 300 items rendered just now: 1 item/s over 300 s
            service.store.claim(job.id, number, claimer_id(), lease_s=60, max_attempts=3)
            service.store.finish_render(job.id, number)
        assert service.store.queue_depth() == 700
        assert service.store.throughput(300) == pytest.approx(1.0)
        service.check_capacity(300)  # 700 + 300 = 1000: fits
        with pytest.raises(QueueFull) as full:
            service.check_capacity(360)  # 60 items too many at ~1 item/s
        assert (full.value.depth, full.value.size, full.value.limit) == (700, 360, 1000)
        assert 55 <= full.value.retry_after_s <= 61
    finally:
        service.close()


def test_queue_max_items_below_max_batch_items_is_refused(tmp_path):
    from service import config, create_app

    with pytest.raises(config.ConfigError, match="QUEUE_MAX_ITEMS"):
        create_app({"DATA_DIR": str(tmp_path), "QUEUE_MAX_ITEMS": 10, "MAX_BATCH_ITEMS": 11})
    with pytest.raises(config.ConfigError, match="THIDUA_QUEUE_MAX_ITEMS"):
        config.load(environ={"THIDUA_QUEUE_MAX_ITEMS": "0"})
