"""Signing in the issue flow and the checks over HTTP and the CLI: with THIDUA_SIGNING_PKCS12
set, what the register issues is signed by the agency (the stored file and its hash the
signed file's) unless the request says ``"sign": false``; ``POST /api/v1/verify`` finds the
issued document by the file's SHA-256 and reports its signatures; a changed byte is broken;
``python -m service sign`` and ``verify``."""

from __future__ import annotations

import io

import pytest
from click.testing import CliRunner

from tests.support.auth import client_as
from tests.support.register import draft, sha256
from tests.support.signing_pki import PASSWORD, SIGNER

pytest_plugins = ["tests.support.signing_fixtures"]

ISSUED = "/api/v1/issued"
VERIFY = "/api/v1/verify"


@pytest.fixture
def signing_app(tmp_path, pki, images):
    from service import create_app

    return create_app({"DATA_DIR": str(tmp_path / "data"), "TESTING": True,
                       "SIGNING_PKCS12": str(pki.pkcs12("agency")),
                       "SIGNING_PKCS12_PASSWORD": PASSWORD,
                       "SIGNING_TRUST_ROOTS": str(pki.roots_pem),
                       "SIGNING_SEAL_IMAGE": images["seal"]})


@pytest.fixture
def signing_client(signing_app):
    return client_as(signing_app, "clerk")


def issue(client, **extra):
    body = {"document_type": "directive", "payload": draft(), **extra}
    response = client.post(ISSUED, json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def upload(client, content: bytes):
    return client.post(VERIFY, data={"file": (io.BytesIO(content), "van-ban.pdf")},
                       content_type="multipart/form-data")


def test_issued_pdf_is_signed_and_stored_signed(signing_client):
    doc = issue(signing_client)
    pdf = signing_client.get(f"{ISSUED}/{doc['id']}.pdf").data
    assert sha256(pdf) == doc["sha256"]["pdf"]  # the stored file, its hash: the signed one
    answer = upload(signing_client, pdf)
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["hash_matches"] is True
    assert body["issued"]["id"] == doc["id"]
    assert body["issued"]["number_symbol"] == doc["number_symbol"]
    assert [(s["valid"], s["intact"], s["signer"]) for s in body["signatures"]] == [
        (True, True, "Sở Giáo dục và Đào tạo tỉnh Thanh Hóa")]
    assert body["signatures"][0]["signed_at"].endswith("+07:00")
    assert "Hợp lệ" in body["report"]


def test_a_changed_byte_is_broken_at_the_endpoint(signing_client):
    doc = issue(signing_client)
    pdf = bytearray(signing_client.get(f"{ISSUED}/{doc['id']}.pdf").data)
    at = pdf.index(b"stream", 1000) + 30
    pdf[at] ^= 0x01
    body = upload(signing_client, bytes(pdf)).get_json()
    assert body["hash_matches"] is False
    assert body["issued"] is None
    assert body["signatures"]
    assert [s["intact"] for s in body["signatures"]] == [False] * len(body["signatures"])
    assert [s["valid"] for s in body["signatures"]] == [False] * len(body["signatures"])


def test_sign_false_issues_unsigned(signing_client):
    doc = issue(signing_client, sign=False)
    pdf = signing_client.get(f"{ISSUED}/{doc['id']}.pdf").data
    body = upload(signing_client, pdf).get_json()
    assert body["hash_matches"] is True
    assert body["signatures"] == []
    bad = signing_client.post(ISSUED, json={"document_type": "directive",
                                            "payload": draft(), "sign": "no"})
    assert bad.status_code == 422
    assert bad.get_json()["errors"][0]["pointer"] == "/sign"


def test_without_a_key_nothing_is_signed(client):
    doc = issue(client)
    body = upload(client, client.get(f"{ISSUED}/{doc['id']}.pdf").data).get_json()
    assert (body["hash_matches"], body["signatures"]) == (True, [])


def test_verify_wants_a_multipart_file(client):
    assert client.post(VERIFY, json={}).status_code == 415
    missing = client.post(VERIFY, data={}, content_type="multipart/form-data")
    assert missing.status_code == 422
    assert missing.get_json()["errors"][0]["pointer"] == "/file"
    junk = upload(client, b"no pdf here").get_json()
    assert (junk["issued"], junk["hash_matches"], junk["signatures"]) == (None, False, [])


def test_verify_needs_authentication(anon_client):
    assert upload(anon_client, b"%PDF-1.7").status_code == 401


def test_the_openapi_document_describes_verify(client):
    paths = client.get("/api/openapi.json").get_json()["paths"]
    assert "multipart/form-data" in paths[VERIFY]["post"]["requestBody"]["content"]


def test_cli_sign_and_verify(pki, images, decision_pdf, tmp_path, monkeypatch):
    from service.cli import main

    monkeypatch.setenv("THIDUA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("THIDUA_SIGNING_TRUST_ROOTS", str(pki.roots_pem))
    monkeypatch.setenv("THIDUA_SIGNING_SEAL_IMAGE", images["seal"])
    source = tmp_path / "qd.pdf"
    source.write_bytes(decision_pdf)
    runner = CliRunner()
    person = runner.invoke(main, [
        "sign", str(source), "-o", str(tmp_path / "p.pdf"), "--as", "person",
        "--signer-name", SIGNER, "--image", images["signature"],
        "--pkcs12", str(pki.pkcs12("person")), "--password", PASSWORD])
    assert person.exit_code == 0, person.output
    agency = runner.invoke(main, [
        "sign", str(tmp_path / "p.pdf"), "-o", str(tmp_path / "pa.pdf"),
        "--signer-name", SIGNER, "--agency", "Sở Giáo dục và Đào tạo",
        "--reference", "1520/QĐ-SGDĐT", "--pkcs12", str(pki.pkcs12("agency")),
        "--password", PASSWORD])
    assert agency.exit_code == 0, agency.output
    checked = runner.invoke(main, ["verify", str(tmp_path / "pa.pdf")])
    assert checked.exit_code == 0, checked.output
    assert "Tệp có 3 chữ ký số." in checked.output
    assert checked.output.count("Hợp lệ") == 3
    unsigned = runner.invoke(main, ["verify", str(source)])
    assert unsigned.exit_code == 1
    assert "không có chữ ký số" in unsigned.output


def test_cli_interrupted_signing(pki, images, decision_pdf, tmp_path, monkeypatch):
    from asn1crypto import pem
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    from service.cli import main
    from service.signing.interrupted import Pending

    monkeypatch.setenv("THIDUA_DATA_DIR", str(tmp_path / "data"))
    source, cert = tmp_path / "qd.pdf", tmp_path / "person.pem"
    source.write_bytes(decision_pdf)
    cert.write_bytes(pem.armor("CERTIFICATE", pki.cert_der("person")))
    runner = CliRunner()
    prepared = runner.invoke(main, [
        "sign", str(source), "-o", str(tmp_path / "cho-ky.json"), "--prepare", str(cert),
        "--as", "person", "--signer-name", SIGNER, "--image", images["signature"]])
    assert prepared.exit_code == 0, prepared.output
    pending = Pending.from_json((tmp_path / "cho-ky.json").read_text())
    value = pki.private_key("person").sign(pending.signed_attrs, padding.PKCS1v15(),
                                           hashes.SHA256())
    (tmp_path / "chu-ky.bin").write_bytes(value)
    finished = runner.invoke(main, ["sign", str(tmp_path / "cho-ky.json"), "-o",
                                    str(tmp_path / "da-ky.pdf"), "--finish",
                                    str(tmp_path / "chu-ky.bin")])
    assert finished.exit_code == 0, finished.output
    checked = runner.invoke(main, ["verify", str(tmp_path / "da-ky.pdf"), "--roots",
                                   str(pki.roots_pem)])
    assert checked.exit_code == 0, checked.output
