"""Signing certificates with the agency's PKCS#12 key: signatures per second and memory.

1.000 certificates (the sample certificate, rendered once per distinct recipient of a small
set and cycled: what is measured is the signing, not the rendering), each signed as the
register signs what it issues: the signature gap found from the PDF's text, the seal and the
agency's information drawn, PAdES B-B (no time-stamp authority: that is a network round trip
per signature, measured by the TSA, not by us). Printed: signatures per second over the
whole run, the median per signature, the peak RSS and its growth from the first hundred
signatures to the end (a leak would show there).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.common import ROOT, peak_rss_mb, sample

RECIPIENTS = ["Nguyễn Văn An", "Trần Thị Bình", "Lê Hữu Cường", "Phạm Minh Dũng", "Hoàng Thu Hà"]


def make_key(folder: Path) -> tuple[Path, str]:
    """A self-signed RSA-2048 seal certificate in a PKCS#12 file."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Sở Khoa học và Công nghệ")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=30))
            .sign(key, hashes.SHA256()))
    path = folder / "seal.p12"
    path.write_bytes(pkcs12.serialize_key_and_certificates(
        b"bench", key, cert, None, BestAvailableEncryption(b"bench")))
    return path, "bench"


def make_seal(folder: Path) -> Path:
    from PIL import Image, ImageDraw

    img = Image.new("RGBA", (300, 300), (0, 0, 0, 0))
    ImageDraw.Draw(img).ellipse((10, 10, 290, 290), outline=(220, 0, 0, 255), width=14)
    path = folder / "seal.png"
    img.save(path)
    return path


def certificates() -> list[tuple[bytes, str]]:
    from service import registry, rendering

    doc_type = registry.require("certificate")
    out = []
    for name in RECIPIENTS:
        payload = sample("certificate")
        payload["recipient_name"] = name
        pdf = rendering.render(doc_type, payload, registry.Format.PDF,
                               templates_dir=ROOT / "doc_templates").content
        out.append((pdf, payload["signer"]["name"]))
    return out


async def sign_all(docs, source, options, count: int) -> tuple[list[float], float]:
    from service.signing import sign

    times, rss_at_100 = [], 0.0
    for i in range(count):
        pdf, signer = docs[i % len(docs)]
        started = time.perf_counter()
        await sign.sign_agency(pdf, source, signer, "Sở Khoa học và Công nghệ",
                               f"{i + 1:05d}/GK", options)
        times.append(time.perf_counter() - started)
        if i == 99:
            rss_at_100 = peak_rss_mb()
    return times, rss_at_100


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=1000)
    args = parser.parse_args(argv)
    from service.signing import keys, sign
    from service.signing.appearance import Look

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path, password = make_key(folder)
        source = keys.LoadedKey(keys.load_pkcs12(keys.Pkcs12Key(str(path), password)))
        options = sign.Options(look=Look(seal_image=str(make_seal(folder))))
        docs = certificates()
        rss_before = peak_rss_mb()
        started = time.perf_counter()
        times, rss_at_100 = asyncio.run(sign_all(docs, source, options, args.count))
        wall = time.perf_counter() - started
    print(f"signed {args.count} certificates (PKCS#12, RSA-2048, PAdES B-B, seal + info)")
    print(f"  {args.count / wall:.1f} signatures/s over {wall:.1f} s; median "
          f"{statistics.median(times) * 1000:.0f} ms, p95 "
          f"{sorted(times)[int(len(times) * 0.95) - 1] * 1000:.0f} ms")
    print(f"  peak RSS {peak_rss_mb():.0f} MB (before signing {rss_before:.0f} MB, after 100 "
          f"signatures {rss_at_100:.0f} MB)")


if __name__ == "__main__":
    main()
