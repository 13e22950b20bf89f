"""What a document type declares: the plugin interface of ``service/doctypes``.

A module of ``service/doctypes`` declares ``DOCUMENT_TYPE = DocumentType(…)``: its schema, its
templates, its one prepare step (``build_context``: everything derived, computed once), its
file name and, optionally, what it adds to batches (:class:`BatchSupport`). The registry
(:mod:`service.registry`) discovers the declarations; the render core reads them.
"""

from __future__ import annotations

import re
import unicodedata
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from marshmallow import Schema


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


class Output(StrEnum):
    """What a batch produces: one merged PDF, or a ZIP of one PDF or one DOCX per item."""

    PDF = "pdf"
    ZIP_PDF = "zip-pdf"
    ZIP_DOCX = "zip-docx"

    @property
    def item_format(self) -> Format:
        """The format each item is rendered in."""
        return Format.DOCX if self is Output.ZIP_DOCX else Format.PDF

    @property
    def is_archive(self) -> bool:
        return self is not Output.PDF

    @property
    def extension(self) -> str:
        """Of the batch's result file."""
        return "zip" if self.is_archive else "pdf"

    @property
    def mimetype(self) -> str:
        """Of the batch's result file."""
        return "application/zip" if self.is_archive else "application/pdf"


def zip_info(name: str) -> zipfile.ZipInfo:
    """A ZIP member: stored, a fixed date (the same items give the same bytes), UTF-8 name."""
    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))  # deterministic bytes
    info.compress_type = zipfile.ZIP_STORED
    info.flag_bits |= 0x800  # UTF-8 names
    return info
