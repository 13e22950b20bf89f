"""The registry of document types.

Each module in ``service/doctypes/`` declares ``DOCUMENT_TYPE`` (:mod:`service.kit.plugin`);
the registry discovers them, so adding a type touches no routing, page or CLI code. Discovery
runs on first use, not on import. The declaration's names are re-exported here for adapters.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
from functools import cache
from pathlib import Path
from typing import Any

from service.core_errors import UnknownDocumentType
from service.kit.plugin import (
    BatchSupport,
    DocumentType,
    Format,
    Output,
    Prepared,
    safe_file_stem,
)

__all__ = ["BatchSupport", "DocumentType", "Format", "Output", "Prepared", "RegistryError",
           "document_types", "get", "require", "safe_file_stem", "sample_payload"]


class RegistryError(RuntimeError):
    """The document types cannot be registered: the message names the module or the id."""


@cache
def document_types() -> dict[str, DocumentType]:
    """All registered document types, by id, in the display order (``doctypes.ORDER``).

    :raises RegistryError: a public module of ``service/doctypes`` that declares no
        ``DOCUMENT_TYPE`` (a forgotten or misspelt declaration is never skipped silently), two
        types with one id, or an id in ``ORDER`` that no module declares.
    """
    import service.doctypes as package

    found: dict[str, DocumentType] = {}
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        try:
            module = importlib.import_module(f"{package.__name__}.{info.name}")
        except TypeError as exc:  # DocumentType(…) with a field it does not have
            raise RegistryError(f"{package.__name__}.{info.name}: {exc}") from exc
        doc_type = getattr(module, "DOCUMENT_TYPE", None)
        if not isinstance(doc_type, DocumentType):
            raise RegistryError(f"{module.__name__} declares no DOCUMENT_TYPE = DocumentType(…)"
                                " (a helper module's name starts with '_')")
        if doc_type.id in found:
            raise RegistryError(f"duplicate document type id {doc_type.id!r}")
        found[doc_type.id] = doc_type
    order = tuple(getattr(package, "ORDER", ()))
    unknown = [type_id for type_id in order if type_id not in found]
    if unknown:
        raise RegistryError(f"service.doctypes.ORDER names unknown types: {unknown}")
    return dict(sorted(found.items(), key=lambda kv: (
        order.index(kv[0]) if kv[0] in order else len(order), kv[0])))


def get(type_id: str) -> DocumentType | None:
    return document_types().get(type_id)


def require(type_id: str) -> DocumentType:
    """The registered type ``type_id``; every adapter looks a type up through this.

    :raises UnknownDocumentType: no such type.
    """
    doc_type = document_types().get(type_id)
    if doc_type is None:
        raise UnknownDocumentType(type_id)
    return doc_type


def sample_payload(doc_type: DocumentType, samples_dir: Path) -> dict[str, Any]:
    """The sample payload of a type (``samples/<id>.json``)."""
    return json.loads((samples_dir / doc_type.sample_name).read_text(encoding="utf-8"))
