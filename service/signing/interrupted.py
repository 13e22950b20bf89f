"""Interrupted signing: the signer signs on their own machine (a USB token the server never
sees).

1. :func:`prepare` puts the signature field (with its appearance) into the PDF, leaves room
   for the signature, and hands out what must be signed: the CMS *signed attributes* (DER),
   which carry the document's SHA-256. :class:`Pending` holds everything to finish later
   (JSON, so it can wait in a file or a database between the two steps).
2. The signer's key signs the signed attributes (RSA PKCS#1 v1.5 or ECDSA with SHA-256).
3. :func:`finish` builds the CMS signature with the returned value (and a time-stamp when a
   TSA is configured) and writes it into the room left in the prepared PDF.
"""

from __future__ import annotations

import base64
import io
import json
from dataclasses import dataclass

import aiohttp
from asn1crypto import cms, x509
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.signers.pdf_byterange import PreparedByteRangeDigest
from pyhanko.sign.signers.pdf_cms import ExternalSigner
from pyhanko_certvalidator.registry import SimpleCertificateStore

from service.signing.sign import Options, Stamp, field_name, timestamper

RESERVED_BYTES = 16 * 1024  # room for the CMS: certificate chain, signature, time-stamp


@dataclass(frozen=True)
class Pending:
    """A prepared signature waiting for its value."""

    pdf: bytes
    certificate: bytes       # the signer's certificate (DER)
    signed_attrs: bytes      # DER: what the signer's key must sign
    document_digest: bytes   # SHA-256 of the signed byte ranges
    region: tuple[int, int]  # where the signature goes in ``pdf``

    def to_json(self) -> str:
        b64 = lambda b: base64.b64encode(b).decode("ascii")  # noqa: E731
        return json.dumps({"pdf": b64(self.pdf), "certificate": b64(self.certificate),
                           "signed_attrs": b64(self.signed_attrs),
                           "document_digest": self.document_digest.hex(),
                           "region": list(self.region)})

    @classmethod
    def from_json(cls, text: str) -> Pending:
        data = json.loads(text)
        return cls(base64.b64decode(data["pdf"]), base64.b64decode(data["certificate"]),
                   base64.b64decode(data["signed_attrs"]),
                   bytes.fromhex(data["document_digest"]),
                   (int(data["region"][0]), int(data["region"][1])))


def _external(cert: x509.Certificate, value: bytes | None = None) -> ExternalSigner:
    size = cert.public_key.bit_size // 8 + 16  # RSA: the modulus; ECDSA: DER overhead
    return ExternalSigner(cert, SimpleCertificateStore.from_certs([cert]),
                          signature_value=value if value is not None else bytes(size))


async def prepare(pdf: bytes, certificate_der: bytes, stamp: Stamp,
                  options: Options) -> Pending:
    """The PDF with ``stamp``'s field in place and what the signer must sign."""
    cert = x509.Certificate.load(certificate_der)
    ext = _external(cert)
    name = field_name(pdf, stamp.field)
    pdf_signer = signers.PdfSigner(
        signers.PdfSignatureMetadata(field_name=name, md_algorithm="sha256",
                                     subfilter=fields.SigSeedSubFilter.PADES),
        signer=ext, stamp_style=stamp.style,
        new_field_spec=fields.SigFieldSpec(name, on_page=stamp.page, box=stamp.box))
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    digest, _, output = await pdf_signer.async_digest_doc_for_signing(
        writer, bytes_reserved=RESERVED_BYTES, appearance_text_params={"info": stamp.info})
    attrs = await ext.signed_attrs(digest.document_digest, "sha256", use_pades=True)
    output.seek(0)
    return Pending(output.read(), certificate_der, attrs.dump(), digest.document_digest,
                   (digest.reserved_region_start, digest.reserved_region_end))


async def finish(pending: Pending, signature_value: bytes, options: Options) -> bytes:
    """The signed PDF: ``signature_value`` (over ``pending.signed_attrs``) embedded."""
    cert = x509.Certificate.load(pending.certificate)
    attrs = cms.CMSAttributes.load(pending.signed_attrs)
    async with aiohttp.ClientSession() as http:
        signed = await _external(cert, signature_value).async_sign_prescribed_attributes(
            "sha256", signed_attrs=attrs, timestamper=timestamper(options, http))
    out = io.BytesIO(pending.pdf)
    PreparedByteRangeDigest(pending.document_digest, *pending.region).fill_with_cms(out, signed)
    return out.getvalue()
