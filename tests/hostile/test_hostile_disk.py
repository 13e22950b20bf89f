"""A full data disk: a batch whose files would not fit is refused before anything is written
(507 ``disk_full``), and a write that fails with ENOSPC while the batch is stored answers the
same problem — never a 500, never a job left behind."""

from __future__ import annotations

import errno
import json
import shutil
from collections import namedtuple

import pytest

from tests.conftest import SAMPLES, load_sample
from tests.support.auth import client_as
from tests.support.problems import problem

URL = "/api/v1/batches"
Usage = namedtuple("Usage", "total used free")


@pytest.fixture(autouse=True)
def _no_job_workers(monkeypatch):
    from service.jobs.runner import Supervisor

    monkeypatch.setattr(Supervisor, "start", lambda self: None)
    monkeypatch.setattr(Supervisor, "wake", lambda self: None)


def batch(n: int = 5) -> bytes:
    body = {"document_type": "directive", "output": "pdf", "common": load_sample("directive"),
            "items": [{"summary": f"Về phong trào thi đua đợt {i:03d}"} for i in range(n)]}
    return json.dumps(body, ensure_ascii=False).encode()


def post(client, n: int = 5):
    return client.post(URL, data=batch(n), content_type="application/json")


def upload(client):
    from werkzeug.test import encode_multipart

    common = json.loads((SAMPLES / "certificate_batch.json").read_text("utf-8"))["common"]
    raw = "Họ và tên;Danh xưng\nNguyễn Văn An;Ông\nTrần Thị Bình;Bà\n".encode()
    boundary, body = encode_multipart({"document_type": "certificate", "output": "pdf",
                                       "common": json.dumps(common, ensure_ascii=False),
                                       "file": _file(raw)})
    return client.post(URL, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def _file(raw: bytes):
    import io

    from werkzeug.datastructures import FileStorage

    return FileStorage(io.BytesIO(raw), filename="ds.csv")


def disk_full(client, response, app) -> dict:
    body = problem(response, 507, "disk_full")
    assert client.get(URL).get_json() == []
    jobs_dir = app.extensions["thidua_jobs"].files.root
    assert not jobs_dir.exists() or not any(jobs_dir.iterdir()), list(jobs_dir.iterdir())
    return body


def test_a_batch_that_would_not_fit_is_refused_before_writing(make_app, monkeypatch):
    app = make_app()
    client = client_as(app)
    real = shutil.disk_usage
    monkeypatch.setattr(shutil, "disk_usage",
                        lambda path: Usage(real(path).total, real(path).total - 10_000, 10_000))
    body = disk_full(client, post(client), app)
    assert "dung lượng" in body["detail"]
    disk_full(client, upload(client), app)


def test_the_reserve_is_a_setting(make_app):
    app = make_app(DISK_RESERVE_BYTES=10**18)
    client = client_as(app)
    disk_full(client, post(client), app)
    assert post(client_as(make_app()), 3).status_code == 202


def test_the_estimate_grows_with_the_items(make_app, monkeypatch):
    app = make_app(DISK_RESERVE_BYTES=1)
    client = client_as(app)
    real = shutil.disk_usage
    free = 3_000_000
    monkeypatch.setattr(shutil, "disk_usage",
                        lambda path: Usage(real(path).total, real(path).total - free, free))
    assert post(client, 2).status_code == 202
    too_many = post(client, 500)
    assert too_many.status_code == 507, too_many.get_data(as_text=True)[:300]


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EDQUOT])
def test_a_write_that_fills_the_disk(make_app, monkeypatch, code):
    from service.jobs import files

    app = make_app(CHUNK_SIZE=2)  # three input files: the second write fails
    client = client_as(app)
    written = []
    real_write = files.write_atomic

    def fill_up(path, data):
        if written:
            raise OSError(code, "No space left on device")
        written.append(path)
        real_write(path, data)

    monkeypatch.setattr(files, "write_atomic", fill_up)
    body = disk_full(client, post(client, 5), app)
    assert "đầy" in body["detail"]


def test_enospc_anywhere_in_a_request_is_507_not_500(make_app, monkeypatch):
    from service.rendering import Renderer

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Renderer, "render", full)
    client = client_as(make_app())
    response = client.post("/api/v1/documents/directive.pdf", json=load_sample("directive"))
    problem(response, 507, "disk_full")
