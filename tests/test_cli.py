"""The command line renders, validates and fails with the validation messages."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT, SAMPLES
from tests.support.documents import docx_lines, pdf_pages_text


def run(*args, input_bytes=None):
    return subprocess.run([sys.executable, "-m", "service", *args], cwd=ROOT, input=input_bytes,
                          capture_output=True, timeout=300)


def test_render_pdf_and_docx(tmp_path):
    for ext in ("pdf", "docx"):
        out = tmp_path / f"out.{ext}"
        result = run("render", "directive", str(SAMPLES / "directive.json"), "-o", str(out))
        assert result.returncode == 0, result.stderr.decode()
        content = out.read_bytes()
        if ext == "pdf":
            assert "CHỈ THỊ" in pdf_pages_text(content)[0]
        else:
            assert "CHỈ THỊ" in docx_lines(content)


def test_render_bad_payload_exits_non_zero_with_messages(tmp_path):
    payload = json.loads((SAMPLES / "directive.json").read_text(encoding="utf-8"))
    del payload["summary"]
    payload["number"] = "bảy"
    result = run("render", "directive", "-", "-o", str(tmp_path / "x.pdf"),
                 input_bytes=json.dumps(payload).encode())
    assert result.returncode == 1
    err = result.stderr.decode()
    assert "/summary" in err
    assert "required" in err
    assert "/number" in err
    assert not (tmp_path / "x.pdf").exists()


def test_unknown_type_and_bad_extension(tmp_path):
    assert run("render", "nope", str(SAMPLES / "directive.json"), "-o", "x.pdf").returncode == 2
    result = run("render", "directive", str(SAMPLES / "directive.json"), "-o",
                 str(tmp_path / "x.odt"))
    assert result.returncode == 2


def test_validate_and_types():
    assert run("validate", "directive", str(SAMPLES / "directive.json")).returncode == 0
    listing = run("types").stdout.decode()
    assert listing.startswith("directive\tdocx,pdf\t")


def test_the_date_window_setting_applies_to_validate_and_render(tmp_path):
    import datetime as dt
    import os

    payload = json.loads((SAMPLES / "directive.json").read_text(encoding="utf-8"))
    payload["date"] = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    path = tmp_path / "p.json"
    path.write_text(json.dumps(payload), encoding="utf-8")
    assert run("validate", "directive", str(path)).returncode == 0
    env = {**os.environ, "THIDUA_MAX_DATE_AHEAD_DAYS": "1"}
    for args in (("validate", "directive", str(path)),
                 ("render", "directive", str(path), "-o", str(tmp_path / "x.pdf"))):
        result = subprocess.run([sys.executable, "-m", "service", *args], cwd=ROOT, env=env,
                                capture_output=True, timeout=300)
        assert result.returncode == 1, args
        assert "/date" in result.stderr.decode()
        assert "too_far_ahead" in result.stderr.decode()
