"""Quyết định khen thưởng with its attached list (Danh sách) — DOMAIN.md §4.3, §1.10, §2, §8.

The decision (Mẫu 1.2): header, ``QUYẾT ĐỊNH``, the summary, the authority line in capitals,
the ``Căn cứ …;`` lines, ``Theo đề nghị của … .``, ``QUYẾT ĐỊNH:``, the articles (the payload's
texts, or the usual wording), signer and recipients starting ``- Như Điều N;``.

The list starts on a new page as its own section (DOCX) / named page group (PDF) whose page
numbers restart at 1 and show from its second page: ``DANH SÁCH``, its title, the
``(Kèm theo Quyết định số … ngày … của …)`` line, a table whose heading row repeats on every
page and whose rows never split — collectives and individuals in groups ``I. TẬP THỂ``,
``II. CÁ NHÂN`` numbered separately — then the totals in numerals and in words.

The list is built once (:mod:`._decision_list`) as plain strings, its amounts checked and
computed once (:mod:`._decision_rewards`); both templates only loop over them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from schemas.commendation_decision import (
    CommendationDecisionSchema,
    execution_article_number,
    refers_to_article,
)
from service import vn
from service.doctypes import _decision_rewards
from service.doctypes._decision_docx import build_docx_template
from service.doctypes._decision_list import TYPE_ABBREV, build_annex, count_text
from service.doctypes._decision_list import subjects as subjects_of
from service.kit import layout
from service.kit.context import administrative_context, file_stem
from service.kit.plugin import DocumentType

TYPE_NAME = "QUYẾT ĐỊNH"
DEFAULT_EXECUTORS = "Thủ trưởng các cơ quan, đơn vị có liên quan"
DEFAULT_FUNDING = "Quỹ thi đua, khen thưởng theo quy định"


def _sentence(text: str, end: str) -> str:
    return text.strip().rstrip(" .;,:") + end


def _paragraphs(text: str) -> list[str]:
    return [line.strip() for line in text.split("\n") if line.strip()]


# ------------------------------------------------------------------ the decision's body

def article_texts(data: Mapping[str, Any], facts: Mapping[str, Any]) -> list[list[str]]:
    """The paragraphs of every article, in order: award, money (if any), others, execution."""
    given = data.get("articles") or {}
    kinds = facts["kinds"]
    subjects = subjects_of(kinds)
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
    """The decision's prepare step: the amounts (checked against the reward table), the list,
    the articles and the recipients, once.

    :raises ValidationError: unknown award codes, amounts the table cannot give.
    """
    context = administrative_context(data, type_abbrev=TYPE_ABBREV, type_name=TYPE_NAME)
    annex = build_annex(data, _decision_rewards.plan(data))  # the reward table, once
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
    not_printed=("kind", "honorific", "award", "sort", "award_column", "reward_date"),
)
