"""PAdES signatures of a rendered PDF, each one an incremental update of the file before it.

* B-B always; B-T when a time-stamping authority is configured (RFC 3161, ``SIGNING_TSA_URL``);
  B-LT (the chain's revocation data embedded) when ``SIGNING_EMBED_VALIDATION`` is on, trust
  roots are configured and the revocation data can be fetched; when it cannot, the signature
  is made without it and a warning is logged.
* :func:`sign_person` puts the signer's signature image in the gap between position and name;
  :func:`sign_agency` the seal with the agency's name and the signing time over the left third
  of it and, when the document carries an attachment on its own pages, the agency's signature
  information at the top right of the attachment's first page. Signed in that order, the
  person's signature stays intact (an approval signature only adds a revision).
"""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers, timestamps
from pyhanko.sign.general import SigningError
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.errors import PathBuildingError, PathValidationError
from pyhanko_certvalidator.errors import ValidationError as CertValidationError
from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpFetcherBackend

from service.signing import appearance, placement
from service.signing.appearance import Look
from service.signing.keys import KeySource, open_signer

log = logging.getLogger(__name__)

PERSON_FIELD = "ChuKyNguoiKy"
AGENCY_FIELD = "ChuKyCoQuan"
ATTACHMENT_FIELD = "ChuKyCoQuanPhuLuc"
TSA_TIMEOUT_S = 10


@dataclass(frozen=True)
class Options:
    """How to sign: time stamp, validation data and the look (from the settings)."""

    tsa_url: str = ""
    trust_roots: str = ""
    embed_validation: bool = True
    look: Look = field(default_factory=Look)

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> Options:
        return cls(str(settings.get("SIGNING_TSA_URL", "") or ""),
                   str(settings.get("SIGNING_TRUST_ROOTS", "") or ""),
                   bool(settings.get("SIGNING_EMBED_VALIDATION", True)),
                   Look.from_settings(settings))


@dataclass(frozen=True)
class Stamp:
    """One signature to add: its field, page, box, look and text."""

    field: str
    page: int
    box: appearance.Box
    style: Any
    info: str = ""


def trust_roots(path: str) -> list:
    from pyhanko.keys import load_certs_from_pemder

    return list(load_certs_from_pemder([path])) if path else []


def validation_context(roots_path: str,
                       http: aiohttp.ClientSession | None = None) -> ValidationContext:
    """Trust in the roots of ``roots_path``; fetching revocation data through ``http``."""
    if http is None:
        return ValidationContext(trust_roots=trust_roots(roots_path))
    return ValidationContext(trust_roots=trust_roots(roots_path), allow_fetching=True,
                             fetcher_backend=AIOHttpFetcherBackend(http))


def timestamper(options: Options,
                http: aiohttp.ClientSession | None) -> timestamps.TimeStamper | None:
    if not options.tsa_url:
        return None
    return timestamps.HTTPTimeStamper(options.tsa_url, timeout=TSA_TIMEOUT_S, session=http)


def field_name(pdf: bytes, base: str) -> str:
    taken = {name for name, _, _ in fields.enumerate_sig_fields(
        PdfFileReader(io.BytesIO(pdf), strict=False), filled_status=None)}
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base}{n}"
    return name


async def _sign(pdf: bytes, signer: signers.Signer, stamp: Stamp, options: Options,
                *, lt: bool) -> bytes:
    name = field_name(pdf, stamp.field)
    async with aiohttp.ClientSession() as http:
        meta = signers.PdfSignatureMetadata(
            field_name=name, md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES,
            embed_validation_info=lt,
            validation_context=validation_context(options.trust_roots, http) if lt else None)
        pdf_signer = signers.PdfSigner(
            meta, signer=signer, timestamper=timestamper(options, http),
            stamp_style=stamp.style,
            new_field_spec=fields.SigFieldSpec(name, on_page=stamp.page, box=stamp.box))
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
        out = await pdf_signer.async_sign_pdf(writer,
                                              appearance_text_params={"info": stamp.info})
    return out.getvalue()


async def sign_stamp(pdf: bytes, signer: signers.Signer, stamp: Stamp,
                     options: Options) -> bytes:
    """Add one signature; with validation data (B-LT) when it can be had."""
    if options.embed_validation and options.trust_roots:
        try:
            return await _sign(pdf, signer, stamp, options, lt=True)
        except (SigningError, CertValidationError, PathBuildingError,
                PathValidationError) as exc:
            log.warning("signing: no revocation data (%s); signed without it (B-T/B-B)", exc)
    return await _sign(pdf, signer, stamp, options, lt=False)


def person_stamp(pdf: bytes, signer_name: str, image: str, look: Look) -> Stamp:
    from PIL import Image

    gap = placement.signature_gap(pdf, signer_name)
    with Image.open(image) as img:
        size = img.size
    box = appearance.person_box(gap, size, look.signature_width_mm)
    return Stamp(PERSON_FIELD, gap.page, box, appearance.person_style(image, box))


def agency_stamps(pdf: bytes, signer_name: str, agency: str, reference: str, look: Look,
                  when: str) -> list[Stamp]:
    """The seal over the signer's image, and the attachment's information if any."""
    layout = placement.signature_layout(pdf, signer_name, attachment=look.attachment_info)
    gap = layout.gap
    person = _person_box(pdf)
    lines = [agency, when]
    stamps = [Stamp(AGENCY_FIELD, gap.page,
                    appearance.agency_box(gap, person, look.seal_mm, lines, look.info_pt),
                    appearance.agency_style(look), "\n".join(lines))]
    if layout.attachment is not None and layout.attachment_size is not None:
        info = [reference, when]
        stamps.append(Stamp(ATTACHMENT_FIELD, layout.attachment,
                            appearance.attachment_box(*layout.attachment_size, info,
                                                      look.info_pt),
                            appearance.info_style(look), "\n".join(info)))
    return stamps


def _person_box(pdf: bytes) -> appearance.Box | None:
    """The rectangle of the signer's signature already in the file, if signed."""
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    for name, _, ref in fields.enumerate_sig_fields(reader, filled_status=True):
        if name.startswith(PERSON_FIELD):
            x0, y0, x1, y1 = (round(float(v)) for v in ref.get_object()["/Rect"])
            return x0, y0, x1, y1
    return None


async def sign_person(pdf: bytes, source: KeySource, signer_name: str, image: str,
                      options: Options) -> bytes:
    """The signer's own signature (their key), image between position and name."""
    async with open_signer(source) as signer:
        return await sign_stamp(pdf, signer, person_stamp(pdf, signer_name, image,
                                                          options.look), options)


async def sign_agency(pdf: bytes, source: KeySource, signer_name: str, agency: str,
                      reference: str, options: Options) -> bytes:
    """The agency's signature (its seal), after the signer's if there is one."""
    when = appearance.signing_time()
    async with open_signer(source) as signer:
        for stamp in agency_stamps(pdf, signer_name, agency, reference, options.look, when):
            pdf = await sign_stamp(pdf, signer, stamp, options)
    return pdf


def run(coro: Any) -> Any:
    """Run a signing coroutine from synchronous code (the register, the CLI)."""
    return asyncio.run(coro)
