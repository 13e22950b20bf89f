"""Validate every signature of a PDF and say what was found, in Vietnamese.

For each signature: is it intact (the signed bytes hash to what was signed, and the
signature value checks with the certificate's key), whose certificate signed it, when (the
time-stamp's time when there is one, else the time the signer's computer claimed), is the
certificate trusted (a chain to a root of ``SIGNING_TRUST_ROOTS``, not revoked as far as the
embedded or fetchable revocation data says) and what changed in the file after it (pyHanko's
difference analysis: later signatures and their appearances are allowed, anything else
makes the signature fail).
"""

from __future__ import annotations

import asyncio
import io
import logging
from dataclasses import asdict, dataclass
from zoneinfo import ZoneInfo

from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from service.signing.keys import KeySourceError
from service.signing.sign import trust_roots

log = logging.getLogger(__name__)
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


@dataclass(frozen=True)
class SignatureReport:
    """One signature of the file, in the order they were made."""

    field: str
    valid: bool           # intact, trusted, the changes after it allowed, time-stamp valid
    intact: bool
    trusted: bool
    signer: str | None    # the certificate's subject (common name)
    issuer: str | None
    serial: str | None
    signed_at: str | None  # ISO 8601, Việt Nam's time zone
    timestamped: bool
    covers_whole_file: bool
    message: str

    def as_json(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class FileReport:
    readable: bool
    signatures: list[SignatureReport]

    @property
    def all_valid(self) -> bool:
        return self.readable and bool(self.signatures) and all(
            s.valid for s in self.signatures)

    def text(self) -> str:
        """The report for a person, in Vietnamese."""
        if not self.readable:
            return "Tệp không đọc được như một tệp PDF: không kiểm tra được chữ ký số."
        if not self.signatures:
            return "Tệp không có chữ ký số."
        lines = [f"Tệp có {len(self.signatures)} chữ ký số."]
        for n, sig in enumerate(self.signatures, 1):
            lines.append(f"{n}. {sig.signer or 'không rõ người ký'}"
                         f" — ký lúc {sig.signed_at or 'không rõ'}: {sig.message}")
        return "\n".join(lines)


def _name_of(cert, part: str) -> str | None:
    """The common name of the certificate's ``subject`` or ``issuer`` (else all of it)."""
    try:
        name = getattr(cert, part)
        return name.native.get("common_name") or name.human_friendly
    except (AttributeError, ValueError):
        return None


def _message(status, whole: bool) -> str:
    if not status.intact:
        return "KHÔNG NGUYÊN VẸN: nội dung đã bị thay đổi sau khi ký."
    if not status.valid:
        return "KHÔNG HỢP LỆ: giá trị chữ ký không khớp với chứng thư số."
    if status.revoked:
        return "KHÔNG HỢP LỆ: chứng thư số đã bị thu hồi."
    if not status.trusted:
        return ("Nguyên vẹn nhưng chứng thư số KHÔNG được tin cậy (không dẫn tới chứng thư "
                "gốc nào được cấu hình).")
    if not status.bottom_line:
        return "KHÔNG HỢP LỆ: tệp bị sửa đổi sau khi ký theo cách không được phép."
    tail = "" if whole else (" Sau chữ ký này tệp chỉ có thêm phần được phép (chữ ký sau, "
                             "dữ liệu kiểm tra chứng thư).")
    return "Hợp lệ: nguyên vẹn, chứng thư số được tin cậy." + tail


def _when(status) -> tuple[str | None, bool]:
    ts = status.timestamp_validity
    moment = ts.timestamp if ts is not None else status.signer_reported_dt
    if moment is None:
        return None, False
    return moment.astimezone(VIETNAM).isoformat(timespec="seconds"), ts is not None


async def _validate(pdf: bytes, roots: list) -> FileReport:
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        embedded = list(reader.embedded_regular_signatures)
    except (PdfError, ValueError, KeyError, TypeError, IndexError) as exc:
        log.info("verify: unreadable PDF (%s)", exc)
        return FileReport(False, [])
    reports = []
    for sig in embedded:
        context = ValidationContext(trust_roots=roots, allow_fetching=False)
        try:
            status = await async_validate_pdf_signature(sig, context)
        except (PdfError, ValueError, KeyError, TypeError) as exc:
            log.info("verify: signature %s unreadable (%s)", sig.field_name, exc)
            reports.append(SignatureReport(sig.field_name, False, False, False, None, None,
                                           None, None, False, False,
                                           "KHÔNG ĐỌC ĐƯỢC chữ ký này."))
            continue
        whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
        when, stamped = _when(status)
        cert = status.signing_cert
        reports.append(SignatureReport(
            sig.field_name, bool(status.bottom_line), bool(status.intact),
            bool(status.trusted), _name_of(cert, "subject"), _name_of(cert, "issuer"),
            format(cert.serial_number, "X"), when, stamped, whole, _message(status, whole)))
    return FileReport(True, reports)


def verify_pdf(pdf: bytes, roots_path: str = "") -> FileReport:
    """Every signature of ``pdf`` checked against the roots in the PEM file ``roots_path``
    (none: nothing is trusted, integrity is still checked)."""
    try:
        roots = trust_roots(roots_path)
    except OSError as exc:
        raise KeySourceError(f"Không đọc được tệp chứng thư gốc {roots_path}: {exc}") from exc
    return asyncio.run(_validate(pdf, roots))
