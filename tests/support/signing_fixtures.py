"""Fixtures of the signing tests (``pytest_plugins = ["tests.support.signing_fixtures"]``):
one test PKI per session (certomancer: CA, TSA, CRL over HTTP), the images, a rendered
decision with an attached list, the CSC dummy service, a SoftHSM2 token."""

from __future__ import annotations

import shutil

import pytest

from tests.conftest import ROOT, load_sample
from tests.support import signing_pki


@pytest.fixture(scope="session")
def pki(tmp_path_factory):
    pki = signing_pki.start_pki(tmp_path_factory.mktemp("pki"))
    yield pki
    pki.close()


@pytest.fixture(scope="session")
def images(tmp_path_factory):
    root = tmp_path_factory.mktemp("images")
    return {"seal": str(signing_pki.seal_png(root / "seal.png")),
            "signature": str(signing_pki.signature_png(root / "signature.png"))}


@pytest.fixture(scope="session")
def decision_pdf() -> bytes:
    """The sample decision (its list of awardees attached on page 2) as rendered."""
    from service import registry, rendering

    doc_type = registry.require("commendation_decision")
    return rendering.render(doc_type, load_sample("commendation_decision"),
                            registry.Format.PDF, templates_dir=ROOT / "doc_templates").content


@pytest.fixture(scope="session")
def csc(pki):
    server = signing_pki.CscServer(pki)
    yield server
    server.close()


@pytest.fixture(scope="session")
def softhsm(pki, tmp_path_factory):
    if shutil.which("softhsm2-util") is None:
        pytest.skip("softhsm2 is not installed (scripts/setup.sh --test installs it)")
    return signing_pki.softhsm_token(pki, tmp_path_factory.mktemp("softhsm"))
