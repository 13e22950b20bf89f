"""The register of issued documents (sổ đăng ký văn bản đi): no Flask in here.

* :class:`RegisterStore` (:mod:`~service.register.store`): ``issue`` (the next number of the
  document's sequence, its DOCX and PDF stored with their SHA-256, one transaction),
  ``get``/``require``, ``payload`` (as issued), ``file_bytes``, ``search``
  (:class:`Filters` → :class:`Page`), ``void`` and ``orphans``;
* :mod:`~service.register.numbering`: the sequence scope (``REGISTER_SEQUENCE``) and
  Decree 30's numbering;
* :mod:`~service.register.export`: a search as XLSX or CSV, and the printed register (PDF,
  Decree 30's *Sổ đăng ký văn bản đi*);
* :mod:`~service.register.errors`: the refusals (a payload problem is the core's
  ``InvalidPayload``).

The tables: :mod:`service.db.register`.
"""

from service.register.errors import (
    AlreadyVoided,
    IdempotencyMismatch,
    IssuedNotFound,
    NotIssuable,
    RegisterError,
    StoredFileMissing,
)
from service.register.store import RegisterStore, is_issuable, request_hash
from service.register.views import Filters, IssuedView, Page

__all__ = ["AlreadyVoided", "Filters", "IdempotencyMismatch", "IssuedNotFound", "IssuedView",
           "NotIssuable", "Page", "RegisterError", "RegisterStore", "StoredFileMissing",
           "is_issuable", "request_hash"]
