"""A test PKI for the signing tests, made by certomancer: a root CA, the agency's and a
person's certificates, a time-stamping authority and the root's CRL, served over HTTP from
this process (certomancer's Animator on werkzeug); the CSC dummy service on the same PKI;
a SoftHSM2 token holding the agency's key."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from PIL import Image, ImageDraw

ARCH = "thidua"
PASSWORD = "mat-khau-thu"
SOFTHSM = "/usr/lib/softhsm/libsofthsm2.so"
PIN = "1234"
SIGNER = "Lê Thị Hồng Nhung"  # samples/commendation_decision.json's signer

CONFIG = """
external-url-prefix: "{url}"
keysets:
  thidua:
    path-prefix: keys
    keys:
      root: {{path: root.key.pem}}
      tsa: {{path: tsa.key.pem}}
      agency: {{path: agency.key.pem}}
      person: {{path: person.key.pem}}
pki-architectures:
  thidua:
    keyset: thidua
    entity-defaults:
      country-name: VN
      organization-name: Sở Giáo dục và Đào tạo (thử)
    entities:
      root: {{common-name: CA gốc thử nghiệm}}
      tsa: {{common-name: Dịch vụ cấp dấu thời gian thử nghiệm}}
      agency: {{common-name: Sở Giáo dục và Đào tạo tỉnh Thanh Hóa}}
      person: {{common-name: Lê Thị Hồng Nhung}}
    certs:
      root:
        subject: root
        issuer: root
        validity: {{valid-from: "2020-01-01T00:00:00+0000", valid-to: "2060-01-01T00:00:00+0000"}}
        profiles:
          - id: simple-ca
            params: {{crl-repo: root}}
      tsa:
        issuer: root
        validity: {{valid-from: "2020-01-01T00:00:00+0000", valid-to: "2050-01-01T00:00:00+0000"}}
        extensions:
          - id: key_usage
            critical: true
            smart-value: {{schema: key-usage, params: [digital_signature]}}
          - id: extended_key_usage
            critical: true
            value: [time_stamping]
          - id: crl_distribution_points
            smart-value: {{schema: crl-dist-url, params: {{crl-repo-names: [root]}}}}
      agency:
        issuer: root
        validity: {{valid-from: "2020-01-01T00:00:00+0000", valid-to: "2050-01-01T00:00:00+0000"}}
        profiles: [digsig-commitment]
        extensions:
          - id: crl_distribution_points
            smart-value: {{schema: crl-dist-url, params: {{crl-repo-names: [root]}}}}
      person:
        template: agency
        subject: person
        subject-key: person
    services:
      crl-repo:
        root: {{for-issuer: root, signing-key: root, simulated-update-schedule: "P30D"}}
      time-stamping:
        tsa: {{signing-key: tsa, signing-cert: tsa}}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _write_key(path: Path) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                       serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))


@dataclass
class Pki:
    root_dir: Path
    url: str
    arch: object
    config: object
    server: object = None

    @property
    def roots_pem(self) -> Path:
        return self.root_dir / "roots.pem"

    @property
    def tsa_url(self) -> str:
        return f"{self.url}/{ARCH}/tsa/tsa"

    def pkcs12(self, label: str) -> Path:
        path = self.root_dir / f"{label}.p12"
        if not path.exists():
            path.write_bytes(self.arch.package_pkcs12(label, password=PASSWORD.encode()))
        return path

    def cert_der(self, label: str) -> bytes:
        return self.arch.get_cert(label).dump()

    def private_key(self, label: str):
        return serialization.load_pem_private_key(
            (self.root_dir / "keys" / f"{label}.key.pem").read_bytes(), None)

    def close(self) -> None:
        if self.server is not None:
            self.server.shutdown()


def start_pki(root_dir: Path) -> Pki:
    """Keys, the certomancer config and the Animator (CRL, TSA) on a free local port."""
    from certomancer.integrations.animator import Animator, AnimatorArchStore
    from certomancer.registry import CertomancerConfig
    from werkzeug.serving import make_server

    keys = root_dir / "keys"
    keys.mkdir(parents=True, exist_ok=True)
    for label in ("root", "tsa", "agency", "person"):
        _write_key(keys / f"{label}.key.pem")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    config = CertomancerConfig.from_yaml(CONFIG.format(url=url), key_search_dir=str(root_dir))
    arch = config.get_pki_arch(ARCH)
    animator = Animator(AnimatorArchStore(config.pki_archs), with_web_ui=False)
    server = make_server("127.0.0.1", port, animator, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    pki = Pki(root_dir, url, arch, config, server)
    from asn1crypto import pem

    pki.roots_pem.write_bytes(pem.armor("CERTIFICATE", arch.get_cert("root").dump()))
    return pki


class CscServer:
    """certomancer-csc-dummy on the test PKI, in a thread with its own event loop."""

    def __init__(self, pki: Pki) -> None:
        import warnings

        from aiohttp.web_exceptions import NotAppKeyWarning
        from csc_dummy.csc_dummy_server import CSCWithCertomancer

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        with warnings.catch_warnings():  # the dummy keys its app with strings
            warnings.simplefilter("ignore", NotAppKeyWarning)
            self.app = CSCWithCertomancer(pki.config)
        self.app.register_routes()
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        assert self.ready.wait(10)

    def _run(self) -> None:
        from aiohttp import web

        asyncio.set_event_loop(self.loop)
        runner = web.AppRunner(self.app.app)
        self.loop.run_until_complete(runner.setup())
        site = web.TCPSite(runner, "127.0.0.1", self.port)
        self.loop.run_until_complete(site.start())
        self.runner = runner
        self.ready.set()
        self.loop.run_forever()
        self.loop.run_until_complete(runner.cleanup())
        self.loop.close()

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


def softhsm_token(pki: Pki, root_dir: Path, label: str = "thidua") -> dict[str, str]:
    """A SoftHSM2 token in ``root_dir`` holding the agency's key and certificate; the
    environment (SOFTHSM2_CONF) is set for this process."""
    from certomancer.integrations import alchemist

    tokens = root_dir / "tokens"
    tokens.mkdir(parents=True, exist_ok=True)
    conf = root_dir / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {tokens}\nobjectstore.backend = file\n"
                    "log.level = ERROR\n", encoding="utf-8")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", label, "--pin", PIN,
                    "--so-pin", "5678"], check=True, capture_output=True)
    session = alchemist.open_pkcs11_session(SOFTHSM, token_label=label, pin=PIN)
    try:
        backend = alchemist.DefaultAlchemistBackend(session)
        alchemist.Alchemist(backend, pki.arch).store_key_bundles({"agency"})
    finally:
        session.close()
    return {"SIGNING_PKCS11_MODULE": SOFTHSM, "SIGNING_PKCS11_TOKEN": label,
            "SIGNING_PKCS11_KEY": "agency", "SIGNING_PKCS11_PIN": PIN}


def seal_png(path: Path) -> Path:
    """A red ring on a transparent ground, 300×300 px."""
    img = Image.new("RGBA", (300, 300), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    draw.ellipse((10, 10, 290, 290), outline=(220, 0, 0, 255), width=14)
    draw.ellipse((60, 60, 240, 240), outline=(220, 0, 0, 255), width=6)
    img.save(path)
    return path


def signature_png(path: Path) -> Path:
    """A blue scribble on a transparent ground, 400×160 px."""
    img = Image.new("RGBA", (400, 160), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    draw.line([(20, 120), (90, 30), (140, 130), (210, 40), (260, 120), (380, 60)],
              fill=(0, 40, 200, 255), width=8)
    img.save(path)
    return path


def options(pki, images, *, tsa: bool = False, lt: bool = False, **look):
    from service.signing.appearance import Look
    from service.signing.sign import Options

    return Options(tsa_url=pki.tsa_url if tsa else "", trust_roots=str(pki.roots_pem),
                   embed_validation=lt, look=Look(seal_image=images["seal"], **look))


def pkcs12(pki, label: str = "agency"):
    from service.signing.keys import Pkcs12Key

    return Pkcs12Key(str(pki.pkcs12(label)), PASSWORD)
