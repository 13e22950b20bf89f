"""The Flask application factory behind :func:`service.create_app`."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from typing import Any

from flask import Flask, g, request

from schemas import clock
from service import api, config, docs, health, metrics, ratelimit, registry, rewards, web
from service.auth import guard as auth_guard
from service.http_errors import register_error_handlers
from service.logging_setup import configure_logging

log = logging.getLogger(__name__)
access_log = logging.getLogger("thidua.access")


def _configure(app: Flask, settings: Mapping[str, Any]) -> None:
    app.config.update(settings)
    app.config.update(
        MAX_CONTENT_LENGTH=settings["MAX_REQUEST_BYTES"],
        MAX_FORM_MEMORY_SIZE=min(settings["MAX_REQUEST_BYTES"], 8 * 1024 * 1024),
        MAX_FORM_PARTS=200,
        JSON_AS_ASCII=False,
        API_TITLE="Dịch vụ văn bản thi đua, khen thưởng",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api",
        OPENAPI_JSON_PATH="openapi.json",
    )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    proxies = settings["TRUSTED_PROXIES"]
    if proxies:  # believe X-Forwarded-For/-Proto/-Host from exactly this many proxies
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies,  # type: ignore
                                x_host=proxies)


def _request_id() -> None:
    incoming = request.headers.get("X-Request-ID", "")
    g.request_id = incoming if 8 <= len(incoming) <= 64 and incoming.isascii() \
        and incoming.replace("-", "").isalnum() else uuid.uuid4().hex


def _access_log(response):
    # One structured line per request: never the payload (it carries personal data).
    endpoint = request.endpoint or ""
    doc_type = (request.view_args or {}).get("type_id")
    if endpoint.startswith("documents.render_"):
        doc_type = endpoint.removeprefix("documents.render_").rsplit("_", 1)[0]
    access_log.info("request", extra={
        "request_id": g.get("request_id"),
        "method": request.method,
        "route": request.url_rule.rule if request.url_rule is not None else "<unmatched>",
        "status": response.status_code,
        "client": g.get("client_id") or request.remote_addr,
        "doc_type": doc_type,
        "bytes": response.calculate_content_length(),
    })
    return response


def _headers(response):
    response.headers["X-Request-ID"] = g.get("request_id", "")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
    return response


def build_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    settings = config.load(overrides)
    from service.rendering import memory

    memory.limit_arenas()  # before the server's threads make their own malloc arenas
    configure_logging(settings["LOG_LEVEL"])
    app = Flask(__name__, static_folder="static", static_url_path="/static")
    _configure(app, settings)
    app.before_request(_request_id)
    app.after_request(_access_log)
    app.after_request(_headers)

    registry.document_types()  # discover types now: a broken type module fails the start
    rewards.configure(settings["REWARDS_FILE"])  # a broken rewards table fails the start
    clock.configure(max_ahead_days=settings["MAX_DATE_AHEAD_DAYS"])  # how far ahead dates go

    api.init_app(app)  # the OpenAPI document, /api/v1 (and the batches' job store)
    auth_guard.init_app(app)  # who is asking (key or session); before the rate limit
    app.register_blueprint(health.bp)
    metrics.init_app(app)
    ratelimit.init_app(app)
    app.register_blueprint(docs.bp)
    web.init_app(app)  # the clerks' pages at /, their session and CSRF check
    register_error_handlers(app)  # after Api(): ours replace flask-smorest's JSON errors

    return app
