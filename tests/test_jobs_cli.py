"""The job commands: ``batch --server`` against a running service, ``worker``,
``db-upgrade``."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT
from tests.support.documents import pdf_pages_text
from tests.support.processes import ServiceProcess


def run_cli(*args: str, env: dict | None = None, timeout: float = 300):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("THIDUA_")}
    return subprocess.run([sys.executable, "-m", "service", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout,
                          env={**clean, **(env or {})})


@pytest.mark.slow
def test_batch_command_submits_to_a_running_service(tmp_path):
    sample = json.loads((ROOT / "samples" / "certificate_batch.json").read_text("utf-8"))
    common = tmp_path / "common.json"
    common.write_text(json.dumps(sample["common"], ensure_ascii=False), encoding="utf-8")
    listing = tmp_path / "danh-sach.csv"
    listing.write_text("Họ và tên;Chức vụ;Danh xưng\n"
                       + "".join(f"Nguyễn Văn Số {i:02d};Chuyên viên;Ông\n" for i in range(7)),
                       encoding="utf-8")
    service = ServiceProcess(tmp_path / "data", {"THIDUA_CHUNK_SIZE": "3"}).start()
    try:
        out = tmp_path / "out.pdf"
        result = run_cli("batch", "certificate", str(listing), "--common", str(common),
                         "-o", str(out), "--server", service.base,
                         env={"THIDUA_API_KEY": service.token})
        assert result.returncode == 0, result.stderr
        assert "7 văn bản" in result.stdout
        assert "gửi tới" in result.stderr
        pages = pdf_pages_text(out.read_bytes())
        assert [f"Số {i:02d}" in p for i, p in enumerate(pages)] == [True] * 7
        # the JSON form of the same list, as a zip of DOCX files
        # (numbered on from the first list: Số sổ 1093–1099 are printed already)
        items = {"common": {**sample["common"], "register_start": 1100},
                 "items": sample["items"]}
        source = tmp_path / "list.json"
        source.write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
        out_zip = tmp_path / "out.zip"
        result = run_cli("batch", "certificate", str(source), "-o", str(out_zip),
                         "--zip-format", "docx", "--server", service.base,
                         env={"THIDUA_API_KEY": service.token})
        assert result.returncode == 0, result.stderr
        import zipfile

        assert len(zipfile.ZipFile(out_zip).namelist()) == len(sample["items"])
        # a bad row: exit 1 with the row named, nothing written
        listing.write_text("Họ và tên;Chức vụ;Danh xưng\nNguyễn Văn A;Chuyên viên;Ông\n"
                           ";Chuyên viên;Ông\n", encoding="utf-8")
        bad = run_cli("batch", "certificate", str(listing), "--common", str(common),
                      "-o", str(tmp_path / "bad.pdf"), "--server", service.base,
                         env={"THIDUA_API_KEY": service.token})
        assert bad.returncode == 1
        assert "dòng 3" in bad.stderr
        assert not (tmp_path / "bad.pdf").exists()
    finally:
        service.stop()
    unreachable = run_cli("batch", "certificate", str(source), "-o", str(tmp_path / "x.pdf"),
                          "--server", service.base, timeout=120)
    assert unreachable.returncode == 1
    assert "không kết nối được" in unreachable.stderr


def test_worker_needs_a_broker_and_db_upgrade_reports_the_revision(tmp_path):
    env = {"THIDUA_DATA_DIR": str(tmp_path)}
    worker = run_cli("worker", env=env, timeout=60)
    assert worker.returncode == 1
    assert "THIDUA_BROKER_URL" in worker.stderr
    bad = run_cli("worker", env={**env, "THIDUA_BROKER_URL": "amqp://x"}, timeout=60)
    assert bad.returncode == 1
    assert "Redis" in bad.stderr
    upgrade = run_cli("db-upgrade", env=env, timeout=60)
    assert upgrade.returncode == 0, upgrade.stderr
    assert upgrade.stdout.strip().endswith(": 0008")
    assert (tmp_path / "jobs.sqlite3").exists()


def test_visibility_timeout_must_exceed_the_time_limit(tmp_path):
    from service import create_app
    from service.config import ConfigError

    with pytest.raises(ConfigError, match="VISIBILITY"):
        create_app({"DATA_DIR": str(tmp_path), "BROKER_URL": "redis://127.0.0.1:1/0",
                    "CHUNK_TIME_LIMIT_S": 600, "BROKER_VISIBILITY_TIMEOUT_S": 600})
