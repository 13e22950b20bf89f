"""Chỉ thị (directive) that launches an emulation movement — DOMAIN.md §4.1, Mẫu 1.4."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from schemas.directive import DirectiveSchema
from service.kit import docx_parts as parts
from service.kit import layout
from service.kit.context import administrative_context, file_stem, paragraphs
from service.kit.plugin import DocumentType

TYPE_ABBREV = "CT"


def build_context(data: Mapping[str, Any]) -> dict[str, Any]:
    context = administrative_context(data, type_abbrev=TYPE_ABBREV, type_name="CHỈ THỊ")
    context["body"] = [
        *paragraphs(data["preamble"]),
        *paragraphs([launch] if (launch := movement_sentence(data.get("movement"))) else []),
        *paragraphs([data["transition"]] if data.get("transition") else []),
        *(layout.outline_blocks(data["sections"]) if data["sections"]
          else layout.task_blocks(data["tasks"])),
        *paragraphs([layout.with_final_mark(data["closing"])]),
    ]
    return context


def movement_sentence(movement: Mapping[str, Any] | None) -> str | None:
    """``Bộ trưởng … phát động phong trào thi đua năm 2027 với chủ đề: “…”.``"""
    if not movement:
        return None
    theme = movement["theme"].strip().strip("“”\"").rstrip(".")
    return (f"{movement['launcher'].strip()} phát động phong trào thi đua "
            f"{movement['period'].strip()} với chủ đề: “{theme}”.")


def build_docx_template(path: Path) -> None:
    doc = parts.new_document()
    parts.page_number_header(doc)
    parts.decree30_header(doc)
    parts.title_block(doc)
    parts.body_blocks(doc)
    parts.signature_block(doc)
    parts.save(doc, path)


DOCUMENT_TYPE = DocumentType(
    id="directive",
    title="Chỉ thị phát động phong trào thi đua",
    description="Chỉ thị của người đứng đầu cơ quan phát động phong trào thi đua năm hoặc theo "
                "đợt: phần mở đầu, các nhiệm vụ trọng tâm đánh số, tổ chức thực hiện.",
    schema=DirectiveSchema,
    build_context=build_context,
    file_stem=lambda data: file_stem("Chỉ thị", data, TYPE_ABBREV),
    build_docx_template=build_docx_template,
    html_template="outline_document.html",  # header, title, outlined body, signature
)
