"""Context shared by every Decree 30 administrative document (ô 1-5, 7, 9).

A document type's ``build_context`` starts from :func:`administrative_context` and adds its
body. Keys are exactly what the templates read; the contract tests compare them with the
variables each DOCX and HTML template declares.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from service import vn
from service.kit import layout


def administrative_context(data: Mapping[str, Any], *, type_abbrev: str,
                           type_name: str) -> dict[str, Any]:
    """Header, title, signature and recipients of a typed administrative document."""
    issuer = data["issuer"]
    suffixes = [data["symbol_suffix"]] if data.get("symbol_suffix") else []
    return {
        "issuer": {"parent": issuer.get("parent"), "name": issuer["name"],
                   **layout.issuer_lines(issuer)},
        "number": data.get("number"),
        "symbol": vn.build_symbol(type_abbrev, issuer["abbreviation"], *suffixes),
        "place": data["place"],
        "date": data.get("date"),
        "year": data.get("year") or data["date"].year,
        "type_name": type_name,
        "summary": data["summary"],
        "layout": layout.header_layout(issuer, data["summary"]),
        "signer_lines": layout.signer_lines(data["signer"], layout.SIGNER_COLUMN_MM,
                                            layout.SIGNER_PT),
        "signer_name": data["signer"]["name"],
        "recipient_lines": layout.recipient_lines(data["recipients"], data["archive"]),
    }


def paragraphs(texts: list[str] | tuple[str, ...], kind: str = "paragraph") -> list[dict[str, str]]:
    """Plain body paragraphs as blocks."""
    return [{"kind": kind, "label": "", "text": t} for t in texts]


def file_stem(type_label: str, data: Mapping[str, Any], symbol_abbrev: str) -> str:
    """``Chỉ thị 67-CT-BTTTT 2019-12-27`` style names; ``(chưa cấp số)`` when blank."""
    number = f"{data['number']:02d}" if data.get("number") else "chưa cấp số"
    symbol = vn.build_symbol(symbol_abbrev, data["issuer"]["abbreviation"],
                             *([data["symbol_suffix"]] if data.get("symbol_suffix") else []))
    when = data["date"].isoformat() if data.get("date") else str(data.get("year"))
    return f"{type_label} {number}-{symbol} {when}"
