"""The public verification page /xac-minh/<code> (issue 15) without a browser: what it shows,
unknown and malformed codes answered alike, no listing, no cookie, the PDF check (the issued
file; a changed byte broken), the rate limit, masked names, and the QR on a certificate:
vector in the PDF, an image in the DOCX, read back by zbarimg."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

from service import registry, rendering
from service.register.views import IssuedView
from service.web.public import facts, mask
from tests.support.auth import client_as
from tests.support.register import draft
from tests.support.signing_pki import PASSWORD

pytest_plugins = ["tests.support.signing_fixtures"]

ROOT = Path(__file__).resolve().parent.parent
CODE = "7K3M-Q9TX-2B8R-H4WD"


@pytest.fixture
def signing_app(tmp_path, pki, images):
    from service import create_app

    return create_app({"DATA_DIR": str(tmp_path / "data"), "TESTING": True,
                       "SIGNING_PKCS12": str(pki.pkcs12("agency")),
                       "SIGNING_PKCS12_PASSWORD": PASSWORD,
                       "SIGNING_TRUST_ROOTS": str(pki.roots_pem),
                       "SIGNING_SEAL_IMAGE": images["seal"], "PUBLIC_RATE_LIMIT": 1000})


def issued(app):
    clerk = client_as(app, "clerk")
    response = clerk.post("/api/v1/issued",
                          json={"document_type": "directive", "payload": draft()})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    return body, clerk.get(f"/api/v1/issued/{body['id']}.pdf").data


def check(client, code, content: bytes):
    return client.post(f"/xac-minh/{code}", data={"file": (io.BytesIO(content), "vb.pdf")},
                       content_type="multipart/form-data")


def test_the_page_shows_what_the_document_prints_and_sets_no_cookie(signing_app):
    body, _ = issued(signing_app)
    page = signing_app.test_client().get(f"/xac-minh/{body['verification_code']}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    for shown in (body["number_symbol"], "02/03/2026", body["issuer_name"], "chưa bị hủy",
                  body["verification_code"]):
        assert shown in text
    assert body["summary"] not in text  # nothing more than the document's heading facts
    assert body["signer"]["name"] not in text
    assert "Set-Cookie" not in page.headers
    assert page.headers["Cache-Control"] == "no-store"
    assert "noindex" in page.headers["X-Robots-Tag"]


def test_unknown_and_malformed_codes_answer_alike_and_nothing_is_listed(signing_app):
    issued(signing_app)
    client = signing_app.test_client()
    answers = [client.get(f"/xac-minh/{code}") for code in (
        "0000-0000-0000-0000", "ZZZZ-ZZZZ-ZZZZ-ZZZZ", "not-a-code", "<script>x</script>",
        "ABCD", "..%2F..%2Fetc%2Fpasswd", "7K3M-Q9TX-2B8R-H4WD-0000")]
    answers += [client.get("/xac-minh"), client.get("/xac-minh/"),
                client.post("/xac-minh/0000-0000-0000-0000", data={})]
    assert {a.status_code for a in answers} == {404}
    assert len({a.data for a in answers}) == 1
    assert "not-a-code" not in answers[2].get_data(as_text=True)


def test_the_issued_file_checks_and_a_changed_byte_is_broken(signing_app):
    body, pdf = issued(signing_app)
    client = signing_app.test_client()
    good = check(client, body["verification_code"].lower(), pdf).get_data(as_text=True)
    assert "Đúng tệp đã ban hành" in good
    assert "Chữ ký số hợp lệ" in good
    changed = bytearray(pdf)
    changed[len(changed) // 3] ^= 0x01
    bad = check(client, body["verification_code"], bytes(changed)).get_data(as_text=True)
    assert "Không phải tệp đã ban hành" in bad
    assert "Chữ ký số hợp lệ" not in bad
    empty = check(client, body["verification_code"], b"").get_data(as_text=True)
    assert "Chọn tệp PDF" in empty


def test_a_signed_in_clerks_check_is_the_publics(signing_app):
    from tests.support.auth import user_client

    body, pdf = issued(signing_app)
    clerk = user_client(signing_app, "clerk")  # a session cookie, no CSRF header
    answer = check(clerk, body["verification_code"], pdf)
    assert answer.status_code == 200
    assert "Đúng tệp đã ban hành" in answer.get_data(as_text=True)


def test_a_voided_document_says_so(signing_app):
    body, _ = issued(signing_app)
    admin = client_as(signing_app, "admin")
    assert admin.post(f"/api/v1/issued/{body['id']}/void",
                      json={"reason": "Sai trích yếu"}).status_code == 200
    text = signing_app.test_client().get(
        f"/xac-minh/{body['verification_code']}").get_data(as_text=True)
    assert "đã bị hủy" in text
    assert "Sai trích yếu" not in text


def test_the_public_page_has_its_own_rate_limit(tmp_path):
    from service import create_app

    app = create_app({"DATA_DIR": str(tmp_path), "TESTING": True, "PUBLIC_RATE_LIMIT": 3})
    client = app.test_client()
    statuses = [client.get("/xac-minh/0000-0000-0000-0000").status_code for _ in range(5)]
    assert statuses[:3] == [404, 404, 404]
    assert statuses[3:] == [429, 429]
    assert int(client.get("/xac-minh/x").headers["Retry-After"]) >= 1


def test_a_certificates_facts_and_masked_names():
    doc = IssuedView(id="x", document_type="certificate", scope="s", year=2025, number=7,
                     number_text="07", symbol="GK-SGDĐT", date=date(2025, 12, 5),
                     summary="", issuer_name="Sở Giáo dục và Đào tạo", signer_name="A",
                     signer_position="B", recipients=(), issued_by="k",
                     issued_at=None, sha256={}, files={})  # type: ignore[arg-type]
    payload = json.loads((ROOT / "samples" / "certificate.json").read_text(encoding="utf-8"))
    shown = dict(facts(doc, payload, masked=False))
    assert shown["Người nhận"] == "Lê Thị Thu Hà"
    assert shown["Hình thức"] == "Giấy khen"
    assert dict(facts(doc, payload, masked=True))["Người nhận"] == "Lê T. T. H."
    assert mask("Hà") == "H."


# ---------------------------------------------------------------- the QR on a certificate

def certificate(code: str | None = CODE, **changes):
    payload = json.loads((ROOT / "samples" / "certificate.json").read_text(encoding="utf-8"))
    if code:
        payload["verification_code"] = code
    return {**payload, **changes}


def render(payload, fmt: str) -> bytes:
    return rendering.render(registry.require("certificate"), payload, registry.Format(fmt),
                            templates_dir=ROOT / "doc_templates").content


def zbar(pdf: bytes, tmp_path: Path, dpi: int = 100) -> list[str]:
    if shutil.which("zbarimg") is None:
        pytest.fail("zbarimg is missing: run scripts/setup.sh --test (zbar-tools)",
                    pytrace=False)
    (tmp_path / "c.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", "-singlefile", str(tmp_path / "c.pdf"),
                    str(tmp_path / "c")], check=True)
    out = subprocess.run(["zbarimg", "-q", "--raw", str(tmp_path / "c.png")],
                         capture_output=True, text=True)
    return out.stdout.split()


@pytest.mark.parametrize("profile", ["a4-landscape", "a3-landscape"])
def test_the_qr_holds_the_public_address_and_is_vector(tmp_path, monkeypatch, profile):
    from pypdf import PdfReader

    monkeypatch.setenv("THIDUA_PUBLIC_URL", "https://thidua.example.gov.vn/")
    pdf = render(certificate(profile=profile), "pdf")
    assert zbar(pdf, tmp_path) == [f"https://thidua.example.gov.vn/xac-minh/{CODE}"]
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    assert not page["/Resources"].get("/XObject")  # drawn as paths, no image
    assert CODE in page.extract_text()


def test_no_code_no_qr_and_qr_false_turns_it_off(tmp_path):
    assert zbar(render(certificate(None), "pdf"), tmp_path) == []
    assert zbar(render(certificate(qr=False), "pdf"), tmp_path) == []


def test_the_docx_carries_the_qr_as_an_image():
    import zipfile

    import segno  # noqa: F401  (the same matrix as the PDF's)

    payload = certificate(verification_url=f"https://a.example/xac-minh/{CODE}")
    with zipfile.ZipFile(io.BytesIO(render(payload, "docx"))) as docx:
        assert "word/media/qr.png" in docx.namelist()
        assert b"rIdThiduaQr" in docx.read("word/document.xml")
        png = docx.read("word/media/qr.png")
    assert png.startswith(b"\x89PNG")


def test_a_malformed_code_is_refused_by_the_certificate():
    from service.core_errors import InvalidPayload

    with pytest.raises(InvalidPayload):
        rendering.validate(registry.require("certificate"), certificate("ABCD-EFGH"))
