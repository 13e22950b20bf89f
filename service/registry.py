"""The registry of document types.

Each module in ``service/doctypes/`` defines ``DOCUMENT_TYPE``; the registry discovers them, so
adding a type touches no routing, page or CLI code. Discovery runs on first use, not on import.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

from marshmallow import Schema

from service.core_errors import UnknownDocumentType


class Format(StrEnum):
    """Output formats."""

    DOCX = "docx"
    PDF = "pdf"

    @property
    def mimetype(self) -> str:
        return {
            "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "pdf": "application/pdf",
        }[self.value]


class RegistryError(RuntimeError):
    """The document types cannot be registered: the message names the module or the id."""


@dataclass(frozen=True)
class DocumentType:
    """A kind of document the service can produce."""

    id: str                                   # URL segment, template stem, sample file name
    title: str                                # Vietnamese, shown to clerks
    description: str                          # one or two sentences for the home page
    schema: type[Schema]
    build_context: Callable[[Mapping[str, Any]], dict[str, Any]]
    file_stem: Callable[[Mapping[str, Any]], str]   # readable Vietnamese name without extension
    formats: tuple[Format, ...] = (Format.DOCX, Format.PDF)
    docx_template: str = ""                   # defaults to <id>.docx
    html_template: str = ""                   # defaults to <id>.html
    build_docx_template: Callable[[], Any] | None = None   # python-docx builder of the template
    extra: Mapping[str, Any] = field(default_factory=dict)
    # the keys of ``extra`` that GET /api/v1/document-types/<id> publishes (a callable value is
    # called with the samples directory); every other key is internal (hooks, test hints)
    public_options: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        unknown = [k for k in self.public_options if k not in self.extra]
        if unknown:
            raise RegistryError(f"document type {self.id!r}: public_options {unknown} are not "
                                "in extra")

    @property
    def docx_name(self) -> str:
        return self.docx_template or f"{self.id}.docx"

    @property
    def html_name(self) -> str:
        return self.html_template or f"{self.id}.html"

    def filename(self, data: Mapping[str, Any], fmt: Format) -> str:
        return f"{safe_file_stem(self.file_stem(data))}.{fmt.value}"


_UNSAFE_FILENAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def safe_file_stem(stem: str) -> str:
    """A readable Vietnamese file name with nothing a file system or header could misread."""
    stem = unicodedata.normalize("NFC", stem)
    stem = _UNSAFE_FILENAME.sub("-", stem).strip(" .-")
    stem = re.sub(r"\s+", " ", stem)
    return stem[:120] or "van-ban"


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
        module = importlib.import_module(f"{package.__name__}.{info.name}")
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
    return json.loads((samples_dir / f"{doc_type.id}.json").read_text(encoding="utf-8"))
