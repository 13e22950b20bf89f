"""Configuration: every key with its default, read from ``THIDUA_*`` environment variables.

Each key is declared once in :data:`SETTINGS` with its type, default and a one-line
description; README's configuration table is generated from the same list
(``python -m service config``). Values are parsed and checked when the app is built, never at
import time, and a bad value stops the start with a message naming the variable.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ENV_PREFIX = "THIDUA_"
PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(ValueError):
    """A configuration value is missing or invalid."""


@dataclass(frozen=True)
class Setting:
    """One configuration key."""

    name: str
    default: Any
    parse: Callable[[str], Any]
    help: str
    check: Callable[[Any], bool] | None = None
    check_msg: str = ""


def _bool(raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ValueError(f"not a boolean: {raw!r}")


def _positive(value: Any) -> bool:
    return value > 0


SETTINGS: tuple[Setting, ...] = (
    Setting("HOST", "127.0.0.1", str, "Address `python -m service serve` listens on."),
    Setting("PORT", 8000, int, "Port `python -m service serve` listens on.",
            lambda v: 0 < v < 65536, "must be a port number 1-65535"),
    Setting("DATA_DIR", str(PROJECT_ROOT / "var"), str,
            "Directory for the embedded database, job chunks and results."),
    Setting("TEMPLATES_DIR", str(PROJECT_ROOT / "doc_templates"), str,
            "Directory holding `docx/` and `html/` document templates."),
    Setting("SAMPLES_DIR", str(PROJECT_ROOT / "samples"), str,
            "Directory holding the sample payload of every document type."),
    Setting("MAX_REQUEST_BYTES", 32 * 1024 * 1024, int,
            "Largest request body accepted (bytes); larger bodies get 413.", _positive,
            "must be positive"),
    Setting("MAX_DOCUMENT_JSON_BYTES", 2 * 1024 * 1024, int,
            "Largest JSON body for a single document (bytes).", _positive, "must be positive"),
    Setting("MAX_JSON_DEPTH", 32, int, "Deepest nesting of arrays/objects accepted in JSON.",
            lambda v: 2 <= v <= 200, "must be between 2 and 200"),
    Setting("SECRET_KEY", "", str, "Signs the web page's session cookie (CSRF token); empty: "
            "generated once and kept in `DATA_DIR/secret_key` (mode 0600).",
            lambda v: v == "" or len(v) >= 32, "must be empty or at least 32 characters"),
    Setting("LOG_LEVEL", "INFO", str, "Logging level (DEBUG, INFO, WARNING, ERROR).",
            lambda v: v.upper() in {"DEBUG", "INFO", "WARNING", "ERROR"},
            "must be DEBUG, INFO, WARNING or ERROR"),
    Setting("REWARDS_FILE", str(PROJECT_ROOT / "service" / "data" / "rewards.toml"), str,
            "Dated table of base salaries and reward coefficients (TOML)."),
    Setting("GUNICORN_WORKERS", 2, int, "Worker processes under gunicorn.", _positive,
            "must be positive"),
    Setting("RENDER_TIMEOUT_S", 120, int, "gunicorn worker timeout; longer than the worst render.",
            _positive, "must be positive"),
    Setting("REQUEST_HEADER_TIMEOUT_S", 10.0, float,
            "Time a client has to send a request's headers (from connecting, or from the first "
            "byte of its next request); later: 408 and the connection is closed.", _positive,
            "must be positive"),
    Setting("REQUEST_BODY_TIMEOUT_S", 120.0, float,
            "Time a client has to send a request's body once its headers arrived; later: 408.",
            _positive, "must be positive"),
    Setting("SINGLE_RENDER_TIMEOUT_S", 30.0, float,
            "Longest a single-document request waits for the process's PDF renderer (busy "
            "with other documents); longer: 503 `render_timeout` with Retry-After.", _positive,
            "must be positive"),
    Setting("RATE_LIMIT_PER_MINUTE", 600, int,
            "API requests per client per minute (per process); 0 turns the limit off; "
            "above it 429.",
            lambda v: v >= 0, "must be 0 or more"),
    Setting("RATE_LIMIT_BURST", 60, int, "Requests a client may send at once before the rate "
            "applies.", _positive, "must be positive"),
    Setting("MAX_DATE_AHEAD_DAYS", 365, int,
            "Latest date a document may carry, in days after today (signing, decision, "
            "reward dates; a year given alone may not lie beyond it); later dates get 422 "
            "`too_far_ahead`.", lambda v: 0 <= v <= 3660, "must be 0-3660"),
    # Who may do what (service/auth).
    Setting("AUTH_ENABLED", True, _bool,
            "Require an API key (`Authorization: Bearer …`) or a signed-in user for documents, "
            "batches and the web page. Turn off only on a single-user machine."),
    Setting("LOGIN_MAX_FAILURES", 5, int,
            "Failed logins in a row, from one address, that lock a user name for that address "
            "for LOGIN_LOCKOUT_S (other addresses can still sign in).",
            lambda v: 1 <= v <= 100, "must be 1-100"),
    Setting("LOGIN_LOCKOUT_S", 300, int, "Seconds a user name stays locked for an address "
            "after too many failed logins (an admin can unlock it earlier).", _positive,
            "must be positive"),
    Setting("AUTH_FAILURES_PER_MINUTE", 10, int,
            "Failed authentications (no or wrong key, wrong password) an address may make per "
            "minute (per process) once its burst is spent; above it 429; 0 turns it off.",
            lambda v: v >= 0, "must be 0 or more"),
    Setting("AUTH_FAILURES_BURST", 20, int,
            "Failed authentications an address may make at once before that rate applies.",
            _positive, "must be positive"),
    Setting("SESSION_IDLE_MINUTES", 60, int,
            "A web session ends after this long without a request.", _positive,
            "must be positive"),
    Setting("SESSION_MAX_HOURS", 12, int,
            "A web session ends this long after sign-in, however active.", _positive,
            "must be positive"),
    Setting("COOKIE_SECURE", "auto", str,
            "`Secure` flag of the session cookie: `auto` (when the request came over HTTPS, "
            "as the trusted proxy reports it), `true` or `false`.",
            lambda v: v in {"auto", "true", "false"}, "must be auto, true or false"),
    Setting("TRUSTED_PROXIES", 0, int,
            "Reverse proxies in front of the service whose X-Forwarded-For/-Proto/-Host are "
            "believed (0: none; 1 behind one nginx).", lambda v: 0 <= v <= 5, "must be 0-5"),
    Setting("METRICS_PUBLIC", False, _bool,
            "Serve `/metrics` without authentication (otherwise an admin key or user)."),
    Setting("REGISTER_SEQUENCE", "shared", str,
            "Numbering of issued documents (sổ đăng ký văn bản đi): `shared`, one sequence per "
            "agency and year across types (Decree 30), or `per_type`, one per document type.",
            lambda v: v in {"shared", "per_type"}, "must be shared or per_type"),
    # Digital signatures (service/signing; README "Chữ ký số"). One key source signs what the
    # register issues: a PKCS#12 file, else a PKCS#11 token, else a CSC remote service.
    Setting("SIGNING_PKCS12", "", str,
            "PKCS#12 file (.p12/.pfx) with the agency's key and certificate; set: documents "
            "issued through the register are signed (unless the request says `sign: false`)."),
    Setting("SIGNING_PKCS12_PASSWORD", "", str, "Password of SIGNING_PKCS12."),
    Setting("SIGNING_PKCS11_MODULE", "", str,
            "PKCS#11 library of a token or HSM (`/usr/lib/softhsm/libsofthsm2.so`); set with "
            "SIGNING_PKCS11_TOKEN: the agency's key lives there."),
    Setting("SIGNING_PKCS11_TOKEN", "", str, "Label of the PKCS#11 token."),
    Setting("SIGNING_PKCS11_KEY", "", str,
            "Label of the key (and its certificate) on the token; empty: the only one."),
    Setting("SIGNING_PKCS11_PIN", "", str, "User PIN of the PKCS#11 token."),
    Setting("SIGNING_CSC_URL", "", str,
            "Base URL of a Cloud Signature Consortium service (`https://…/csc/v1`); set with "
            "SIGNING_CSC_CREDENTIAL: the agency's key is remote."),
    Setting("SIGNING_CSC_CREDENTIAL", "", str, "Credential id of the key at the CSC service."),
    Setting("SIGNING_CSC_TOKEN", "", str, "OAuth2 bearer token for the CSC service."),
    Setting("SIGNING_TSA_URL", "", str,
            "RFC 3161 time-stamping authority; set: signatures are PAdES B-T (else B-B)."),
    Setting("SIGNING_TRUST_ROOTS", "", str,
            "PEM file of the root certificates validation trusts (and B-LT signing builds "
            "chains to)."),
    Setting("SIGNING_EMBED_VALIDATION", True, _bool,
            "Embed revocation data (PAdES B-LT) when it can be fetched; when it cannot, sign "
            "B-T/B-B and log a warning."),
    Setting("SIGNING_SEAL_IMAGE", "", str,
            "The agency's seal as a transparent PNG (red, Decree 30): the image of the "
            "agency's signature."),
    Setting("SIGNING_SEAL_MM", 36.0, float,
            "Diameter of the seal image (mm): Decree 30 says the seal's real size, which "
            "the decree does not give (it depends on the seal).", _positive,
            "must be positive"),
    Setting("SIGNING_SIGNATURE_WIDTH_MM", 40.0, float,
            "Width of the signer's signature image (mm), between position and name; "
            "Decree 30 gives no size.", _positive, "must be positive"),
    Setting("SIGNING_INFO_COLOR", "#0000FF", str,
            "Colour of the agency's signature information (name, time): Decree 30 says "
            "'màu xanh' (blue) without a value.",
            lambda v: len(v) == 7 and v[0] == "#" and all(
                c in "0123456789abcdefABCDEF" for c in v[1:]), "must be #RRGGBB"),
    Setting("SIGNING_INFO_PT", 10, int,
            "Font size of the agency's signature information (Decree 30: 10).",
            lambda v: 6 <= v <= 20, "must be 6-20"),
    Setting("SIGNING_ATTACHMENT_INFO", True, _bool,
            "An attached list starting on its own page carries the agency's signature "
            "information at the top right of its first page (Decree 30)."),
    Setting("COMMENDATION_REGISTERS", "per_award", str,
            "Commendation registers (sổ khen thưởng): `per_award`, one numbering per award kind "
            "(one for Bằng khen, one for Giấy khen, one for certificates of a title), or "
            "`shared`, one numbering for every certificate of the agency.",
            lambda v: v in {"per_award", "shared"}, "must be per_award or shared"),
    Setting("DOSSIER_ACHIEVEMENT", "", str,
            "The agency's default achievement text printed on a dossier's certificates (a row's "
            "own `achievement` wins); empty: the decision's reason."),
    Setting("DOSSIER_PROFILES", "", str,
            "Certificate profile per award in a dossier, e.g. `bang_khen=a3-landscape,"
            "giay_khen=a4-landscape`; an award not named prints on `a4-landscape`."),
    # Batch jobs (service/jobs): embedded by default, Celery on Redis when BROKER_URL is set.
    Setting("DATABASE_URL", "", str,
            "Job database as an SQLAlchemy URL (`postgresql://user:password@host/db`); empty: "
            "the SQLite file `DATA_DIR/jobs.sqlite3`."),
    Setting("BROKER_URL", "", str,
            "Celery broker for batch jobs (`redis://host:6379/0`); empty: embedded worker "
            "processes inside the service, no broker."),
    Setting("BROKER_KEY_PREFIX", "", str,
            "Prefix of every Redis key of the job queue (several services on one Redis)."),
    Setting("JOB_QUEUE", "thidua-batches", str, "Celery queue that carries batch chunks.",
            lambda v: 0 < len(v) <= 100 and v.replace("-", "").replace("_", "").replace(
                ".", "").isalnum(), "must be 1-100 letters, digits, '-', '_' or '.'"),
    Setting("JOB_WORKERS", 2, int,
            "Embedded worker processes; also the default concurrency of "
            "`python -m service worker`.", lambda v: 1 <= v <= 64, "must be 1-64"),
    Setting("CHUNK_SIZE", 100, int, "Items per chunk: the unit a worker renders, records and "
            "retries.", lambda v: 1 <= v <= 10_000, "must be 1-10000"),
    Setting("MAX_BATCH_ITEMS", 50_000, int, "Most items in one batch (more: 413).", _positive,
            "must be positive"),
    Setting("UPLOAD_READ_TIMEOUT_S", 60.0, float,
            "Longest reading one uploaded CSV/XLSX list may take (more: 413 `upload_too_slow`).",
            _positive, "must be positive"),
    Setting("DISK_RESERVE_BYTES", 256 * 1024 * 1024, int,
            "Free space kept on the data disk: a batch whose files (estimated at 64 KiB an "
            "item) would leave less is refused with 507 `disk_full`.", lambda v: v >= 0,
            "must be 0 or more"),
    Setting("MAX_CHUNK_ATTEMPTS", 3, int,
            "Times a chunk may be started; a chunk that keeps killing its worker is then split "
            "until its poison rows fail alone (the job ends done_with_errors).",
            lambda v: 1 <= v <= 20, "must be 1-20"),
    Setting("CHUNK_TIME_LIMIT_S", 600, int,
            "Longest a chunk may run before its worker is stopped (counts as an attempt).",
            _positive, "must be positive"),
    Setting("CHUNK_LEASE_S", 60, int,
            "A running chunk's claim lapses this long after its worker last reported.",
            lambda v: v >= 5, "must be at least 5"),
    Setting("BROKER_VISIBILITY_TIMEOUT_S", 3600, int,
            "Redis redelivers an unacknowledged message after this; must exceed "
            "CHUNK_TIME_LIMIT_S.", _positive, "must be positive"),
    Setting("RESULT_TTL_HOURS", 72, int,
            "Hours a finished job's files are kept; then `python -m service cleanup` removes "
            "them.", _positive, "must be positive"),
    Setting("PUBLIC_URL", "", str,
            "Public address of the service (`https://thidua.example.gov.vn`): the QR on an "
            "issued certificate holds it + `/xac-minh/<code>`."),
    Setting("PUBLIC_MASK_NAMES", False, _bool,
            "The public page `/xac-minh/<code>` shows a certificate's recipient as initials "
            "only (`Lê T. T. H.`)."),
    Setting("PUBLIC_RATE_LIMIT", 20, int,
            "Requests a minute one address may make to the public page `/xac-minh/…`.",
            _positive, "must be positive"),
    Setting("PDFA_ISSUED", False, _bool,
            "Issue PDFs as PDF/A-2b (archival; sRGB output intent) unless a request says "
            "otherwise; signed after conversion."),
    Setting("QUEUE_MAX_ITEMS", 200_000, int,
            "Items waiting or rendering across all batches beyond which a new batch gets 503 "
            "with Retry-After.", _positive, "must be positive"),
)

SETTINGS_BY_NAME = {s.name: s for s in SETTINGS}


def load(overrides: Mapping[str, Any] | None = None,
         environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Return the effective configuration: defaults < environment < overrides.

    :raises ConfigError: a value cannot be parsed or is out of range.
    """
    environ = os.environ if environ is None else environ
    config: dict[str, Any] = {}
    for setting in SETTINGS:
        value: Any = setting.default
        raw = environ.get(ENV_PREFIX + setting.name)
        if raw is not None:
            try:
                value = setting.parse(raw)
            except ValueError as exc:
                raise ConfigError(f"{ENV_PREFIX}{setting.name}: {exc}") from None
        config[setting.name] = value
    for key, value in (overrides or {}).items():
        config[key] = value
    validate(config)
    return config


def validate(config: Mapping[str, Any]) -> None:
    """Check every declared key; raise :class:`ConfigError` naming the first bad one."""
    for setting in SETTINGS:
        value = config.get(setting.name)
        expected = type(setting.default)
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise ConfigError(f"{ENV_PREFIX}{setting.name}: expected {expected.__name__}, "
                              f"got {value!r}")
        if setting.check is not None and not setting.check(value):
            raise ConfigError(f"{ENV_PREFIX}{setting.name}: {setting.check_msg} (got {value!r})")
    templates = Path(config["TEMPLATES_DIR"])
    if not (templates / "html").is_dir() or not (templates / "docx").is_dir():
        raise ConfigError(f"{ENV_PREFIX}TEMPLATES_DIR: {templates} has no html/ and docx/")


def markdown_table() -> str:
    """The configuration table for README."""
    rows = ["| variable | default | meaning |", "| --- | --- | --- |"]
    for s in SETTINGS:
        default = s.default
        if isinstance(default, str) and default.startswith(str(PROJECT_ROOT)):
            default = "<project>" + default[len(str(PROJECT_ROOT)):]
        rows.append(f"| `{ENV_PREFIX}{s.name}` | `{default}` | {s.help} |")
    return "\n".join(rows)
