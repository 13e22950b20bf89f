"""Quyết định khen thưởng with its attached list (Danh sách) — DOMAIN.md §4.3, §1.10, §2, §8.

The decision (Mẫu 1.2): header, ``QUYẾT ĐỊNH``, the summary, the authority line in capitals,
the ``Căn cứ …;`` lines, ``Theo đề nghị của … .``, ``QUYẾT ĐỊNH:``, the articles (the payload's
texts, or the usual wording), signer and recipients starting ``- Như Điều N;``.

The list starts on a new page as its own section (DOCX) / named page group (PDF) whose page
numbers restart at 1 and show from its second page: ``DANH SÁCH``, its title, the
``(Kèm theo Quyết định số … ngày … của …)`` line, a table whose heading row repeats on every
page and whose rows never split — collectives and individuals in groups ``I. TẬP THỂ``,
``II. CÁ NHÂN`` numbered separately — then the totals in numerals and in words.

Rows are built once here as plain strings; both templates only loop over them, so a list of
thousands of entries renders in time proportional to its length.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from schemas.commendation_decision import (
    CommendationDecisionSchema,
    execution_article_number,
    refers_to_article,
)
from service import rewards, vn
from service.core_errors import FieldError, InvalidPayload
from service.registry import DocumentType
from service.rendering import docx_parts as parts
from service.rendering import layout
from service.rendering.context import administrative_context, file_stem

TYPE_ABBREV = "QĐ"
TYPE_NAME = "QUYẾT ĐỊNH"
GROUP_NAMES = {"tap_the": "TẬP THỂ", "ca_nhan": "CÁ NHÂN"}
NOUNS = {"tap_the": "tập thể", "ca_nhan": "cá nhân"}
DEFAULT_EXECUTORS = "Thủ trưởng các cơ quan, đơn vị có liên quan"
DEFAULT_FUNDING = "Quỹ thi đua, khen thưởng theo quy định"
LIST_PT = 13

# Column widths of the list (mm); the position/unit column takes what is left of 165 mm.
COL_NO_MM, COL_AWARD_MM, COL_AMOUNT_MM = 14.0, 30.0, 27.0


def count_text(n: int, kind: str) -> str:
    """``01 tập thể``, ``12 cá nhân``, ``3.000 cá nhân`` (a leading zero below 10, as
    decisions write counts)."""
    number = f"{n:02d}" if n < 10 else vn.format_number(n)
    return f"{number} {NOUNS[kind]}"


def _subjects(kinds: Sequence[str]) -> str:
    return ", ".join(NOUNS[k] for k in ("tap_the", "ca_nhan") if k in kinds)


def _sentence(text: str, end: str) -> str:
    return text.strip().rstrip(" .;,:") + end


def _paragraphs(text: str) -> list[str]:
    return [line.strip() for line in text.split("\n") if line.strip()]


# ------------------------------------------------------------------ the attached list

def _reward_lookup(data: Mapping[str, Any]):
    """``lookup(index, code, kind) -> amount``, computing each (award, kind) once."""
    table = rewards.current()
    on: dt.date | None = data.get("reward_date") or data.get("date")
    cache: dict[tuple[str, str], int] = {}

    def lookup(index: int, code: str | None, kind: str) -> int:
        if code is None:
            raise InvalidPayload([FieldError(
                f"/entries/{index}/award", "required",
                "Cần mã hình thức khen thưởng để tính tiền thưởng, hoặc ghi số tiền.")])
        key = (code, kind)
        if key not in cache:
            try:
                reward = (table.reward(code, kind, on) if on is not None
                          else table.reward_in_year(code, kind, data["year"]))
            except rewards.RewardLookupError as exc:
                raise InvalidPayload([FieldError(f"/entries/{index}/award", exc.code,
                                                     exc.message)]) from None
            cache[key] = reward.amount
        return cache[key]

    return lookup, table


def _award_phrase(label: str, code: str | None, table) -> str:
    """How Điều 1 names an award: ``Bằng khen …`` or ``danh hiệu “Chiến sĩ thi đua cơ sở”``."""
    title = table is not None and code in table.awards and table.awards[code].name.startswith(
        "Danh hiệu")
    return f"danh hiệu “{label.strip('“”')}”" if title else label


def _legal_basis(data: Mapping[str, Any], table) -> str | None:
    """The decree in force for the computed amounts (the table's dated ``legal_basis``)."""
    on = data.get("reward_date") or data.get("date") or dt.date(data["year"], 12, 31)
    return table.legal_basis(on)


def _column_widths(show_award: bool, show_amount: bool) -> dict[str, float]:
    widths = {"no": COL_NO_MM, "name": 50.0 if not (show_award and show_amount) else 44.0}
    if show_award:
        widths["award"] = COL_AWARD_MM
    if show_amount:
        widths["amount"] = COL_AMOUNT_MM
    widths["detail"] = layout.TEXT_WIDTH_MM - sum(widths.values())
    return widths


def build_annex(data: Mapping[str, Any]) -> dict[str, Any]:
    """Everything the attached list prints, as strings, plus the totals (ints) the articles
    need."""
    options = data.get("attachment") or {}
    entries = data["entries"]
    compute = bool(data.get("compute_rewards"))
    needs_table = compute or data.get("award") or any(e.get("award") for e in entries)
    lookup, table = _reward_lookup(data) if needs_table else (None, None)
    fallback_label = data["award_title"][:1].upper() + data["award_title"][1:]

    def label_of(code: str | None) -> str:
        return table.awards[code].label if code and table is not None else fallback_label

    labels: dict[str | None, str] = {}
    by_kind: dict[str, list[tuple[Mapping[str, Any], str, int | None]]] = {
        "tap_the": [], "ca_nhan": []}
    awarded: dict[str, dict[str, Any]] = {}  # label → its phrase and counts, in list order
    computed = False
    for index, entry in enumerate(entries):
        code = entry.get("award") or data.get("award")
        label = entry.get("award_label")
        if label is None:
            if code not in labels:
                labels[code] = label_of(code)
            label = labels[code]
        amount = entry.get("amount")
        if amount is None and compute:
            amount = lookup(index, code, entry["kind"])
            computed = True
        by_kind[entry["kind"]].append((entry, label, amount))
        item = awarded.setdefault(label, {"phrase": _award_phrase(label, code, table),
                                          "tap_the": 0, "ca_nhan": 0})
        item[entry["kind"]] += 1

    if options.get("sort") == "name":
        by_kind["tap_the"] = vn.sort_words(by_kind["tap_the"], key=lambda r: r[0]["name"])
        by_kind["ca_nhan"] = vn.sort_people(by_kind["ca_nhan"], key=lambda r: r[0]["name"])

    kinds = [k for k in ("tap_the", "ca_nhan") if by_kind[k]]
    show_amount = any(a is not None for k in kinds for _, _, a in by_kind[k])
    column = options.get("award_column", "auto")
    show_award = column == "show" or (column == "auto" and len(
        {lbl for k in kinds for _, lbl, _ in by_kind[k]}) > 1)
    both = len(kinds) == 2

    groups = []
    totals: dict[str, int] = {}
    for g_index, kind in enumerate(kinds):
        rows = []
        total = 0
        for i, (entry, label, amount) in enumerate(by_kind[kind], start=1):
            honorific = vn.honorific(entry.get("honorific") if kind == "ca_nhan" else "none")
            rows.append({
                "no": str(i),
                "name": f"{honorific} {entry['name']}" if honorific else entry["name"],
                "detail": ", ".join(p for p in (entry.get("position"), entry.get("unit")) if p),
                "award": label,
                "amount": vn.format_number(amount) if amount is not None else "",
            })
            total += amount or 0
        totals[kind] = total
        groups.append({
            "heading": f"{layout.roman(g_index + 1)}. {GROUP_NAMES[kind]}" if both else "",
            "rows": rows,
            "total_label": "Cộng" if both and show_amount else "",
            "total": vn.format_number(total) if show_amount else "",
        })
    grand_total = sum(totals.values())

    summary = []
    if show_amount:
        if both:
            for kind in kinds:
                summary.append(f"Tiền thưởng {NOUNS[kind]}: {vn.format_number(totals[kind])} "
                               f"đồng (Bằng chữ: {vn.amount_in_words(totals[kind])}).")
        summary.append(f"Tổng số tiền thưởng: {vn.format_number(grand_total)} đồng "
                       f"(Bằng chữ: {vn.amount_in_words(grand_total)}).")

    counts = " và ".join(count_text(len(by_kind[k]), k) for k in kinds)
    title = options.get("title") or (
        f"{_subjects(kinds)} được tặng {data['award_title']}")
    title = vn.upper_vn(title)
    number = (f" {vn.format_document_number(data['number'])}" if data.get("number")
              else vn.BLANK_NUMBER)  # "số 1520/…", or "số       /…" written in at signing
    symbol = vn.build_symbol(TYPE_ABBREV, data["issuer"]["abbreviation"],
                             *([data["symbol_suffix"]] if data.get("symbol_suffix") else []))
    when = vn.format_date(data["date"]) if data.get("date") else vn.blank_date(data["year"])
    issued_by = options.get("issued_by") or data["authority"]
    reference = f"(Kèm theo Quyết định số{number}/{symbol} {when} của {issued_by})"
    rule_mm = max(30.0, layout.rule_mm([title], 14, layout.TEXT_WIDTH_MM, fraction=0.3))

    widths = _column_widths(show_award, show_amount)
    order = ["no", "name", "detail"] + (["award"] if show_award else []) + (
        ["amount"] if show_amount else [])
    tw = {k: round(v * layout.MM_TO_TWIPS) for k, v in widths.items()}
    tw["detail"] += round(layout.TEXT_WIDTH_MM * layout.MM_TO_TWIPS) - sum(tw.values())
    only = kinds[0] if len(kinds) == 1 else None
    headings = {
        "no": "STT",
        "name": {"ca_nhan": "Họ và tên", "tap_the": "Tên tập thể"}.get(only or "",
                                                                        "Tên tập thể, họ và tên"),
        "detail": "Đơn vị" if only == "tap_the" else "Chức vụ, đơn vị công tác",
        "award": "Hình thức khen thưởng",
        "amount": "Số tiền thưởng (đồng)",
    }
    return {
        "with_header": bool(options.get("with_header")),
        "heading": "DANH SÁCH",
        "title": title,
        "reference": reference,
        "rule_mm": rule_mm,
        "rule_indent": max(0, round((layout.TEXT_WIDTH_MM - rule_mm) / 2 * layout.MM_TO_TWIPS)),
        "show_award": show_award,
        "show_amount": show_amount,
        "headings": headings,
        "grid": [tw[k] for k in order],
        "w": tw,
        "pct": {k: round(100 * widths[k] / layout.TEXT_WIDTH_MM, 3) for k in order},
        "label_span": len(order) - 1,
        "span": len(order),
        "groups": groups,
        "total": vn.format_number(grand_total) if show_amount else "",
        "summary": summary,
        "count_line": f"(Danh sách có {counts})./.",
        # not printed by the list itself: used by the articles
        "_totals": {"kinds": kinds, "counts": counts, "grand_total": grand_total,
                    "has_money": show_amount, "awarded": list(awarded.values()),
                    "legal_basis": _legal_basis(data, table) if computed else None},
    }


# ------------------------------------------------------------------ the decision's body

def article_texts(data: Mapping[str, Any], facts: Mapping[str, Any]) -> list[list[str]]:
    """The paragraphs of every article, in order: award, money (if any), others, execution."""
    given = data.get("articles") or {}
    kinds = facts["kinds"]
    subjects = _subjects(kinds)
    award = given.get("award")
    if not award:
        reason = data["reason"].strip()
        if reason.lower().startswith("vì "):
            reason = reason[3:]
        award = _sentence(f"Tặng {_whom(data, facts)} (có danh sách kèm theo), vì {reason}", ".")
    articles = [_paragraphs(award)]
    reward = given.get("reward")
    if not reward and facts["has_money"]:
        total = facts["grand_total"]
        funding = _sentence(data.get("funding_source") or DEFAULT_FUNDING, ".")
        basis = (f", theo quy định tại {facts['legal_basis']}" if facts.get("legal_basis")
                 else "")
        reward = (f"Các {subjects} có tên tại Điều 1 được nhận tiền thưởng theo mức ghi trong "
                  f"danh sách kèm theo{basis}; tổng số tiền thưởng là "
                  f"{vn.format_number(total)} đồng (Bằng chữ: {vn.amount_in_words(total)}). "
                  f"Kinh phí khen thưởng được chi từ {funding}")
    if reward:
        articles.append(_paragraphs(reward))
    articles.extend(_paragraphs(text) for text in given.get("others") or ())
    execution = given.get("execution")
    if not execution:
        executors = _sentence(data.get("executors") or DEFAULT_EXECUTORS, "")
        execution = (f"Quyết định này có hiệu lực kể từ ngày ký. {executors} và các {subjects} "
                     "có tên tại Điều 1 chịu trách nhiệm thi hành Quyết định này.")
    articles.append(_paragraphs(execution))
    articles[-1][-1] = layout.with_final_mark(articles[-1][-1])
    return articles


def _whom(data: Mapping[str, Any], facts: Mapping[str, Any]) -> str:
    """``Giấy khen … cho 02 tập thể và 04 cá nhân``; with several awards in one list, each award
    with its own counts: ``Bằng khen … cho 01 tập thể; danh hiệu “…” cho 03 cá nhân``."""
    awarded = facts.get("awarded") or []
    if len(awarded) <= 1:
        return f"{data['award_title']} cho {facts['counts']}"
    parts = []
    for item in awarded:
        counts = " và ".join(count_text(item[k], k) for k in ("tap_the", "ca_nhan") if item[k])
        parts.append(f"{item['phrase']} cho {counts}")
    return "; ".join(parts)


def decision_blocks(data: Mapping[str, Any], articles: list[list[str]]) -> list[dict[str, str]]:
    blocks = [{"kind": "authority", "label": "", "text": vn.upper_vn(data["authority"])}]
    bases = list(data["legal_bases"])
    for i, basis in enumerate(bases):
        last = i == len(bases) - 1 and not data.get("proposal")
        blocks.append({"kind": "basis", "label": "", "text": _sentence(basis, "." if last
                                                                          else ";")})
    if data.get("proposal"):
        blocks.append({"kind": "basis", "label": "", "text": _sentence(data["proposal"], ".")})
    blocks.append({"kind": "decides", "label": "", "text": "QUYẾT ĐỊNH:"})
    for number, paragraphs_ in enumerate(articles, start=1):
        blocks.append({"kind": "clause", "label": f"Điều {number}.", "text": paragraphs_[0]})
        blocks.extend({"kind": "paragraph", "label": "", "text": p} for p in paragraphs_[1:])
    return blocks


def build_context(data: Mapping[str, Any]) -> dict[str, Any]:
    context = administrative_context(data, type_abbrev=TYPE_ABBREV, type_name=TYPE_NAME)
    annex = build_annex(data)
    facts = annex.pop("_totals")
    articles = article_texts(data, facts)
    context["body"] = decision_blocks(data, articles)
    execution_no = execution_article_number(data, has_money=facts["has_money"])
    assert execution_no == len(articles)
    recipients = list(data["recipients"])
    if not any(refers_to_article(r) for r in recipients):
        recipients.insert(0, f"Như Điều {execution_no}")
    context["recipient_lines"] = layout.recipient_lines(recipients, data["archive"])
    context["annex"] = annex
    return context


# ------------------------------------------------------------------ DOCX template

def _body(doc) -> None:
    """The decision's body: one template paragraph per block kind."""
    common = {"space_after": 6}
    parts.tag(doc, "{%p for b in body %}")
    parts.tag(doc, "{%p if b.kind == 'authority' %}")
    parts.para(doc, "{{ b.text }}", bold=True, align=parts.CENTER, space_before=6,
               keep_next=True, **common)
    parts.tag(doc, "{%p elif b.kind == 'basis' %}")
    parts.para(doc, "{{ b.text }}", italic=True, align=parts.JUSTIFY,
               indent=parts.FIRST_LINE_INDENT, **common)
    parts.tag(doc, "{%p elif b.kind == 'decides' %}")
    parts.para(doc, "{{ b.text }}", bold=True, align=parts.CENTER, keep_next=True, **common)
    parts.tag(doc, "{%p elif b.kind == 'clause' %}")
    clause = parts.mixed_para(doc, [("{{ b.label }}", {"bold": True}), (" {{ b.text }}", {})],
                              align=parts.JUSTIFY, indent=parts.FIRST_LINE_INDENT, **common)
    parts.keep_with_next(clause, "loop.last")  # the end of the body goes with the signature
    parts.tag(doc, "{%p else %}")
    last = parts.para(doc, "{{ b.text }}", align=parts.JUSTIFY, indent=parts.FIRST_LINE_INDENT,
                      **common)
    parts.keep_with_next(last, "loop.last")
    parts.tag(doc, "{%p endif %}")
    parts.tag(doc, "{%p endfor %}")


def _optional_cells(cells, column: str, condition: str, text: str, *, bold: bool = False,
                    align=parts.LEFT) -> None:
    """Three template cells that print one cell only when ``condition`` holds."""
    opening, cell, closing = cells
    parts.cell_text(opening, "{%tc if " + condition + " %}")
    parts.cell_text(cell, text, size=LIST_PT, bold=bold, align=align)
    parts.cell_width(cell, f"annex.w.{column}")
    parts.cell_valign(cell)
    parts.cell_text(closing, "{%tc endif %}")


def _list_row(row, texts: Sequence[tuple[str, str, Any]], *, bold: bool = False) -> None:
    """A row of the list: STT, name, detail always; award and amount cells when shown."""
    cells = row.cells
    for cell, (column, text, align) in zip(cells[:3], texts[:3], strict=True):
        parts.cell_text(cell, text, size=LIST_PT, bold=bold, align=align)
        parts.cell_width(cell, f"annex.w.{column}")
        parts.cell_valign(cell)
    _optional_cells(cells[3:6], "award", "annex.show_award", texts[3][1], bold=bold,
                    align=texts[3][2])
    _optional_cells(cells[6:9], "amount", "annex.show_amount", texts[4][1], bold=bold,
                    align=texts[4][2])


def _tag_row(row, text: str) -> None:
    parts.cell_text(parts.keep_cells(row, 1)[0], text)


def _span_row(row, label: str, *, amount: str | None = None, bold: bool = True) -> None:
    """A row with one cell across the table (group heading), or a label across all but the
    last column followed by an amount (totals)."""
    cells = parts.keep_cells(row, 1 if amount is None else 2)
    parts.cell_text(cells[0], label, size=LIST_PT, bold=bold,
                    align=parts.LEFT if amount is None else parts.CENTER)
    parts.cell_span(cells[0], "annex.span" if amount is None else "annex.label_span")
    parts.cell_valign(cells[0])
    if amount is not None:
        parts.cell_text(cells[1], amount, size=LIST_PT, bold=bold, align=parts.RIGHT)
        parts.cell_width(cells[1], "annex.w.amount")
        parts.cell_valign(cells[1])
    parts.row_properties(row)


def _list_table(doc) -> None:
    table = parts.bordered_table(doc, 15, 9, grid_expr="annex.grid")
    rows = table.rows
    C, L, R = parts.CENTER, parts.LEFT, parts.RIGHT
    _list_row(rows[0], [("no", "{{ annex.headings.no }}", C),
                        ("name", "{{ annex.headings.name }}", C),
                        ("detail", "{{ annex.headings.detail }}", C),
                        ("award", "{{ annex.headings.award }}", C),
                        ("amount", "{{ annex.headings.amount }}", C)], bold=True)
    parts.row_properties(rows[0], header=True)
    _tag_row(rows[1], "{%tr for g in annex.groups %}")
    _tag_row(rows[2], "{%tr if g.heading %}")
    _span_row(rows[3], "{{ g.heading }}")
    _tag_row(rows[4], "{%tr endif %}")
    _tag_row(rows[5], "{%tr for e in g.rows %}")
    _list_row(rows[6], [("no", "{{ e.no }}", C), ("name", "{{ e.name }}", L),
                        ("detail", "{{ e.detail }}", L), ("award", "{{ e.award }}", L),
                        ("amount", "{{ e.amount }}", R)])
    parts.row_properties(rows[6])
    _tag_row(rows[7], "{%tr endfor %}")
    _tag_row(rows[8], "{%tr if g.total_label %}")
    _span_row(rows[9], "{{ g.total_label }}", amount="{{ g.total }}")
    _tag_row(rows[10], "{%tr endif %}")
    _tag_row(rows[11], "{%tr endfor %}")
    _tag_row(rows[12], "{%tr if annex.total %}")
    _span_row(rows[13], "Tổng cộng", amount="{{ annex.total }}")
    _tag_row(rows[14], "{%tr endif %}")


def build_docx_template(path: Path) -> None:
    doc = parts.new_document()
    parts.page_number_header(doc)
    parts.decree30_header(doc)
    parts.title_block(doc)
    _body(doc)
    parts.signature_block(doc)

    parts.annex_section(doc)
    parts.tag(doc, "{%p if annex.with_header %}")
    parts.decree30_header(doc, with_number=False)
    parts.para(doc, "", size=6)
    parts.tag(doc, "{%p endif %}")
    parts.para(doc, "{{ annex.heading }}", bold=True, align=parts.CENTER, keep_next=True)
    parts.para(doc, "{{ annex.title }}", bold=True, align=parts.CENTER, keep_next=True)
    parts.para(doc, "{{ annex.reference }}", italic=True, align=parts.CENTER, keep_next=True)
    parts.rule(doc, "annex.rule_indent", space_after=6)
    _list_table(doc)
    parts.tag(doc, "{%p for line in annex.summary %}")
    parts.para(doc, "{{ line }}", align=parts.JUSTIFY, indent=parts.FIRST_LINE_INDENT,
               space_before=6)
    parts.tag(doc, "{%p endfor %}")
    parts.para(doc, "{{ annex.count_line }}", italic=True, align=parts.RIGHT, space_before=6)
    parts.save(doc, path)


def _file_stem(data: Mapping[str, Any]) -> str:
    return file_stem("Quyết định khen thưởng", data, TYPE_ABBREV)


DOCUMENT_TYPE = DocumentType(
    id="commendation_decision",
    title="Quyết định khen thưởng",
    description="Quyết định tặng Giấy khen, Bằng khen hoặc danh hiệu thi đua, kèm danh sách tập "
                "thể, cá nhân (đánh số riêng từng nhóm, tiền thưởng bằng số và bằng chữ, tính "
                "theo mức lương cơ sở tại ngày ban hành).",
    schema=CommendationDecisionSchema,
    build_context=build_context,
    file_stem=_file_stem,
    build_docx_template=build_docx_template,
    extra={"not_printed": ("kind", "honorific", "award", "sort", "award_column",
                           "reward_date")},
)
