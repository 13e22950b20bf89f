"""The batches API in-process, with the embedded runner's real worker processes."""

from __future__ import annotations

import io
import json
import re
import threading
import time

import pytest

from tests.conftest import load_sample
from tests.support.auth import client_as
from tests.support.documents import pdf_pages_text

PROBLEM = "application/problem+json"
FIELDS = {"id", "document_type", "output", "status", "total", "done", "failed", "created_at",
          "started_at", "finished_at", "errors", "result_url", "register_first",
          "register_last", "failed_items"}


@pytest.fixture
def jobs_app(tmp_path):
    from service import create_app

    app = create_app({"DATA_DIR": str(tmp_path / "data"), "TESTING": True, "CHUNK_SIZE": 2,
                      "JOB_WORKERS": 2})
    yield app
    app.extensions["thidua_jobs"].close()


@pytest.fixture
def jc(jobs_app):
    """A clerk's client; ``jc.owner`` is the owner its batches get."""
    from tests.support.auth import authorize, store_of

    key, token = store_of(jobs_app).create_key("tests", "clerk", "tests")
    client = authorize(jobs_app.test_client(), token)
    client.owner = key.principal().owner
    return client


def directives(n: int) -> dict:
    return {"document_type": "directive", "output": "pdf", "common": load_sample("directive"),
            "items": [{"summary": f"Về phong trào thi đua đợt {i:03d}"} for i in range(n)]}


def post(client, body, headers=None):
    return client.post("/api/v1/batches", data=json.dumps(body, ensure_ascii=False).encode(),
                       content_type="application/json", headers=headers or {})


def problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)[:800]
    assert response.mimetype == PROBLEM
    body = response.get_json(force=True)
    assert body["code"] == code
    assert body["status"] == status
    assert body["title"]
    return body


def wait_until(client, job_id: str, predicate, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        job = client.get(f"/api/v1/batches/{job_id}").get_json()
        if predicate(job):
            return job
        assert time.monotonic() < deadline, f"job never got there: {job}"
        time.sleep(0.1)


def download(client, url: str):
    """GET a result and close the streamed file (a WSGI server does that itself)."""
    response = client.get(url)
    response.get_data()
    response.close()
    return response


def finished(job: dict) -> bool:
    return job["status"] in ("succeeded", "done_with_errors", "failed", "cancelled")


def service(app):
    return app.extensions["thidua_jobs"]


def test_json_batch_runs_to_a_merged_pdf_in_order(jc):
    response = post(jc, directives(6))
    assert response.status_code == 202, response.get_data(as_text=True)
    job = response.get_json()
    assert set(job) == FIELDS
    assert response.headers["Location"] == f"/api/v1/batches/{job['id']}"
    assert job["status"] in ("queued", "running")
    assert job["total"] == 6
    assert job["result_url"] is None
    assert job["errors"] == []
    assert job["failed"] == 0
    seen_done = set()

    def track(j):
        seen_done.add(j["done"])
        return finished(j)

    job = wait_until(jc, job["id"], track)
    assert job["status"] == "succeeded", job
    assert (job["done"], job["failed"]) == (6, 0)
    assert job["started_at"]
    assert job["finished_at"] >= job["started_at"] >= job["created_at"]
    # progress moves chunk by chunk (CHUNK_SIZE=2; three full chunks, which two workers may
    # finish in any order, so every count seen is a multiple of 2)
    assert seen_done <= {0, 2, 4, 6}
    result = download(jc, job["result_url"])
    assert result.status_code == 200
    assert result.mimetype == "application/pdf"
    assert "filename*=UTF-8''" in result.headers["Content-Disposition"]
    pages = pdf_pages_text(result.data)
    assert len(pages) == 12  # a directive is two pages
    found = [m for p in pages for m in re.findall(r"đợt (\d{3})", p)]
    assert found == [f"{i:03d}" for i in range(6)]
    listed = jc.get("/api/v1/batches").get_json()
    assert [j["id"] for j in listed] == [job["id"]]


def test_zip_output_has_one_file_per_item(jc):
    import zipfile

    body = {**directives(3), "output": "zip-docx"}
    job = post(jc, body).get_json()
    job = wait_until(jc, job["id"], finished)
    assert job["status"] == "succeeded", job
    result = download(jc, job["result_url"])
    assert result.mimetype == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(result.data)).namelist()
    assert len(names) == 3
    assert all(n.endswith(".docx") for n in names)
    assert names == sorted(names)
    assert len(set(names)) == 3


def test_every_invalid_item_is_listed_and_nothing_is_created(jc):
    body = directives(4)
    body["items"][1]["summary"] = ""
    body["items"][3]["date"] = "2026-02-30"
    body["items"][2] = ["not", "an", "object"]
    response = post(jc, body)
    errors = problem(response, 422, "validation_failed")["errors"]
    pointers = {e["pointer"] for e in errors}
    assert {"/items/1/summary", "/items/2", "/items/3/date"} <= pointers
    assert jc.get("/api/v1/batches").get_json() == []


def test_envelope_errors_are_listed_together(jc):
    body = {"document_type": "nope", "output": "tiff", "items": {}, "extra": 1}
    errors = problem(post(jc, body), 422, "validation_failed")["errors"]
    assert {(e["pointer"], e["code"]) for e in errors} == {
        ("/document_type", "unknown_document_type"), ("/output", "invalid_choice"),
        ("/items", "invalid_type"), ("/extra", "unknown_field")}
    errors = problem(post(jc, {"common": []}), 422, "validation_failed")["errors"]
    assert {e["pointer"] for e in errors} == {"/document_type", "/output", "/items", "/common"}
    problem(post(jc, {**directives(1), "items": []}), 422, "validation_failed")
    problem(post(jc, [1, 2]), 422, "validation_failed")


def test_wrong_content_type_and_malformed_json(jc):
    problem(jc.post("/api/v1/batches", data="x", content_type="text/plain"), 415,
            "unsupported_media_type")
    problem(jc.post("/api/v1/batches", data=b'{"items": [', content_type="application/json"),
            400, "json_malformed")
    problem(jc.post("/api/v1/batches", data=b"", content_type="application/json"), 400,
            "json_empty")
    problem(jc.post("/api/v1/batches", data=b"[" * 5000, content_type="application/json"),
            400, "json_too_deep")


def test_batch_size_and_request_size_limits(tmp_path):
    from service import create_app

    app = create_app({"DATA_DIR": str(tmp_path / "d"), "MAX_BATCH_ITEMS": 3,
                      "MAX_REQUEST_BYTES": 200_000})
    client = client_as(app)
    try:
        body = problem(post(client, directives(4)), 413, "batch_too_large")
        assert "3" in body["detail"]
        big = directives(1)
        big["items"][0]["closing"] = "x" * 250_000
        problem(post(client, big), 413, "payload_too_large")
        assert client.get("/api/v1/batches").get_json() == []
    finally:
        app.extensions["thidua_jobs"].close()


def test_idempotency_key(jc):
    body = directives(2)
    first = post(jc, body, {"Idempotency-Key": "lot-2026-01"})
    again = post(jc, body, {"Idempotency-Key": "lot-2026-01"})
    assert first.status_code == again.status_code == 202
    assert again.get_json()["id"] == first.get_json()["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["Location"] == first.headers["Location"]
    other = post(jc, directives(3), {"Idempotency-Key": "lot-2026-01"})
    assert first.get_json()["id"] in problem(other, 422, "idempotency_key_reused")["detail"]
    fresh = post(jc, body, {"Idempotency-Key": '"lot-2026-02"'})
    assert fresh.status_code == 202
    assert fresh.get_json()["id"] != first.get_json()["id"]
    problem(post(jc, body, {"Idempotency-Key": "has space"}), 400, "idempotency_key_invalid")
    problem(post(jc, body, {"Idempotency-Key": "k" * 256}), 400, "idempotency_key_invalid")
    assert len(jc.get("/api/v1/batches").get_json()) == 2


def test_concurrent_retries_with_one_key_make_one_job(jobs_app):
    """One client retrying at once (keys are scoped per owner: one API key here)."""
    from tests.support.auth import authorize, make_key

    body = directives(2)
    ids: list[str] = []
    barrier = threading.Barrier(6)
    token = make_key(jobs_app)

    def submit() -> None:
        client = authorize(jobs_app.test_client(), token)
        barrier.wait()
        response = post(client, body, {"Idempotency-Key": "same-key"})
        assert response.status_code == 202
        ids.append(response.get_json()["id"])

    threads = [threading.Thread(target=submit) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(ids) == 6
    assert len(set(ids)) == 1
    assert len(authorize(jobs_app.test_client(), token).get("/api/v1/batches").get_json()) == 1
    assert len(client_as(jobs_app, "admin").get("/api/v1/batches").get_json()) == 1
    jobs_dir = service(jobs_app).files.root
    assert [p.name for p in jobs_dir.iterdir()] == [ids[0]]  # the losers left no files


def queued_job(app, n: int = 4, owner: str | None = None) -> str:
    """A job stored but not started (the supervisor is not woken)."""
    from service import registry
    from service.bulk import prepare

    body = directives(n)
    doc_type = registry.get("directive")
    items = prepare(doc_type, body["common"], body["items"])
    return service(app).submit(doc_type, "pdf", items, owner=owner, start=False).job.id


def test_unknown_batches_are_404(jc):
    for path in ("/api/v1/batches/" + "0" * 32, "/api/v1/batches/../etc",
                 "/api/v1/batches/not-an-id/result", "/api/v1/batches/" + "0" * 32 + "/result"):
        assert jc.get(path).status_code == 404
    problem(jc.get("/api/v1/batches/" + "0" * 32), 404, "batch_not_found")
    problem(jc.post("/api/v1/batches/" + "1" * 32 + "/cancel"), 404, "batch_not_found")
    problem(jc.get("/api/v1/batches?limit=0"), 422, "validation_failed")


def test_result_is_409_until_the_job_has_succeeded(jobs_app, jc):
    job_id = queued_job(jobs_app, owner=jc.owner)
    job = jc.get(f"/api/v1/batches/{job_id}").get_json()
    assert job["status"] == "queued"
    assert job["started_at"] is None
    assert "queued" in problem(jc.get(f"/api/v1/batches/{job_id}/result"), 409,
                               "batch_not_ready")["detail"]
    store = service(jobs_app).store
    from service.jobs.store import claimer_id

    store.claim(job_id, 1, claimer_id(), lease_s=60, max_attempts=3)
    assert jc.get(f"/api/v1/batches/{job_id}").get_json()["status"] == "running"
    problem(jc.get(f"/api/v1/batches/{job_id}/result"), 409, "batch_not_ready")


def test_cancel_a_queued_job(jobs_app, jc):
    job_id = queued_job(jobs_app, owner=jc.owner)
    response = jc.post(f"/api/v1/batches/{job_id}/cancel")
    assert response.status_code == 200
    job = response.get_json()
    assert job["status"] == "cancelled"
    assert job["finished_at"]
    assert job["done"] == 0
    problem(jc.post(f"/api/v1/batches/{job_id}/cancel"), 409, "batch_finished")
    problem(jc.get(f"/api/v1/batches/{job_id}/result"), 409, "batch_not_ready")
    later = post(jc, directives(2)).get_json()  # runs after it in FIFO order
    assert wait_until(jc, later["id"], finished)["status"] == "succeeded"
    assert jc.get(f"/api/v1/batches/{job_id}").get_json()["done"] == 0
    assert not list(service(jobs_app).files.job_dir(job_id).glob("chunk-*"))


def test_cancel_a_running_job_stops_between_chunks(jobs_app, jc):
    job = post(jc, directives(30)).get_json()  # 15 chunks of 2
    running = wait_until(jc, job["id"], lambda j: j["done"] >= 2 or finished(j))
    assert running["status"] == "running", running
    cancelled = jc.post(f"/api/v1/batches/{job['id']}/cancel").get_json()
    assert cancelled["status"] == "cancelled"
    store = service(jobs_app).store
    deadline = time.monotonic() + 60
    while any(s.status == "running" for s in store.steps(job["id"])):
        assert time.monotonic() < deadline
        time.sleep(0.1)
    after = jc.get(f"/api/v1/batches/{job['id']}").get_json()
    assert after["status"] == "cancelled"
    assert after["result_url"] is None
    assert after["done"] < 30
    statuses = [s.status for s in store.steps(job["id"])]
    assert "pending" not in statuses
    assert statuses.count("cancelled") >= 1
    problem(jc.get(f"/api/v1/batches/{job['id']}/result"), 409, "batch_not_ready")


def test_a_failed_job_reports_why(jobs_app, jc):
    job_id = queued_job(jobs_app, 4, owner=jc.owner)
    service(jobs_app).files.input_path(job_id, 2).unlink()  # the input of chunk 2 is lost
    service(jobs_app).supervisor.start()
    service(jobs_app).supervisor.wake()
    job = wait_until(jc, job_id, finished)
    assert job["status"] == "failed"
    assert job["result_url"] is None
    assert job["failed"] == 2
    assert job["errors"] == [{"code": "input_missing", "message": job["errors"][0]["message"]}]
    assert "phần 2 (mục 3–4)" in job["errors"][0]["message"]
    problem(jc.get(f"/api/v1/batches/{job_id}/result"), 409, "batch_not_ready")
    problem(jc.post(f"/api/v1/batches/{job_id}/cancel"), 409, "batch_finished")


def test_cleaned_up_results_are_410(jobs_app, jc):
    from service.jobs.cleanup import cleanup

    job = post(jc, directives(1)).get_json()
    job = wait_until(jc, job["id"], finished)
    assert job["status"] == "succeeded"
    svc = service(jobs_app)
    assert cleanup(svc.store, svc.files, ttl_hours=1).jobs == []  # not old enough
    report = cleanup(svc.store, svc.files, ttl_hours=-1)
    assert report.jobs == [job["id"]]
    assert report.bytes_freed > 0
    assert not svc.files.job_dir(job["id"]).exists()
    after = jc.get(f"/api/v1/batches/{job['id']}").get_json()
    assert after["status"] == "succeeded"
    assert after["result_url"] is None
    problem(jc.get(f"/api/v1/batches/{job['id']}/result"), 410, "batch_result_expired")


def test_batches_are_in_the_openapi_document(jc):
    paths = jc.get("/api/openapi.json").get_json()["paths"]
    assert {"/api/v1/batches", "/api/v1/batches/{job_id}", "/api/v1/batches/{job_id}/result",
            "/api/v1/batches/{job_id}/cancel"} <= set(paths)
    assert "multipart/form-data" in paths["/api/v1/batches"]["post"]["requestBody"]["content"]


def test_the_openapi_document_describes_jobs_and_problems_from_their_schemas(jc):
    """The job resource and the problem+json body are marshmallow schemas (components), not
    hand-written dicts; the job the API answers has exactly the schema's fields."""
    spec = jc.get("/api/openapi.json").get_json()
    schemas = spec["components"]["schemas"]
    get = spec["paths"]["/api/v1/batches/{job_id}"]["get"]["responses"]
    assert get["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Job"}
    assert get["404"]["content"]["application/problem+json"]["schema"] == {
        "$ref": "#/components/schemas/Problem"}
    assert {"code", "title", "detail", "errors"} <= set(schemas["Problem"]["properties"])
    body = spec["paths"]["/api/v1/batches"]["post"]["requestBody"]["content"]
    assert body["application/json"]["schema"] == {"$ref": "#/components/schemas/BatchJson"}
    assert schemas["BatchUpload"]["properties"]["file"]["format"] == "binary"
    from service.api.schemas import JobSchema

    assert set(schemas["Job"]["properties"]) == set(JobSchema().fields)


# ---------------------------------------------------------------------------- multipart


def certificate_common() -> dict:
    return json.loads((__import__("pathlib").Path(__file__).parent.parent / "samples"
                       / "certificate_batch.json").read_text(encoding="utf-8"))["common"]


def multipart(client, data: dict, headers=None):
    return client.post("/api/v1/batches", data=data, content_type="multipart/form-data",
                       headers=headers or {})


def xlsx_bytes(rows: list[list]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_multipart_csv_batch(jc):
    csv = ("Họ và tên;Chức vụ;Đơn vị;Danh xưng\n"
           "Nguyễn Văn An;Trưởng phòng;Phòng Tổng hợp;Ông\n\n"
           "Trần Thị Bình;Chuyên viên;Văn phòng Sở;Bà\n"
           "Lê Văn Cường;Chuyên viên;Phòng Kế hoạch;Ông\n").encode("utf-8-sig")
    response = multipart(jc, {"document_type": "certificate", "output": "pdf",
                              "common": json.dumps(certificate_common(), ensure_ascii=False),
                              "file": (io.BytesIO(csv), "danh-sach.csv")})
    assert response.status_code == 202, response.get_data(as_text=True)
    job = wait_until(jc, response.get_json()["id"], finished)
    assert job["status"] == "succeeded", job
    assert job["total"] == 3, job
    pages = pdf_pages_text(download(jc, job["result_url"]).data)
    assert len(pages) == 3
    for page, name in zip(pages, ("Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường"),
                          strict=True):
        assert name.upper() in page.upper()


def test_multipart_xlsx_bad_rows_are_reported_with_row_numbers(jc):
    raw = xlsx_bytes([["Họ và tên", "Chức vụ", "Đơn vị", "Danh xưng"],
                      ["Nguyễn Văn An", "Trưởng phòng", "Phòng Tổng hợp", "Ông"],
                      ["", "Chuyên viên", "Văn phòng Sở", "Bà"],
                      ["Lê Văn Cường", "Chuyên viên", "Phòng Kế hoạch", "Ông"]])
    response = multipart(jc, {"document_type": "certificate", "output": "zip-pdf",
                              "common": json.dumps(certificate_common(), ensure_ascii=False),
                              "file": (io.BytesIO(raw), "danh-sach.xlsx")})
    errors = problem(response, 422, "validation_failed")["errors"]
    assert {e.get("row") for e in errors} == {3}
    assert jc.get("/api/v1/batches").get_json() == []


def test_multipart_envelope_errors(jc):
    errors = problem(multipart(jc, {"document_type": "certificate", "common": "{bad",
                                    "surprise": "x"}), 422, "validation_failed")["errors"]
    pointers = {e["pointer"] for e in errors}
    assert {"/file", "/output", "/common", "/surprise"} <= pointers
    exe = b"MZ\x90\x00" + b"\x00" * 200
    response = multipart(jc, {"document_type": "certificate", "output": "pdf",
                              "file": (io.BytesIO(exe), "danh-sach.xlsx")})
    assert 400 <= response.status_code < 500
    assert response.mimetype == PROBLEM
    ole2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600
    response = multipart(jc, {"document_type": "certificate", "output": "pdf",
                              "file": (io.BytesIO(ole2), "cu.xls")})
    assert 400 <= response.status_code < 500
    assert response.mimetype == PROBLEM


def test_multipart_idempotency_and_size_limit(tmp_path):
    from service import create_app

    app = create_app({"DATA_DIR": str(tmp_path / "d"), "MAX_REQUEST_BYTES": 50_000,
                      "MAX_BATCH_ITEMS": 2})
    client = client_as(app)
    try:
        csv = "Họ và tên;Danh xưng\nNguyễn Văn An;Ông\nTrần Thị Bình;Bà\n".encode()

        def form(data=csv):
            return {"document_type": "certificate", "output": "pdf",
                    "common": json.dumps(certificate_common(), ensure_ascii=False),
                    "file": (io.BytesIO(data), "ds.csv")}

        first = multipart(client, form(), {"Idempotency-Key": "xlsx-1"})
        assert first.status_code == 202, first.get_data(as_text=True)
        again = multipart(client, form(), {"Idempotency-Key": "xlsx-1"})
        assert again.get_json()["id"] == first.get_json()["id"]
        other = multipart(client, form(csv + "Lê Văn C;Ông\n".encode()),
                          {"Idempotency-Key": "xlsx-1"})
        problem(other, 422, "idempotency_key_reused")
        three = multipart(client, form(csv + "Lê Văn C;Ông\n".encode()))
        assert three.status_code == 413
        assert three.mimetype == PROBLEM
        huge = multipart(client, form(b"x" * 60_000))
        problem(huge, 413, "payload_too_large")
    finally:
        app.extensions["thidua_jobs"].close()


def test_a_database_outage_is_a_503_not_a_500(jobs_app, jc):
    from sqlalchemy import create_engine

    store = service(jobs_app).store
    unreachable = create_engine("postgresql+psycopg://postgres@127.0.0.1:1/none",
                                connect_args={"connect_timeout": 2})
    store.engine = store._writer = unreachable  # the database goes away under the service
    try:
        response = jc.get("/api/v1/batches/" + "a" * 32)
        body = problem(response, 503, "jobs_unavailable")
        assert response.headers["Retry-After"] == "10"
        assert "postgres" not in json.dumps(body)
        assert "127.0.0.1" not in json.dumps(body)
        problem(post(jc, directives(1)), 503, "jobs_unavailable")
    finally:
        unreachable.dispose()


# ---------------------------------------------------------------------------- metrics


def scrape(client) -> dict[tuple[str, tuple], float]:
    """``/metrics`` as {(sample name, sorted labels): value}."""
    from prometheus_client.parser import text_string_to_metric_families

    response = client.get("/metrics")
    assert response.status_code == 200
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(response.get_data(as_text=True))
            for s in family.samples}


def test_metrics_report_jobs_chunks_queue_depth_and_durations(jobs_app, jc):
    admin = client_as(jobs_app, "admin")
    assert jc.get("/metrics").status_code == 403  # a clerk may not scrape
    waiting = queued_job(jobs_app, 4)  # 2 chunks, stored but not started
    values = scrape(admin)
    assert values[("thidua_batch_jobs", (("status", "queued"),))] == 1
    assert values[("thidua_batch_queue_items", ())] == 4
    assert values[("thidua_batch_chunks", (("status", "pending"),))] == 2
    assert values[("thidua_batch_queue_max_items", ())] == 200_000
    assert admin.post(f"/api/v1/batches/{waiting}/cancel").status_code == 200

    started = time.monotonic()
    job = post(jc, directives(6)).get_json()  # 3 chunks of 2
    job = wait_until(jc, job["id"], finished)
    elapsed = time.monotonic() - started
    assert job["status"] == "succeeded"
    values = scrape(admin)
    jobs = {status: values[("thidua_batch_jobs", (("status", status),))]
            for status in ("queued", "running", "succeeded", "failed", "cancelled")}
    assert jobs == {"queued": 0, "running": 0, "succeeded": 1, "failed": 0, "cancelled": 1}
    chunks = {status: values[("thidua_batch_chunks", (("status", status),))]
              for status in ("pending", "running", "done", "failed", "cancelled")}
    assert chunks == {"pending": 0, "running": 0, "done": 3, "failed": 0, "cancelled": 2}
    assert values[("thidua_batch_queue_items", ())] == 0
    assert values[("thidua_batch_store_up", ())] == 1
    name = "thidua_batch_job_duration_seconds"
    succeeded = (("status", "succeeded"),)
    assert values[(f"{name}_count", succeeded)] == 1
    run_time = values[(f"{name}_sum", succeeded)]
    assert 0 < run_time <= elapsed
    buckets = {float(dict(labels)["le"]): value for (sample, labels), value in values.items()
               if sample == f"{name}_bucket" and dict(labels)["status"] == "succeeded"}
    assert buckets[float("inf")] == 1
    assert all(count == (1 if le >= run_time else 0) for le, count in buckets.items())
    # the cancelled job never started: it has no run time
    assert values[(f"{name}_count", (("status", "cancelled"),))] == 0


def certificates(start: int) -> dict:
    """The sample certificate list (4 rows), numbered from ``start``."""
    body = load_sample("certificate_batch")
    body["common"]["register_start"] = start
    return {"document_type": "certificate", "output": "pdf", **body}


def test_a_register_range_the_owner_already_printed_is_refused(jobs_app, jc):
    """The same list posted twice without an Idempotency-Key would print Số sổ 1093–1096
    twice: the second is 409 with the earlier job; other ranges and other owners are free."""
    first = post(jc, certificates(1093))
    assert first.status_code == 202, first.get_data(as_text=True)
    first_id = first.get_json()["id"]
    again = problem(post(jc, certificates(1093)), 409, "register_range_overlap")
    assert again["batch_id"] == first_id
    assert again["batch_url"] == f"/api/v1/batches/{first_id}"
    assert "1093" in again["detail"]
    assert "1096" in again["detail"]
    assert [e["pointer"] for e in again["errors"]] == ["/common/register_start"]
    problem(post(jc, certificates(1090)), 409, "register_range_overlap")  # 1090–1093
    assert post(jc, certificates(1097)).status_code == 202  # 1097–1100: next in the register
    assert post(client_as(jobs_app, "clerk", "another-unit"),
                certificates(1093)).status_code == 202  # another owner's register
    assert len(service(jobs_app).store.list_jobs(owner=jc.owner, limit=10)) == 2


def test_a_register_range_of_a_cancelled_or_failed_job_may_be_printed_again(jobs_app, jc):
    from service import registry
    from service.bulk import prepare

    body = certificates(2000)
    doc_type = registry.get("certificate")
    items = prepare(doc_type, body["common"], body["items"])
    jobs = service(jobs_app)
    cancelled = jobs.submit(doc_type, "pdf", items, owner=jc.owner, start=False,
                            register=range(2000, 2004)).job.id
    assert jc.post(f"/api/v1/batches/{cancelled}/cancel").status_code == 200
    failed = jobs.submit(doc_type, "pdf", items, owner=jc.owner, start=False,
                         register=range(2002, 2006)).job.id
    jobs.store.fail_step(failed, 1, "storage_full", "Hết dung lượng lưu trữ.")
    assert jc.get(f"/api/v1/batches/{failed}").get_json()["status"] == "failed"
    response = post(jc, certificates(2000))  # neither printed anything
    assert response.status_code == 202, response.get_data(as_text=True)
    job = response.get_json()
    assert job["register_first"] == 2000
    assert job["register_last"] == 2003


def test_a_job_with_a_poison_item_finishes_with_errors_and_delivers_the_rest(jobs_app, jc):
    """A render error in chunk 1 (items 1–2) splits it; the item that fails alone is listed
    in ``failed_items``; the status is done_with_errors and the result holds the 5 others."""
    job_id = queued_job(jobs_app, 6, owner=jc.owner)
    store = service(jobs_app).store
    store.fail_step(job_id, 1, "render_failed", "Không tạo được văn bản.")  # split in two
    halves = [s for s in store.steps(job_id) if s.number > 4]
    assert [(s.start, s.stop) for s in halves] == [(0, 1), (1, 2)]
    store.fail_step(job_id, halves[1].number, "render_failed", "Không tạo được văn bản.")
    service(jobs_app).supervisor.start()
    job = wait_until(jc, job_id, finished)
    assert job["status"] == "done_with_errors", job
    assert (job["done"], job["failed"], job["errors"]) == (5, 1, [])
    [failed] = job["failed_items"]
    assert (failed["item"], failed["row"], failed["code"]) == (2, None, "item_failed")
    assert failed["message"].startswith("Mục 2 không in được")
    result = download(jc, job["result_url"])
    assert result.status_code == 200
    text = "\n".join(pdf_pages_text(result.data))
    assert "đợt 001" not in text
    assert [text.find(f"đợt {i:03d}") > -1 for i in (0, 2, 3, 4, 5)] == [True] * 5
