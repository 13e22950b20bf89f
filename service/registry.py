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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
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


class Prepared(dict):
    """The validated payload (a plain mapping of its clean data) with everything derived from
    it: ``context``, what both templates read (layout fitting, reward amounts, numbering,
    texts), computed once by the type's ``prepare`` step.

    A changed copy is plain data again and is prepared anew before it renders.
    """

    def __init__(self, data: Mapping[str, Any], context: Mapping[str, Any]) -> None:
        super().__init__(data)
        self.context = context


PrepareStep = Callable[[Mapping[str, Any]], dict[str, Any]]
ItemsHook = Callable[[Mapping[str, Any], Sequence[Any]],
                     tuple[dict[str, Any], list[Any], list[Any]]]


@dataclass(frozen=True)
class BatchSupport:
    """What a type adds to batches (one document per row of a list)."""

    columns: tuple[str, ...]                  # the spreadsheet's columns, in order (public)
    example: Callable[[Path], dict[str, Any]] | None = None  # a request body (public)
    # common + items → (common, items, errors) before validation (e.g. register numbering)
    prepare_items: ItemsHook | None = None
    # the prepared items → errors across rows (e.g. duplicate register numbers)
    check: Callable[[Sequence[Any]], list[Any]] | None = None
    # common + items → the register numbers the batch takes, or None
    register_range: Callable[[Mapping[str, Any], Sequence[Any]], range | None] | None = None
    # a faster renderer of a chunk (renderer, doc_type, items, output) → bytes
    render_chunk: Callable[..., bytes] | None = None


@dataclass(frozen=True)
class DocumentType:
    """A kind of document the service can produce: one module of ``service/doctypes``
    declares it as ``DOCUMENT_TYPE``. An unknown keyword is refused (TypeError at import,
    reported by the registry as a RegistryError naming the module)."""

    id: str                                   # URL segment, template stem, sample file name
    title: str                                # Vietnamese, shown to clerks
    description: str                          # one or two sentences for the home page
    schema: type[Schema]                      # field rules: imports nothing but service.vn
    # data → context: everything derived, once; raises marshmallow's ValidationError
    # (keyed like the payload) for what it finds (text that does not fit, unknown awards)
    build_context: PrepareStep
    file_stem: Callable[[Mapping[str, Any]], str]   # readable Vietnamese name without extension
    formats: tuple[Format, ...] = (Format.DOCX, Format.PDF)
    docx_template: str = ""                   # defaults to <id>.docx
    html_template: str = ""                   # defaults to <id>.html
    build_docx_template: Callable[[Path], None] | None = None  # python-docx builder
    finish_docx: Callable[[bytes, Mapping[str, Any]], bytes] | None = None  # after docxtpl
    batch: BatchSupport | None = None
    # payload fields the templates do not print as such (the contract tests' hint)
    not_printed: tuple[str, ...] = ()

    @property
    def docx_name(self) -> str:
        return self.docx_template or f"{self.id}.docx"

    @property
    def html_name(self) -> str:
        return self.html_template or f"{self.id}.html"

    @property
    def sample_name(self) -> str:
        return f"{self.id}.json"

    def prepare(self, data: Mapping[str, Any]) -> Prepared:
        """The one step that derives everything the templates print.

        :raises marshmallow.ValidationError: what it found wrong, keyed like the payload.
        """
        if isinstance(data, Prepared):
            return data
        return Prepared(data, self.build_context(data))

    def public_options(self, samples_dir: Path) -> dict[str, Any]:
        """What GET /api/v1/document-types/<id> and the page may show beyond the schema."""
        if self.batch is None:
            return {}
        options: dict[str, Any] = {"batch_columns": list(self.batch.columns)}
        if self.batch.example is not None:
            options["batch_example"] = self.batch.example(samples_dir)
        return options

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
