"""The "Sổ đăng ký" page: the register of issued documents for clerks.

The list is rendered here from the register's own search (the same :class:`Filters` as
``GET /api/v1/issued``); the filter form is a plain GET form, so a search is an address that
can be bookmarked, and it works before any script runs. Downloads and exports are links to
the JSON API's files; voiding (admins only) goes through ``POST /api/v1/issued/<id>/void``
from ``static/register.js``.

Query parameters (Vietnamese, as the address bar shows them): ``so`` (number), ``tu-khoa``
(text in the summary), ``nam`` (year), ``loai`` (type), ``tinh-trang`` (``con-hieu-luc`` or
``da-huy``), ``trang`` (page, from 1). A value that cannot be read is ignored, never an error
page: the clerk sees the whole register and the form shows what was understood.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

from flask import Response, request, url_for

from service import registry
from service.api.issued import register
from service.auth.guard import current_principal
from service.register import Filters, IssuedView, is_issuable
from service.register.numbering import office_today
from service.web.views import batches_enabled, bp, render_page

PER_PAGE = 20
STATUSES = {"con-hieu-luc": False, "da-huy": True}


@dataclass(frozen=True)
class Search:
    """What the clerk asked for, as understood."""

    number: int | None = None
    text: str = ""
    year: int | None = None
    type_id: str = ""
    status: str = ""
    page: int = 1

    def filters(self) -> Filters:
        return Filters(number=self.number, year=self.year, document_type=self.type_id or None,
                       text=self.text or None, voided=STATUSES.get(self.status),
                       limit=PER_PAGE, offset=(self.page - 1) * PER_PAGE)

    def api_query(self) -> str:
        """The same search in the API's parameters (for the exports)."""
        params = {"number": self.number, "q": self.text or None, "year": self.year,
                  "document_type": self.type_id or None,
                  "voided": None if self.status not in STATUSES else
                  str(STATUSES[self.status]).lower()}
        return urlencode({k: v for k, v in params.items() if v is not None})

    def page_url(self, page: int) -> str:
        params = {"so": self.number, "tu-khoa": self.text or None, "nam": self.year,
                  "loai": self.type_id or None, "tinh-trang": self.status or None,
                  "trang": page if page > 1 else None}
        query = urlencode({k: v for k, v in params.items() if v is not None})
        return url_for("web.register_page") + (f"?{query}" if query else "")


def _int(raw: str | None, low: int, high: int) -> int | None:
    raw = (raw or "").strip()
    if raw.isascii() and raw.isdigit() and low <= int(raw) <= high:
        return int(raw)
    return None


def read_search(args: Mapping[str, str]) -> Search:
    type_id = args.get("loai", "")
    doc_type = registry.get(type_id) if type_id else None
    status = args.get("tinh-trang", "")
    return Search(number=_int(args.get("so"), 1, 99999),
                  text=" ".join((args.get("tu-khoa") or "").split())[:200],
                  year=_int(args.get("nam"), 1945, 2100),
                  type_id=doc_type.id if doc_type is not None else "",
                  status=status if status in STATUSES else "",
                  page=_int(args.get("trang"), 1, 100_000) or 1)


DOSSIER_TYPE = "commendation_decision"


def issuable_types() -> list[registry.DocumentType]:
    return [t for t in registry.document_types().values() if is_issuable(t)]


def entry(doc: IssuedView) -> dict:
    """One row as the page shows it."""
    doc_type = registry.get(doc.document_type)
    return {"doc": doc, "anchor": f"vb-{doc.id}",
            "type_title": doc_type.title if doc_type else "",
            "date": doc.date.strftime("%d/%m/%Y"),
            "pdf": url_for("issued.download_pdf", issued_id=doc.id) if doc.files.get("pdf")
            else None,
            "docx": url_for("issued.download_docx", issued_id=doc.id)
            if doc.files.get("docx") else None,
            # an issued commendation decision makes its dossier (certificates, register)
            "dossier": doc.document_type == DOSSIER_TYPE and not doc.voided}


@bp.get("/so-dang-ky")
def register_page() -> Response:
    """The register: search, filters, pages, downloads, exports; "Hủy" for admins."""
    search = read_search(request.args)
    found = register().search(search.filters())
    pages = max(1, -(-found.total // PER_PAGE))
    principal = current_principal()
    return render_page(
        "web/register.html", search=search, entries=[entry(d) for d in found.items],
        total=found.total, pages=pages, types=issuable_types(),
        print_year=search.year or office_today().year, export_query=search.api_query(),
        can_void=principal is not None and principal.is_admin, batches=batches_enabled(),
        previous=search.page_url(search.page - 1) if search.page > 1 else None,
        following=search.page_url(search.page + 1) if search.page < pages else None)
