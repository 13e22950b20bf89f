"""PDF/A-2b for issued documents (issue 15): chosen per request (``"pdfa": true``) or by the
``PDFA_ISSUED`` setting, signed after conversion. veraPDF cannot be installed here, so this
checks what can be checked with pypdf: the XMP identification (pdfaid:part 2, conformance B),
an sRGB output intent with its ICC profile, every font embedded with a ToUnicode map, no
encryption and no JavaScript; and the signature still validates."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader
from pypdf.generic import IndirectObject

from tests.support.auth import client_as
from tests.support.register import draft
from tests.support.signing_pki import PASSWORD

pytest_plugins = ["tests.support.signing_fixtures"]


@pytest.fixture(params=[False, True], ids=["unsigned", "signed"])
def make_app(request, tmp_path, pki, images):
    from service import create_app

    def make(**settings):
        signing = {"SIGNING_PKCS12": str(pki.pkcs12("agency")),
                   "SIGNING_PKCS12_PASSWORD": PASSWORD,
                   "SIGNING_TRUST_ROOTS": str(pki.roots_pem),
                   "SIGNING_SEAL_IMAGE": images["seal"]} if request.param else {}
        return create_app({"DATA_DIR": str(tmp_path / "data"), "TESTING": True, **signing,
                           **settings})

    make.signed = request.param
    return make


def issue(app, **extra) -> tuple[dict, bytes]:
    client = client_as(app, "clerk")
    response = client.post("/api/v1/issued", json={"document_type": "directive",
                                                   "payload": draft(), **extra})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    return body, client.get(f"/api/v1/issued/{body['id']}.pdf").data


def _resolve(obj):
    return obj.get_object() if isinstance(obj, IndirectObject) else obj


def fonts(reader: PdfReader):
    seen = {}
    for page in reader.pages:
        resources = _resolve(page.get("/Resources")) or {}
        for font in (_resolve(resources.get("/Font")) or {}).values():
            seen[id(_resolve(font))] = _resolve(font)
    return list(seen.values())


def embedded(font) -> bool:
    if font.get("/Subtype") == "/Type0":
        font = _resolve(font["/DescendantFonts"][0])
    descriptor = _resolve(font.get("/FontDescriptor")) or {}
    return any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))


def pdfa_problems(pdf: bytes) -> list[str]:
    reader = PdfReader(io.BytesIO(pdf))
    problems = []
    root = reader.trailer["/Root"]
    xmp = _resolve(root["/Metadata"]).get_data().decode("utf-8") if "/Metadata" in root else ""
    if not re.search(r"pdfaid:part(>|=\")2", xmp):
        problems.append("no pdfaid:part 2")
    if not re.search(r"pdfaid:conformance(>|=\")B", xmp):
        problems.append("no pdfaid:conformance B")
    intents = [_resolve(i) for i in _resolve(root.get("/OutputIntents")) or []]
    if not any(i.get("/S") == "/GTS_PDFA1" and "/DestOutputProfile" in i for i in intents):
        problems.append("no PDF/A output intent with an ICC profile")
    if intents and not ("sRGB" in str(intents[0].get("/OutputConditionIdentifier")) and
                        _resolve(intents[0]["/DestOutputProfile"]).get_data()[12:20]
                        == b"mntrRGB "):
        problems.append("the output intent is not sRGB")
    for font in fonts(reader):
        if not embedded(font):
            problems.append(f"font {font.get('/BaseFont')} not embedded")
        if "/ToUnicode" not in font:
            problems.append(f"font {font.get('/BaseFont')} without ToUnicode")
    if reader.is_encrypted:
        problems.append("encrypted")
    if b"/JavaScript" in pdf or b"/JS " in pdf or b"/JS(" in pdf:
        problems.append("JavaScript")
    return problems


def test_a_request_asks_for_pdfa(make_app):
    app = make_app()
    _, pdf = issue(app, pdfa=True)
    assert pdfa_problems(pdf) == []
    assert len(fonts(PdfReader(io.BytesIO(pdf)))) > 0
    _, plain = issue(app)
    assert "no pdfaid:part 2" in pdfa_problems(plain)
    if make_app.signed:  # signed after conversion: the signature covers the PDF/A file
        from service.signing.validate import verify_pdf

        report = verify_pdf(pdf, app.config["SIGNING_TRUST_ROOTS"])
        assert report.all_valid, report.text()
        assert b"/Metadata" in pdf[:pdf.rfind(b"/ByteRange")]


def test_the_setting_makes_pdfa_the_default_and_a_request_can_refuse(make_app):
    app = make_app(PDFA_ISSUED=True)
    _, pdf = issue(app)
    assert pdfa_problems(pdf) == []
    _, plain = issue(app, pdfa=False)
    assert "no pdfaid:part 2" in pdfa_problems(plain)


def test_pdfa_must_be_a_boolean(make_app):
    client = client_as(make_app(), "clerk")
    response = client.post("/api/v1/issued", json={"document_type": "directive",
                                                   "payload": draft(), "pdfa": "yes"})
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["pointer"] == "/pdfa"
