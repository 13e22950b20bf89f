"""The register's hook: with a key source configured, the agency signs every PDF it issues
before the PDF is stored (the stored file and its SHA-256 are the signed file's)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

# (the rendered PDF, what the signature shows: signer_name, agency, reference) → signed PDF
FinishPdf = Callable[[bytes, Mapping[str, str]], bytes]

KEY_SETTINGS = ("SIGNING_PKCS12", "SIGNING_PKCS11_MODULE", "SIGNING_CSC_URL")


def signing_configured(settings: Mapping[str, Any]) -> bool:
    return any(settings.get(name) for name in KEY_SETTINGS)


def agency_signer(settings: Mapping[str, Any]) -> FinishPdf | None:
    """The agency's signature as a ``finish_pdf`` hook, or None when no key is configured."""
    if not signing_configured(settings):
        return None
    from service.signing import keys, sign

    source = keys.key_source(settings)
    if source is None:
        return None
    if isinstance(source, keys.Pkcs12Key):
        source = keys.LoadedKey(keys.load_pkcs12(source))  # read (and checked) once
    options = sign.Options.from_settings(settings)

    def finish_pdf(pdf: bytes, info: Mapping[str, str]) -> bytes:
        return sign.run(sign.sign_agency(pdf, source, info["signer_name"], info["agency"],
                                         info["reference"], options))

    return finish_pdf
