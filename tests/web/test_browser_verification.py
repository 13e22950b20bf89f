"""The verification QR end to end in a real browser (issue 15): a document issued through the
API gets its code; a certificate rendered with that code prints a QR; zbarimg reads the QR off
the page's PNG; Chromium opens the address it holds and sees the document's data on the
public page, without signing in; an unknown and a malformed code look alike; a changed byte in
the uploaded file is reported."""

from __future__ import annotations

import json
import shutil
import subprocess
import urllib.request
from pathlib import Path

import pytest

from tests.support.browser import NARROW, WIDE, screenshot
from tests.support.register import draft

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]


def _issue(service) -> dict:
    body = json.dumps({"document_type": "directive", "payload": draft()}).encode()
    request = urllib.request.Request(f"{service.base}/api/v1/issued", data=body, headers={
        "Authorization": f"Bearer {service.token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)


def _qr_of_certificate(code: str, tmp_path: Path, monkeypatch, base: str) -> str:
    from service import registry, rendering

    monkeypatch.setenv("THIDUA_PUBLIC_URL", base)
    payload = json.loads((ROOT / "samples" / "certificate.json").read_text(encoding="utf-8"))
    payload["verification_code"] = code
    pdf = rendering.render(registry.require("certificate"), payload, registry.Format.PDF,
                           templates_dir=ROOT / "doc_templates").content
    (tmp_path / "cert.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "100", "-png", "-singlefile", str(tmp_path / "cert.pdf"),
                    str(tmp_path / "cert")], check=True)
    assert shutil.which("zbarimg"), "zbarimg is missing: scripts/setup.sh --test (zbar-tools)"
    out = subprocess.run(["zbarimg", "-q", "--raw", str(tmp_path / "cert.png")],
                         capture_output=True, text=True, check=True)
    return out.stdout.strip()


def test_the_qr_on_a_certificate_opens_the_public_page(anon_page, web_service, tmp_path,
                                                       monkeypatch):
    from playwright.sync_api import expect

    doc = _issue(web_service)
    url = _qr_of_certificate(doc["verification_code"], tmp_path, monkeypatch,
                             web_service.base)
    assert url == f"{web_service.base}/xac-minh/{doc['verification_code']}"
    response = anon_page.goto(url)
    assert response.status == 200
    facts = anon_page.locator("#public-facts")
    for shown in (doc["number_symbol"], "02/03/2026", doc["issuer_name"],
                  doc["verification_code"]):
        expect(facts).to_contain_text(shown)
    expect(anon_page.locator("#public-status")).to_contain_text("chưa bị hủy")
    for size in (WIDE, NARROW):
        anon_page.set_viewport_size(size)
        screenshot(anon_page, "public-verification")

    pdf_path = tmp_path / "issued.pdf"
    request = urllib.request.Request(f"{web_service.base}/api/v1/issued/{doc['id']}.pdf",
                                     headers={"Authorization": f"Bearer {web_service.token}"})
    with urllib.request.urlopen(request, timeout=60) as answer:
        pdf = answer.read()
    pdf_path.write_bytes(pdf)
    anon_page.set_viewport_size(WIDE)
    anon_page.locator("#public-file").set_input_files(str(pdf_path))
    anon_page.get_by_role("button", name="Kiểm tra").click()
    expect(anon_page.locator("#public-check")).to_contain_text("Đúng tệp đã ban hành")
    screenshot(anon_page, "public-verification-check")

    changed = bytearray(pdf)
    changed[len(changed) // 2] ^= 0x01
    pdf_path.write_bytes(bytes(changed))
    anon_page.locator("#public-file").set_input_files(str(pdf_path))
    anon_page.get_by_role("button", name="Kiểm tra").click()
    expect(anon_page.locator("#public-check")).to_contain_text("Không phải tệp đã ban hành")


def test_unknown_and_malformed_codes_look_alike(anon_page):
    unknown = anon_page.goto("/xac-minh/0000-0000-0000-0000")
    unknown_text = anon_page.locator("main").inner_text()
    malformed = anon_page.goto("/xac-minh/khong-phai-ma")
    assert unknown.status == malformed.status == 404
    assert anon_page.locator("main").inner_text() == unknown_text
    assert "Không tìm thấy văn bản" in unknown_text
    screenshot(anon_page, "public-verification-unknown")
