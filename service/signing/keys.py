"""Where the agency's (or a person's) key lives: a PKCS#12 file, a PKCS#11 token or HSM, a
remote service speaking the Cloud Signature Consortium API.

:func:`open_signer` is an async context manager yielding a pyHanko ``Signer``: the token's
session or the HTTP session of the remote service is open while it signs and closed after.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
from pyhanko.sign import signers
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers import csc_signer


class KeySourceError(SigningError):
    """A key source is misconfigured or unreachable (message in Vietnamese)."""


@dataclass(frozen=True)
class Pkcs12Key:
    path: str
    password: str = ""


@dataclass(frozen=True)
class Pkcs11Key:
    module: str
    token: str
    key: str = ""
    pin: str = ""


@dataclass(frozen=True)
class CscKey:
    url: str
    credential: str
    token: str = ""
    timeout_s: int = 60


@dataclass(frozen=True)
class LoadedKey:
    """A key already in memory (a PKCS#12 file read once, a test's key)."""

    signer: signers.Signer


KeySource = Pkcs12Key | Pkcs11Key | CscKey | LoadedKey


def key_source(settings: Mapping[str, Any]) -> KeySource | None:
    """The agency's key as the settings name it: PKCS#12, else PKCS#11, else CSC; None when
    none is set (documents are then issued unsigned)."""
    def get(name: str) -> str:
        return str(settings.get(name) or "")

    if get("SIGNING_PKCS12"):
        return Pkcs12Key(get("SIGNING_PKCS12"), get("SIGNING_PKCS12_PASSWORD"))
    if get("SIGNING_PKCS11_MODULE") and get("SIGNING_PKCS11_TOKEN"):
        return Pkcs11Key(get("SIGNING_PKCS11_MODULE"), get("SIGNING_PKCS11_TOKEN"),
                         get("SIGNING_PKCS11_KEY"), get("SIGNING_PKCS11_PIN"))
    if get("SIGNING_CSC_URL") and get("SIGNING_CSC_CREDENTIAL"):
        return CscKey(get("SIGNING_CSC_URL").rstrip("/"), get("SIGNING_CSC_CREDENTIAL"),
                      get("SIGNING_CSC_TOKEN"))
    return None


class MemorySigner(signers.SimpleSigner):
    """pyHanko's SimpleSigner keeping its key loaded: the stock one parses (and checks) the
    RSA key again for every signature and for the size estimate before it, two thirds of
    the time of signing a certificate; RSA PKCS#1 v1.5 and ECDSA are signed here, any other
    mechanism by pyHanko."""

    _loaded: Any = None

    def _key(self) -> Any:
        if self._loaded is None:
            from cryptography.hazmat.primitives import serialization

            self._loaded = serialization.load_der_private_key(self.signing_key.dump(), None)
        return self._loaded

    async def async_sign_raw(self, data: bytes, digest_algorithm: str,
                             dry_run: bool = False) -> bytes:
        return self.sign_raw(data, digest_algorithm)

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        from cryptography.hazmat.primitives.asymmetric.ec import ECDSA
        from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
        from pyhanko.sign.general import get_pyca_cryptography_hash

        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
        try:
            name = mechanism.signature_algo
        except ValueError:
            name = mechanism["algorithm"].native
        hash_algo = get_pyca_cryptography_hash(digest_algorithm)
        if name == "rsassa_pkcs1v15":
            return self._key().sign(data, PKCS1v15(), hash_algo)
        if name == "ecdsa":
            return self._key().sign(data, ECDSA(hash_algo))
        return super().sign_raw(data, digest_algorithm)


def load_pkcs12(source: Pkcs12Key) -> signers.SimpleSigner:
    """The PKCS#12 file's key and certificates (read once; the signer is reusable)."""
    try:
        signer = signers.SimpleSigner.load_pkcs12(
            source.path, passphrase=source.password.encode("utf-8") or None)
    except (OSError, ValueError):
        signer = None
    if signer is None:
        raise KeySourceError(f"Không đọc được tệp khóa PKCS#12 {source.path} "
                             "(sai mật khẩu hoặc tệp hỏng).")
    return MemorySigner(signing_key=signer.signing_key, signing_cert=signer.signing_cert,
                        cert_registry=signer.cert_registry)


@contextlib.asynccontextmanager
async def open_signer(source: KeySource) -> AsyncIterator[signers.Signer]:
    """A signer for ``source``, open for the duration of the ``async with``."""
    if isinstance(source, LoadedKey):
        yield source.signer
    elif isinstance(source, Pkcs12Key):
        yield load_pkcs12(source)
    elif isinstance(source, Pkcs11Key):
        with _pkcs11(source) as signer:
            yield signer
    else:
        async with _csc(source) as signer:
            yield signer


@contextlib.contextmanager
def _pkcs11(source: Pkcs11Key):
    from pyhanko.config.pkcs11 import PKCS11SignatureConfig, TokenCriteria
    from pyhanko.sign.pkcs11 import PKCS11SigningContext

    config = PKCS11SignatureConfig(
        module_path=source.module, token_criteria=TokenCriteria(label=source.token),
        key_label=source.key or None, cert_label=source.key or None,
        user_pin=source.pin or None)
    context = PKCS11SigningContext(config)
    try:
        signer = context.__enter__()
    except Exception as exc:  # pyHanko's SigningError or python-pkcs11's own hierarchy
        raise KeySourceError(f"Không mở được token PKCS#11 {source.token!r} (sai mã PIN, "
                             f"nhãn hoặc thư viện?): {exc}") from exc
    try:
        yield signer
    finally:
        context.__exit__(None, None, None)


@contextlib.asynccontextmanager
async def _csc(source: CscKey) -> AsyncIterator[signers.Signer]:
    info = csc_signer.CSCServiceSessionInfo(
        service_url=source.url, credential_id=source.credential,
        oauth_token=source.token or None)
    async with aiohttp.ClientSession() as session:
        try:
            credential = await csc_signer.fetch_certs_in_csc_credential(session, info)
        except (aiohttp.ClientError, SigningError) as exc:
            raise KeySourceError(f"Không kết nối được dịch vụ ký số từ xa {source.url}: "
                                 f"{exc}") from exc
        auth = _ImplicitAuthorization(session, info, credential, source.timeout_s)
        yield csc_signer.CSCSigner(session, auth_manager=auth, sign_timeout=source.timeout_s)


class _ImplicitAuthorization(csc_signer.CSCAuthorizationManager):
    """CSC ``credentials/authorize`` with the hashes to sign (implicit authorisation: the
    bearer token stands for the agency; an OTP or a person's approval is not handled)."""

    def __init__(self, session: aiohttp.ClientSession,
                 info: csc_signer.CSCServiceSessionInfo,
                 credential: csc_signer.CSCCredentialInfo, timeout_s: int) -> None:
        super().__init__(csc_session_info=info, credential_info=credential)
        self.session, self.timeout_s = session, timeout_s

    async def authorize_signature(self, hash_b64s: list[str]) -> csc_signer.CSCAuthorizationInfo:
        request = self.format_csc_auth_request(hash_b64s=hash_b64s)
        url = self.csc_session_info.endpoint_url("credentials/authorize")
        async with self.session.post(url, headers=self.auth_headers, json=request,
                                     raise_for_status=True,
                                     timeout=aiohttp.ClientTimeout(self.timeout_s)) as response:
            return self.parse_csc_auth_response(await response.json())
