"""Digital signatures (issue 15): PAdES with a PKCS#12 key, B-B, B-T (certomancer's TSA) and
B-LT; the signer's then the agency's signature on one decision, both valid; Decree 30's
places on the rendered page; interrupted signing; a changed byte is reported broken."""

from __future__ import annotations

import io
import re

import pdfplumber
import pytest
from pypdf import PdfReader

from tests.support.signing_pki import SIGNER, options, pkcs12

pytest_plugins = ["tests.support.signing_fixtures"]

MM = 72 / 25.4


def sign_agency(pdf, pki, opts, label="agency"):
    from service.signing import sign

    return sign.run(sign.sign_agency(pdf, pkcs12(pki, label), SIGNER,
                                     "Sở Giáo dục và Đào tạo", "1520/QĐ-SGDĐT", opts))


def sign_person(pdf, pki, images, opts):
    from service.signing import sign

    return sign.run(sign.sign_person(pdf, pkcs12(pki, "person"), SIGNER, images["signature"],
                                     opts))


def verify(pdf, pki):
    from service.signing.validate import verify_pdf

    return verify_pdf(pdf, str(pki.roots_pem))


def widgets(pdf: bytes) -> dict[str, tuple[int, list[float]]]:
    """Signature field name → (page index, [x0, y0, x1, y1])."""
    found = {}
    for index, page in enumerate(PdfReader(io.BytesIO(pdf)).pages):
        for annot in page.get("/Annots") or []:
            annot = annot.get_object()
            if annot.get("/FT") == "/Sig":
                found[str(annot["/T"])] = (index, [float(v) for v in annot["/Rect"]])
    return found


def text_box(pdf: bytes, page: int, text: str) -> dict:
    """x0, x1, top, bottom (pdfplumber: from the page's top) of the last line with ``text``."""
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        words = doc.pages[page].extract_words()
        height = float(doc.pages[page].height)
    parts = text.split()
    for i in range(len(words) - len(parts), -1, -1):
        run = words[i:i + len(parts)]
        if [w["text"] for w in run] == parts:
            return {"x0": min(w["x0"] for w in run), "x1": max(w["x1"] for w in run),
                    "top": min(w["top"] for w in run),
                    "bottom": max(w["bottom"] for w in run), "height": height}
    raise AssertionError(f"{text!r} not on page {page}")


def test_pkcs12_signature_is_intact_and_trusted(pki, images, decision_pdf):
    signed = sign_agency(decision_pdf, pki, options(pki, images))
    assert signed.startswith(decision_pdf)  # an incremental update: the rendered bytes kept
    report = verify(signed, pki)
    assert report.readable
    assert report.all_valid
    first = report.signatures[0]
    assert (first.intact, first.trusted, first.valid) == (True, True, True)
    assert first.signer == "Sở Giáo dục và Đào tạo tỉnh Thanh Hóa"
    assert first.issuer == "CA gốc thử nghiệm"
    assert not first.timestamped  # B-B: the time the signer's computer claimed
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00", first.signed_at)
    assert "Hợp lệ" in report.text()


def test_untrusted_root_is_reported_not_trusted(pki, images, decision_pdf):
    from service.signing.validate import verify_pdf

    signed = sign_agency(decision_pdf, pki, options(pki, images))
    report = verify_pdf(signed, "")
    assert [(s.intact, s.trusted, s.valid) for s in report.signatures] == [
        (True, False, False)] * len(report.signatures)
    assert "KHÔNG được tin cậy" in report.text()


def test_timestamp_authority_makes_b_t(pki, images, decision_pdf):
    import asyncio

    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import async_validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    from service.signing.sign import trust_roots

    signed = sign_agency(decision_pdf, pki, options(pki, images, tsa=True))
    report = verify(signed, pki)
    assert report.all_valid
    assert all(s.timestamped for s in report.signatures)
    # pyHanko's own status: the time-stamp token checks against the test root too
    sig = PdfFileReader(io.BytesIO(signed)).embedded_signatures[0]
    status = asyncio.run(async_validate_pdf_signature(
        sig, ValidationContext(trust_roots=trust_roots(str(pki.roots_pem)))))
    assert status.timestamp_validity is not None
    assert status.timestamp_validity.intact
    assert status.timestamp_validity.trusted
    assert status.bottom_line


def test_revocation_data_is_embedded_when_reachable(pki, images, decision_pdf):
    signed = sign_agency(decision_pdf, pki, options(pki, images, tsa=True, lt=True))
    root = PdfReader(io.BytesIO(signed)).trailer["/Root"]
    assert "/DSS" in root  # B-LT: the CRL and certificates in the document security store
    assert root["/DSS"].get("/CRLs")
    assert verify(signed, pki).all_valid


def other_root(path):
    """A self-signed certificate of another CA, as PEM."""
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Another root")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(1).not_valid_before(now)
            .not_valid_after(now + timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return path


def test_unreachable_revocation_data_falls_back_to_b_t(pki, images, decision_pdf, tmp_path):
    from service.signing.sign import Options

    opts = options(pki, images, tsa=True, lt=True)
    # roots without the chain's CA: no path to fetch revocation data along
    opts = Options(opts.tsa_url, str(other_root(tmp_path / "other.pem")), True, opts.look)
    signed = sign_agency(decision_pdf, pki, opts)
    assert "/DSS" not in PdfReader(io.BytesIO(signed)).trailer["/Root"]
    report = verify(signed, pki)
    assert report.all_valid
    assert all(s.timestamped for s in report.signatures)


def test_person_then_agency_both_valid_in_order(pki, images, decision_pdf):
    opts = options(pki, images, tsa=True)
    by_person = sign_person(decision_pdf, pki, images, opts)
    both = sign_agency(by_person, pki, opts)
    assert both.startswith(by_person)
    report = verify(both, pki)
    assert [s.field for s in report.signatures] == [
        "ChuKyNguoiKy", "ChuKyCoQuan", "ChuKyCoQuanPhuLuc"]
    assert [s.signer for s in report.signatures] == [
        SIGNER, *["Sở Giáo dục và Đào tạo tỉnh Thanh Hóa"] * 2]
    assert all(s.valid and s.intact and s.trusted for s in report.signatures)
    assert not report.signatures[0].covers_whole_file  # later revisions, allowed ones


def test_signature_images_stand_where_the_settings_say(pki, images, decision_pdf):
    opts = options(pki, images, tsa=False, seal_mm=30.0, signature_width_mm=45.0)
    signed = sign_agency(sign_person(decision_pdf, pki, images, opts), pki, opts)
    placed = widgets(signed)
    position = text_box(decision_pdf, 0, "PHÓ GIÁM ĐỐC")
    name = text_box(decision_pdf, 0, SIGNER)
    height = name["height"]
    page, (x0, y0, x1, y1) = placed["ChuKyNguoiKy"]
    assert page == 0
    # between the position's last line and the name, centred on the signer's column
    assert y1 <= height - position["bottom"] + 1
    assert y0 >= height - name["top"] - 1
    assert abs((x0 + x1) / 2 - (name["x0"] + name["x1"]) / 2) < 6
    assert x1 - x0 == pytest.approx(45 * MM, abs=1)  # SIGNING_SIGNATURE_WIDTH_MM
    page, (s0, *_) = placed["ChuKyCoQuan"]
    assert page == 0
    seal_right = s0 + 30 * MM
    assert abs(seal_right - (x0 + (x1 - x0) / 3)) <= 1.5  # the seal over the left third
    page, (a0, _, a1, a3) = placed["ChuKyCoQuanPhuLuc"]
    assert page == 1  # the attached list's first page, top right
    assert a1 == pytest.approx(595.28 - 20 * MM, abs=1)
    assert a3 == pytest.approx(841.89 - 10 * MM, abs=1)
    assert a0 > 595.28 / 2


def test_attachment_info_is_a_setting(pki, images, decision_pdf):
    signed = sign_agency(decision_pdf, pki, options(pki, images, attachment_info=False))
    assert set(widgets(signed)) == {"ChuKyCoQuan"}


def test_the_gap_follows_the_text_not_the_template(decision_pdf):
    from service.signing.placement import PlacementError, signature_gap

    gap = signature_gap(decision_pdf, SIGNER)
    name = text_box(decision_pdf, 0, SIGNER)
    assert gap.page == 0
    assert gap.bottom == pytest.approx(name["height"] - name["top"], abs=2)
    with pytest.raises(PlacementError, match="Không tìm thấy tên người ký"):
        signature_gap(decision_pdf, "Người Không Có")


def test_interrupted_signing(pki, images, decision_pdf):
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    from service.signing import interrupted, sign

    opts = options(pki, images, tsa=True)
    stamp = sign.person_stamp(decision_pdf, SIGNER, images["signature"], opts.look)
    pending = sign.run(interrupted.prepare(decision_pdf, pki.cert_der("person"), stamp, opts))
    kept = interrupted.Pending.from_json(pending.to_json())  # waits anywhere as JSON
    # on the signer's machine: their key signs the signed attributes
    value = pki.private_key("person").sign(kept.signed_attrs, padding.PKCS1v15(),
                                           hashes.SHA256())
    signed = sign.run(interrupted.finish(kept, value, opts))
    report = verify(signed, pki)
    assert [(s.signer, s.valid, s.timestamped) for s in report.signatures] == [
        (SIGNER, True, True)]
    wrong = sign.run(interrupted.finish(kept, bytes(len(value)), opts))
    assert not verify(wrong, pki).signatures[0].valid


def test_a_changed_byte_is_reported_broken(pki, images, decision_pdf):
    signed = bytearray(sign_agency(decision_pdf, pki, options(pki, images)))
    text = signed.index(b"stream", 2000)  # a byte inside the first page's content
    signed[text + 20] ^= 0x01
    report = verify(bytes(signed), pki)
    assert report.signatures
    assert not any(s.intact for s in report.signatures)
    assert "KHÔNG NGUYÊN VẸN" in report.text()
    assert not verify(b"not a pdf", pki).readable


def test_signing_time_is_iso_8601_in_vietnam():
    from datetime import UTC, datetime

    from service.signing.appearance import signing_time

    assert signing_time(datetime(2026, 12, 7, 20, 5, 9, tzinfo=UTC)) == \
        "2026-12-08T03:05:09+07:00"
