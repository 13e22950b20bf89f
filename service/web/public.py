"""The public verification page ``/xac-minh/<code>`` (issue 15): no sign-in.

Anyone holding an issued document (or its QR) opens the page of its verification code and
sees what the document itself prints — its type, number and symbol, date and agency, for a
certificate the recipient and the award — and whether it was voided; nothing more (no
summary of the register, no who-issued-it, no listing: there is no page without a code).
``PUBLIC_MASK_NAMES`` shows names as initials.

The same page checks a file: a PDF posted to it is compared with the issued file (SHA-256:
exactly the issued one or not) and its signatures are validated
(:func:`service.signing.validate.verify_pdf` against ``SIGNING_TRUST_ROOTS``).

An unknown code and one that cannot be a code get the same answer: status 404 and the same
bytes (the page does not repeat the code). Every request to these pages spends one token of
the address's budget (``PUBLIC_RATE_LIMIT`` a minute): guessing codes is slow on top of
being hopeless (80 bits). The pages read no session: the request's cookies are dropped before
anything looks at them, so a signed-in clerk's check is the public's, and no cookie is set.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Flask, current_app, render_template, request
from werkzeug.wrappers import Response

from service import registry
from service.api.issued import register
from service.auth.guard import public
from service.ratelimit import TokenBuckets
from service.register import IssuedView
from service.register.verification import by_code

PREFIX = "/xac-minh"
bp = Blueprint("public", __name__, url_prefix=PREFIX)
BUCKETS = "thidua_public_rate"
MAX_UPLOAD = 20 * 1024 * 1024
CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'none'")
AWARDS = {"bang_khen": "Bằng khen", "giay_khen": "Giấy khen", "danh_hieu": "Chứng nhận"}


def _page(template: str, status: int = 200, **context: Any) -> Response:
    response = Response(render_template(template, **context), status,
                        mimetype="text/html")
    response.headers["Content-Security-Policy"] = CSP
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _not_found() -> Response:
    """One answer for an unknown code and a malformed one: same status, same bytes."""
    return _page("web/public_unknown.html", 404)


def mask(name: str) -> str:
    """``Lê Thị Thu Hà`` → ``Lê T. T. H.``: the family name and initials."""
    words = name.split()
    if len(words) < 2:
        return name[:1] + "." if name else name
    return " ".join([words[0], *(w[0] + "." for w in words[1:])])


def facts(doc: IssuedView, payload: Mapping[str, Any], masked: bool) -> list[tuple[str, str]]:
    """What the document itself prints, as (label, value) lines."""
    doc_type = registry.get(doc.document_type)
    lines = [("Loại văn bản", doc_type.title if doc_type else doc.document_type),
             ("Số, ký hiệu", doc.number_symbol),
             ("Ngày ban hành", doc.date.strftime("%d/%m/%Y")),
             ("Cơ quan ban hành", doc.issuer_name)]
    if payload.get("recipient_name"):
        name = str(payload["recipient_name"])
        lines.append(("Người nhận", mask(name) if masked else name))
    if payload.get("award") in AWARDS:
        award = AWARDS[payload["award"]]
        title = payload.get("title")
        lines.append(("Hình thức", f"{award}: {title}" if title else award))
    return lines


def _found(code: str) -> tuple[IssuedView, dict[str, Any]] | None:
    store = register()
    doc = by_code(store.engine, code)
    if doc is None:
        return None
    return doc, store.payload(doc.id)


def _check(doc: IssuedView) -> dict[str, Any]:
    """The posted PDF against the issued one (hash) and its signatures."""
    from service.signing.validate import verify_pdf

    upload = request.files.get("file")
    content = upload.read(MAX_UPLOAD + 1) if upload is not None else b""
    if not content or len(content) > MAX_UPLOAD:
        return {"error": "Chọn tệp PDF của văn bản (tối đa 20 MB) rồi bấm Kiểm tra."}
    same = hashlib.sha256(content).hexdigest() == doc.sha256.get("pdf")
    report = verify_pdf(content, current_app.config.get("SIGNING_TRUST_ROOTS", ""))
    return {"same": same, "signatures": report.signatures, "readable": report.readable,
            "all_valid": report.all_valid, "name": upload.filename if upload else ""}


@bp.route("/<path:code>", methods=["GET", "POST"])
@public
def verification(code: str) -> Response:
    found = _found(code)
    if found is None:
        return _not_found()
    doc, payload = found
    check = _check(doc) if request.method == "POST" else None
    return _page("web/public.html", doc=doc, check=check, code=doc.verification_code,
                 facts=facts(doc, payload, current_app.config.get("PUBLIC_MASK_NAMES", False)))


@bp.route("", methods=["GET", "POST"], strict_slashes=False)
@public
def no_listing() -> Response:
    return _not_found()


def _before() -> Response | None:
    if request.blueprint != bp.name:
        return None
    buckets: TokenBuckets = current_app.extensions[BUCKETS]
    wait = buckets.take(request.remote_addr or "unknown")
    if wait > 0:
        response = _page("web/public_busy.html", 429, seconds=max(1, math.ceil(wait)))
        response.headers["Retry-After"] = str(max(1, math.ceil(wait)))
        return response
    return None


class _WithoutCookies:
    """WSGI: requests to the public pages arrive without cookies (no session, no clerk, no
    CSRF token to check: the page changes nothing), and set none."""

    def __init__(self, wsgi_app: Any) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict, start_response: Any) -> Any:
        path = environ.get("PATH_INFO", "")
        if path == PREFIX or path.startswith(PREFIX + "/"):
            environ.pop("HTTP_COOKIE", None)
        return self.wsgi_app(environ, start_response)


def init_app(app: Flask) -> None:
    """The public pages, with their own rate limit ahead of every other check."""
    app.wsgi_app = _WithoutCookies(app.wsgi_app)  # type: ignore[method-assign]
    per_minute = app.config.get("PUBLIC_RATE_LIMIT", 20)
    app.extensions[BUCKETS] = TokenBuckets(per_minute / 60.0, per_minute)
    app.before_request_funcs.setdefault(None, []).insert(0, _before)
    app.register_blueprint(bp)
