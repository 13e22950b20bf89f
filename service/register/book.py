"""The outgoing register printed as Decree 30 gives it: *Sổ đăng ký văn bản đi*.

Nghị định 30/2020/NĐ-CP, Phụ lục IV, mục I (notes and source: ``doc_templates/README.md``):
a cover (parent agency, agency, ``SỔ ĐĂNG KÝ VĂN BẢN ĐI``, year, from date to date, from number
to number, volume) and a table of at least ten columns, (1) to (10). Columns the service cannot
know (copies, date handed over, receipt signature) are left blank for the văn thư's pen.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from itertools import groupby
from pathlib import Path
from typing import Any

from service.register.views import IssuedView

HEADINGS = ("Số, ký hiệu văn bản", "Ngày tháng văn bản", "Tên loại và trích yếu nội dung "
            "văn bản", "Người ký", "Nơi nhận văn bản", "Đơn vị, người nhận bản lưu",
            "Số lượng bản", "Ngày chuyển", "Ký nhận", "Ghi chú")
WIDTHS_MM = (26, 20, 66, 28, 40, 24, 12, 16, 18, 17)

CSS = """
@page { size: A4 landscape; margin: 15mm 12mm 15mm 12mm;
        @top-center { content: counter(page); font-family: "Liberation Serif Bundled";
                      font-size: 11pt; } }
@page :first { @top-center { content: none; } }
body { font-family: "Liberation Serif Bundled"; font-size: 11pt; }
.cover { page-break-after: always; text-align: center; padding-top: 20mm; }
.cover .parent { text-transform: uppercase; margin: 0; }
.cover .agency { text-transform: uppercase; font-weight: bold; margin: 0 0 40mm 0; }
.cover h1 { font-size: 22pt; margin: 0 0 12mm 0; }
.cover p { margin: 3mm 0; font-size: 13pt; }
table { border-collapse: collapse; width: 100%; table-layout: fixed; }
th, td { border: 0.5pt solid black; padding: 1mm; vertical-align: top; font-size: 10pt;
         overflow-wrap: break-word; }
th { font-weight: bold; text-align: center; }
thead tr.numbers th { font-weight: normal; }
tr { page-break-inside: avoid; }
.voided { font-style: italic; }
"""

TYPE_NAMES = {"directive": "Chỉ thị", "emulation_plan": "Kế hoạch",
              "commendation_decision": "Quyết định"}


def _cover(docs: Sequence[tuple[IssuedView, dict[str, Any]]], year: int) -> str:
    first, payload = docs[0]
    last = docs[-1][0]
    parent = (payload.get("issuer") or {}).get("parent") or ""
    lines = [f'<p class="parent">{escape(parent)}</p>' if parent else "",
             f'<p class="agency">{escape(first.issuer_name)}</p>',
             "<h1>SỔ ĐĂNG KÝ VĂN BẢN ĐI</h1>",
             f"<p>Năm: {year}</p>",
             f"<p>Từ ngày {first.date:%d/%m/%Y} đến ngày {last.date:%d/%m/%Y}</p>",
             f"<p>Từ số {first.number_text} đến số {last.number_text}</p>",
             "<p>Quyển số: ....</p>"]
    return '<section class="cover">' + "".join(lines) + "</section>"


def _row(doc: IssuedView, payload: dict[str, Any]) -> str:
    kind = TYPE_NAMES.get(doc.document_type, "")
    note = (f"Đã hủy ngày {doc.voided_at:%d/%m/%Y}: {doc.void_reason}" if doc.voided
            else "")
    cells = (doc.number_symbol, f"{doc.date:%d/%m/%Y}",
             f"{kind} {doc.summary}".strip(), doc.signer_name, "; ".join(doc.recipients),
             payload.get("archive") or "", "", "", "", note)
    css = ' class="voided"' if doc.voided else ""
    return f"<tr{css}>" + "".join(f"<td>{escape(str(c))}</td>" for c in cells) + "</tr>"


def _table(docs: Sequence[tuple[IssuedView, dict[str, Any]]]) -> str:
    cols = "".join(f'<col style="width:{w}mm">' for w in WIDTHS_MM)
    head = "".join(f"<th>{escape(h)}</th>" for h in HEADINGS)
    numbers = "".join(f"<th>({n})</th>" for n in range(1, len(HEADINGS) + 1))
    body = "".join(_row(doc, payload) for doc, payload in docs)
    return (f"<table><colgroup>{cols}</colgroup><thead><tr>{head}</tr>"
            f'<tr class="numbers">{numbers}</tr></thead><tbody>{body}</tbody></table>')


def register_html(entries: Sequence[tuple[IssuedView, dict[str, Any]]], year: int) -> str:
    """One cover and one table per sequence (agency) of ``year``, in number order."""
    sections = []
    for _scope, group in groupby(entries, key=lambda entry: entry[0].scope):
        docs = list(group)
        sections.append(_cover(docs, year) + _table(docs))
    if not sections:
        sections.append(f'<section class="cover"><h1>SỔ ĐĂNG KÝ VĂN BẢN ĐI</h1>'
                        f"<p>Năm: {year}</p><p>Chưa có văn bản nào.</p></section>")
    return ('<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8">'
            "<title>Sổ đăng ký văn bản đi</title></head><body>"
            + '<div style="page-break-before: always"></div>'.join(sections)
            + "</body></html>")


def register_pdf(entries: Sequence[tuple[IssuedView, dict[str, Any]]], year: int, *,
                 templates_dir: Path | str, wait_s: float | None = None) -> bytes:
    """The printed register through the render core's PDF backend (its fonts, its fetcher)."""
    from service.rendering import get_renderer

    backend = get_renderer(templates_dir).pdf
    return backend.write_pdf(register_html(entries, year), [backend.stylesheet(text=CSS)],
                             wait_s=wait_s)
