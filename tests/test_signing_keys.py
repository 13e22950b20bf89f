"""The agency's key where agencies keep it: a PKCS#11 token (Debian's SoftHSM2 through
python-pkcs11) and a remote service speaking the Cloud Signature Consortium API
(certomancer-csc-dummy); each signature validates against the test root."""

from __future__ import annotations

import pytest

from tests.support.signing_pki import SIGNER, options

pytest_plugins = ["tests.support.signing_fixtures"]

AGENCY = "Sở Giáo dục và Đào tạo tỉnh Thanh Hóa"


def sign_with(source, pki, images, pdf, **opts):
    from service.signing import sign

    return sign.run(sign.sign_agency(pdf, source, SIGNER, "Sở Giáo dục và Đào tạo",
                                     "1520/QĐ-SGDĐT", options(pki, images, **opts)))


def check(pdf, pki, *, timestamped: bool):
    from service.signing.validate import verify_pdf

    report = verify_pdf(pdf, str(pki.roots_pem))
    assert report.all_valid, report.text()
    assert {(s.signer, s.intact, s.trusted, s.timestamped) for s in report.signatures} == {
        (AGENCY, True, True, timestamped)}


def test_key_source_from_the_settings(tmp_path):
    from service.signing.keys import CscKey, Pkcs11Key, Pkcs12Key, key_source

    assert key_source({}) is None
    assert key_source({"SIGNING_PKCS12": "a.p12", "SIGNING_PKCS12_PASSWORD": "x",
                       "SIGNING_CSC_URL": "http://x"}) == Pkcs12Key("a.p12", "x")
    assert key_source({"SIGNING_PKCS11_MODULE": "/m.so", "SIGNING_PKCS11_TOKEN": "t",
                       "SIGNING_PKCS11_PIN": "1"}) == Pkcs11Key("/m.so", "t", "", "1")
    assert key_source({"SIGNING_CSC_URL": "http://csc/", "SIGNING_CSC_CREDENTIAL": "c"}) == \
        CscKey("http://csc", "c", "")


def test_a_wrong_pkcs12_password_says_so(pki, images, decision_pdf):
    from service.signing.keys import KeySourceError, Pkcs12Key

    with pytest.raises(KeySourceError, match="PKCS#12"):
        sign_with(Pkcs12Key(str(pki.pkcs12("agency")), "sai"), pki, images, decision_pdf)


@pytest.mark.slow
def test_pkcs11_token_softhsm2(pki, images, decision_pdf, softhsm):
    from service.signing.keys import key_source

    source = key_source(softhsm)
    check(sign_with(source, pki, images, decision_pdf, tsa=True), pki, timestamped=True)


def test_pkcs11_wrong_pin_is_a_key_source_error(pki, images, decision_pdf, softhsm):
    from service.signing.keys import KeySourceError, key_source

    source = key_source(dict(softhsm, SIGNING_PKCS11_PIN="0000"))
    with pytest.raises(KeySourceError, match="PKCS#11"):
        sign_with(source, pki, images, decision_pdf)


@pytest.mark.slow
def test_csc_remote_service(pki, images, decision_pdf, csc):
    from service.signing.keys import key_source

    source = key_source({"SIGNING_CSC_URL": csc.url, "SIGNING_CSC_CREDENTIAL": "thidua/agency",
                         "SIGNING_CSC_TOKEN": "dummy"})
    check(sign_with(source, pki, images, decision_pdf), pki, timestamped=False)
    check(sign_with(source, pki, images, decision_pdf, tsa=True), pki, timestamped=True)


def test_csc_unreachable_is_a_key_source_error(pki, images, decision_pdf):
    from service.signing.keys import CscKey, KeySourceError
    from tests.support.signing_pki import free_port

    source = CscKey(f"http://127.0.0.1:{free_port()}", "thidua/agency")
    with pytest.raises(KeySourceError, match="dịch vụ ký số từ xa"):
        sign_with(source, pki, images, decision_pdf)
