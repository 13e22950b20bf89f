"""The clerks' web page: home, one form per document type, batches from a spreadsheet.

Pages are thin: the forms are generated in the browser (``static/form.js``) from the JSON
Schema that ``GET /api/v1/document-types/<id>`` returns, and every preview, download and
batch goes through the JSON API — the same validation and render core as any API client.
The page's session cookie carries only a CSRF token; every state-changing request made with
that cookie must send the token in ``X-CSRF-Token`` (:mod:`service.web.session`).
"""

from __future__ import annotations

from flask import Flask

from service.web import account, public, register_page, session  # noqa: F401  (routes)
from service.web.views import bp, register_not_found

__all__ = ["bp", "init_app"]


def init_app(app: Flask) -> None:
    """Secret key, session cookie, CSRF check, the pages at ``/`` and HTML 404s for browsers."""
    session.init_app(app)
    app.register_blueprint(bp)
    register_not_found(app)
    public.init_app(app)  # /xac-minh/<code>: the public verification page (issue 15)
