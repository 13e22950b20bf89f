"""The decision's attached list (Danh sách): every row as plain strings, built once.

Collectives and individuals in groups ``I. TẬP THỂ``, ``II. CÁ NHÂN`` numbered separately,
an award column when the list mixes awards (or when asked), an amount column when any row has
money, the totals in numerals and in words. Both templates only loop over what this returns,
so a list of thousands of entries renders in time proportional to its length.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from service import vn
from service.doctypes._decision_rewards import RewardPlan
from service.kit import layout

TYPE_ABBREV = "QĐ"
KINDS = ("tap_the", "ca_nhan")
GROUP_NAMES = {"tap_the": "TẬP THỂ", "ca_nhan": "CÁ NHÂN"}
NOUNS = {"tap_the": "tập thể", "ca_nhan": "cá nhân"}

# Column widths of the list (mm); the position/unit column takes what is left of 165 mm.
COL_NO_MM, COL_AWARD_MM, COL_AMOUNT_MM = 14.0, 30.0, 27.0

Row = tuple[Mapping[str, Any], str, int | None]   # (entry, award label, amount)


def count_text(n: int, kind: str) -> str:
    """``01 tập thể``, ``12 cá nhân``, ``3.000 cá nhân`` (a leading zero below 10, as
    decisions write counts)."""
    number = f"{n:02d}" if n < 10 else vn.format_number(n)
    return f"{number} {NOUNS[kind]}"


def subjects(kinds: Sequence[str]) -> str:
    return ", ".join(NOUNS[k] for k in KINDS if k in kinds)


def build_annex(data: Mapping[str, Any], rewards: RewardPlan) -> dict[str, Any]:
    """Everything the attached list prints, as strings, plus the totals (ints) the articles
    need (under ``_totals``)."""
    by_kind, awarded = _rows_by_kind(data, rewards)
    options = data.get("attachment") or {}
    if options.get("sort") == "name":
        by_kind["tap_the"] = vn.sort_words(by_kind["tap_the"], key=lambda r: r[0]["name"])
        by_kind["ca_nhan"] = vn.sort_people(by_kind["ca_nhan"], key=lambda r: r[0]["name"])
    kinds = [k for k in KINDS if by_kind[k]]
    show_amount = any(a is not None for k in kinds for _, _, a in by_kind[k])
    column = options.get("award_column", "auto")
    show_award = column == "show" or (column == "auto" and len(
        {label for k in kinds for _, label, _ in by_kind[k]}) > 1)
    groups, totals = _groups(by_kind, kinds, show_amount)
    grand_total = sum(totals.values())
    counts = " và ".join(count_text(len(by_kind[k]), k) for k in kinds)
    title = vn.upper_vn(options.get("title")
                        or f"{subjects(kinds)} được tặng {data['award_title']}")
    rule_mm = max(30.0, layout.rule_mm([title], 14, layout.TEXT_WIDTH_MM, fraction=0.3))
    return {
        "with_header": bool(options.get("with_header")),
        "heading": "DANH SÁCH",
        "title": title,
        "reference": _reference(data, options),
        "rule_mm": rule_mm,
        "rule_indent": max(0, round((layout.TEXT_WIDTH_MM - rule_mm) / 2 * layout.MM_TO_TWIPS)),
        "show_award": show_award,
        "show_amount": show_amount,
        **_table_shape(kinds, show_award, show_amount),
        "groups": groups,
        "total": vn.format_number(grand_total) if show_amount else "",
        "summary": _summary(kinds, totals, grand_total) if show_amount else [],
        "count_line": f"(Danh sách có {counts})./.",
        # not printed by the list itself: used by the articles
        "_totals": {"kinds": kinds, "counts": counts, "grand_total": grand_total,
                    "has_money": show_amount, "awarded": list(awarded.values()),
                    "legal_basis": rewards.legal_basis(data)},
    }


def _rows_by_kind(data: Mapping[str, Any], rewards: RewardPlan
                  ) -> tuple[dict[str, list[Row]], dict[str, dict[str, Any]]]:
    """Each entry with its award label and amount, by kind; and every award with its phrase
    for Điều 1 and its counts, in list order."""
    table = rewards.table
    fallback = data["award_title"][:1].upper() + data["award_title"][1:]
    compute = bool(data.get("compute_rewards"))
    labels: dict[str | None, str] = {}
    by_kind: dict[str, list[Row]] = {"tap_the": [], "ca_nhan": []}
    awarded: dict[str, dict[str, Any]] = {}
    for entry in data["entries"]:
        code = entry.get("award") or data.get("award")
        label = entry.get("award_label")
        if label is None:
            if code not in labels:
                labels[code] = table.awards[code].label if code and table else fallback
            label = labels[code]
        amount = entry.get("amount")
        if amount is None and compute:
            amount = rewards.amount(code, entry["kind"])
        by_kind[entry["kind"]].append((entry, label, amount))
        item = awarded.setdefault(label, {"phrase": _award_phrase(label, code, rewards),
                                          "tap_the": 0, "ca_nhan": 0})
        item[entry["kind"]] += 1
    return by_kind, awarded


def _award_phrase(label: str, code: str | None, rewards: RewardPlan) -> str:
    """How Điều 1 names an award: ``Bằng khen …`` or ``danh hiệu “Chiến sĩ thi đua cơ sở”``."""
    return f"danh hiệu “{label.strip('“”')}”" if rewards.is_title(code) else label


def _groups(by_kind: Mapping[str, list[Row]], kinds: Sequence[str], show_amount: bool
            ) -> tuple[list[dict[str, Any]], dict[str, int]]:
    both = len(kinds) == 2
    groups = []
    totals: dict[str, int] = {}
    for g_index, kind in enumerate(kinds):
        rows = [_row(i, kind, entry, label, amount)
                for i, (entry, label, amount) in enumerate(by_kind[kind], start=1)]
        totals[kind] = total = sum(amount or 0 for _, _, amount in by_kind[kind])
        groups.append({
            "heading": f"{layout.roman(g_index + 1)}. {GROUP_NAMES[kind]}" if both else "",
            "rows": rows,
            "total_label": "Cộng" if both and show_amount else "",
            "total": vn.format_number(total) if show_amount else "",
        })
    return groups, totals


def _row(i: int, kind: str, entry: Mapping[str, Any], label: str,
         amount: int | None) -> dict[str, str]:
    honorific = vn.honorific(entry.get("honorific") if kind == "ca_nhan" else "none")
    return {
        "no": str(i),
        "name": f"{honorific} {entry['name']}" if honorific else entry["name"],
        "detail": ", ".join(p for p in (entry.get("position"), entry.get("unit")) if p),
        "award": label,
        "amount": vn.format_number(amount) if amount is not None else "",
    }


def _summary(kinds: Sequence[str], totals: Mapping[str, int], grand_total: int) -> list[str]:
    summary = []
    if len(kinds) == 2:
        for kind in kinds:
            summary.append(f"Tiền thưởng {NOUNS[kind]}: {vn.format_number(totals[kind])} "
                           f"đồng (Bằng chữ: {vn.amount_in_words(totals[kind])}).")
    summary.append(f"Tổng số tiền thưởng: {vn.format_number(grand_total)} đồng "
                   f"(Bằng chữ: {vn.amount_in_words(grand_total)}).")
    return summary


def _reference(data: Mapping[str, Any], options: Mapping[str, Any]) -> str:
    """``(Kèm theo Quyết định số 1520/QĐ-UBND ngày … của …)``; the number left blank (written
    in at signing) when the payload has none."""
    number = (f" {vn.format_document_number(data['number'])}" if data.get("number")
              else vn.BLANK_NUMBER)
    symbol = vn.build_symbol(TYPE_ABBREV, data["issuer"]["abbreviation"],
                             *([data["symbol_suffix"]] if data.get("symbol_suffix") else []))
    when = vn.format_date(data["date"]) if data.get("date") else vn.blank_date(data["year"])
    issued_by = options.get("issued_by") or data["authority"]
    return f"(Kèm theo Quyết định số{number}/{symbol} {when} của {issued_by})"


def _column_widths(show_award: bool, show_amount: bool) -> dict[str, float]:
    widths = {"no": COL_NO_MM, "name": 50.0 if not (show_award and show_amount) else 44.0}
    if show_award:
        widths["award"] = COL_AWARD_MM
    if show_amount:
        widths["amount"] = COL_AMOUNT_MM
    widths["detail"] = layout.TEXT_WIDTH_MM - sum(widths.values())
    return widths


def _table_shape(kinds: Sequence[str], show_award: bool, show_amount: bool) -> dict[str, Any]:
    """The columns: headings, widths in twips (DOCX grid) and per cent (PDF), spans."""
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
        "headings": headings,
        "grid": [tw[k] for k in order],
        "w": tw,
        "pct": {k: round(100 * widths[k] / layout.TEXT_WIDTH_MM, 3) for k in order},
        "label_span": len(order) - 1,
        "span": len(order),
    }
