"""``python -m service dossier ISSUED_ID -o hoso.zip``: a decision issued with ``issue`` gets
its dossier made locally, with progress; asked again, the same dossier is copied."""

from __future__ import annotations

import json
import zipfile

from tests.test_dossier import decision_payload
from tests.test_jobs_cli import run_cli


def test_issue_then_dossier_from_the_command_line(tmp_path):
    payload = tmp_path / "quyet-dinh.json"
    payload.write_text(json.dumps(decision_payload(4), ensure_ascii=False), encoding="utf-8")
    env = {"THIDUA_DATA_DIR": str(tmp_path / "data"), "THIDUA_JOB_WORKERS": "1"}
    issued = run_cli("issue", "commendation_decision", str(payload), env=env)
    assert issued.returncode == 0, issued.stderr
    number, _day, issued_id = issued.stdout.strip().split("\t")
    made = run_cli("dossier", issued_id, "-o", str(tmp_path / "hoso.zip"), env=env)
    assert made.returncode == 0, made.stderr
    assert "Đã in 4/4 bằng, giấy khen" in made.stderr
    names = zipfile.ZipFile(tmp_path / "hoso.zip").namelist()
    assert any(number.replace("/", "-") in name for name in names)
    assert len([n for n in names if n.startswith("3 ")]) == 4
    again = run_cli("dossier", issued_id, "-o", str(tmp_path / "lai.zip"), env=env)
    assert again.returncode == 0, again.stderr
    assert (tmp_path / "lai.zip").read_bytes() == (tmp_path / "hoso.zip").read_bytes()
    wrong = run_cli("dossier", "0" * 32, "-o", str(tmp_path / "x.zip"), env=env)
    assert wrong.returncode != 0
    assert "Không tìm thấy" in wrong.stderr + wrong.stdout
