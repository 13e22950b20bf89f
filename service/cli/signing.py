"""Digital signatures from the command line: sign, verify.

sign FILE.pdf -o OUT.pdf                 the agency's signature (key from THIDUA_SIGNING_*)
sign FILE.pdf -o OUT.pdf --as person --image SIG.png --pkcs12 P.p12   the signer's own
sign FILE.pdf -o PENDING.json --prepare CERT.pem [--as person --image SIG.png]
                                         interrupted: prints the SHA-256 to sign, writes
                                         the pending signature (signed attributes in it)
sign PENDING.json -o OUT.pdf --finish SIGNATURE.bin   embed the signature value
verify FILE.pdf                          every signature checked, a report in Vietnamese
"""

from __future__ import annotations

import sys
from pathlib import Path

import click


def _settings(pkcs12: str | None, password: str | None) -> dict:
    from service.cli.common import load_config

    settings = load_config()
    if pkcs12:
        settings.update(SIGNING_PKCS12=pkcs12, SIGNING_PKCS12_PASSWORD=password or "")
    return settings


def _stamp(pdf: bytes, role: str, signer_name: str, image: str | None, agency: str,
           reference: str, options):  # type: ignore[no-untyped-def]
    from service.signing import appearance, sign

    if role == "person":
        if not image:
            raise click.UsageError("--as person cần --image (ảnh chữ ký PNG).")
        return sign.person_stamp(pdf, signer_name, image, options.look)
    return sign.agency_stamps(pdf, signer_name, agency, reference, options.look,
                              appearance.signing_time())[0]


def _sign_now(pdf: bytes, settings: dict, role: str, signer_name: str, image: str | None,
              agency: str, reference: str) -> bytes:
    from service.signing import keys, sign

    source = keys.key_source(settings)
    if source is None:
        raise click.UsageError("Chưa có khóa ký: đặt THIDUA_SIGNING_PKCS12 (hoặc PKCS#11, "
                               "CSC) hoặc dùng --pkcs12.")
    options = sign.Options.from_settings(settings)
    if role == "person":
        if not image:
            raise click.UsageError("--as person cần --image (ảnh chữ ký PNG).")
        return sign.run(sign.sign_person(pdf, source, signer_name, image, options))
    return sign.run(sign.sign_agency(pdf, source, signer_name, agency, reference, options))


@click.command("sign")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="Tệp PDF đã ký (hoặc tệp JSON chờ ký với --prepare).")
@click.option("--as", "role", type=click.Choice(["agency", "person"]), default="agency",
              show_default=True, help="Chữ ký của cơ quan (dấu) hay của người ký (ảnh chữ ký).")
@click.option("--signer-name", default="", help="Họ tên người ký như in trên văn bản: chữ ký "
              "đặt giữa chức vụ và họ tên.")
@click.option("--agency", default="", help="Tên cơ quan in cạnh dấu.")
@click.option("--reference", default="", help="Số, ký hiệu văn bản (in trên phụ lục).")
@click.option("--image", type=click.Path(exists=True, dir_okay=False),
              help="Ảnh chữ ký của người ký (PNG nền trong suốt).")
@click.option("--pkcs12", type=click.Path(exists=True, dir_okay=False),
              help="Tệp khóa PKCS#12 (thay cho THIDUA_SIGNING_PKCS12).")
@click.option("--password", default=None, help="Mật khẩu của tệp --pkcs12.")
@click.option("--prepare", "prepare_cert", type=click.Path(exists=True, dir_okay=False),
              help="Ký ngắt quãng: chứng thư số (PEM/DER) của người sẽ ký trên máy của họ.")
@click.option("--finish", "signature", type=click.Path(exists=True, dir_okay=False),
              help="Ký ngắt quãng: giá trị chữ ký (nhị phân) trên signed_attrs của FILE.json.")
def sign(file: str, output: str, role: str, signer_name: str, agency: str, reference: str,
         image: str | None, pkcs12: str | None, password: str | None,
         prepare_cert: str | None, signature: str | None) -> None:
    """Sign FILE (PAdES; B-T with THIDUA_SIGNING_TSA_URL) as Decree 30 places it."""
    from service.signing import interrupted
    from service.signing import sign as signing
    from service.signing.keys import KeySourceError
    from service.signing.placement import PlacementError

    settings = _settings(pkcs12, password)
    content = Path(file).read_bytes()
    try:
        if signature:
            pending = interrupted.Pending.from_json(content.decode("utf-8"))
            result = signing.run(interrupted.finish(
                pending, Path(signature).read_bytes(), signing.Options.from_settings(settings)))
        elif prepare_cert:
            result = _prepare(content, prepare_cert, settings, role, signer_name, image,
                              agency, reference)
        else:
            _need_name(signer_name)
            result = _sign_now(content, settings, role, signer_name, image, agency, reference)
    except (KeySourceError, PlacementError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    Path(output).write_bytes(result)
    click.echo(output)


def _need_name(signer_name: str) -> None:
    if not signer_name:
        raise click.UsageError("Cần --signer-name (họ tên người ký như in trên văn bản).")


def _prepare(content: bytes, cert_path: str, settings: dict, role: str, signer_name: str,
             image: str | None, agency: str, reference: str) -> bytes:
    from asn1crypto import pem

    from service.signing import interrupted
    from service.signing import sign as signing

    _need_name(signer_name)
    options = signing.Options.from_settings(settings)
    cert = Path(cert_path).read_bytes()
    if pem.detect(cert):
        cert = pem.unarmor(cert)[2]
    stamp = _stamp(content, role, signer_name, image, agency, reference, options)
    pending = signing.run(interrupted.prepare(content, cert, stamp, options))
    click.echo(f"SHA-256 của signed_attrs cần ký: {_sha256(pending.signed_attrs)}", err=True)
    return pending.to_json().encode("utf-8")


def _sha256(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


@click.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--roots", type=click.Path(exists=True, dir_okay=False),
              help="Tệp PEM các chứng thư gốc tin cậy (thay cho THIDUA_SIGNING_TRUST_ROOTS).")
def verify(file: str, roots: str | None) -> None:
    """Check every signature of FILE; exit 1 unless all are valid."""
    from service.cli.common import load_config
    from service.signing.keys import KeySourceError
    from service.signing.validate import verify_pdf

    roots = roots or load_config()["SIGNING_TRUST_ROOTS"]
    try:
        report = verify_pdf(Path(file).read_bytes(), roots or "")
    except KeySourceError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(report.text())
    sys.exit(0 if report.all_valid else 1)


COMMANDS = (sign, verify)
