"""The words clerks write in a list's cells, as the values the payload wants.

* A field with a few machine values (``kind``: ``ca_nhan``/``tap_the``; ``honorific``:
  ``ong``/``ba``/``dong_chi``/``none``) accepts the Vietnamese words the certificate batches
  accept (their :class:`schemas.certificate.Choice` fields: ``Cá nhân``, ``Tập thể``,
  ``Đơn vị``, ``Ông``, ``Bà``, ``Đồng chí``, ``đ/c`` …), with or without diacritics or case.
* A reward-table award code (a field named ``award``) accepts the award's code, its name or
  its printed label from the reward table (:mod:`service.rewards`), and the way clerks write
  it: ``Giấy khen``, ``Bằng khen của Chủ tịch UBND tỉnh`` (the words after “của” choose
  between the awards that share a label; with none, the table's first such award is taken).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from marshmallow import fields

from schemas.certificate import CertificateSchema, Choice
from service.vn.fold import fold_key

# The word shown for a machine value (blank-list drop-downs, messages). Values not here are
# shown as they are.
LABELS = {"ca_nhan": "Cá nhân", "tap_the": "Tập thể", "ong": "Ông", "ba": "Bà",
          "dong_chi": "Đồng chí", "none": "Không ghi"}
_NONE_WORDS = ("Không ghi", "Không", "Không có")
AWARD_HEADERS = ("Hình thức khen thưởng", "Hình thức", "Mã hình thức khen thưởng",
                 "Loại khen thưởng")
# Headers clerks give a list's usual columns, by field name (a field's own title and the parts
# of a title written "A / B" are always read).
USUAL_HEADERS = {
    "name": ("Họ tên", "Họ và tên", "Tên", "Tên tập thể", "Tên đơn vị", "Họ và tên/Tên đơn vị",
             "Họ và tên/Tên tập thể", "Tên cá nhân, tập thể"),
    "position": ("Chức danh", "Chức vụ, chức danh", "Chức vụ/Chức danh"),
    "unit": ("Đơn vị công tác", "Nơi công tác", "Cơ quan, đơn vị", "Cơ quan"),
    "amount": ("Số tiền", "Tiền thưởng", "Mức thưởng", "Số tiền thưởng"),
}
_COMMON_WORDS = {"cua", "va", "cap", "danh", "hieu"}


def _choice_fields() -> list[Choice]:
    return [f for f in CertificateSchema().fields.values() if isinstance(f, Choice)]


@dataclass(frozen=True)
class Words:
    """How one column's cells become values: folded word → value, and the words to show."""

    lookup: dict[str, str]
    shown: tuple[str, ...]
    aliases: tuple[str, ...] = ()

    def value(self, text: str) -> str | None:
        return self.lookup.get(fold_key(text))


def choice_words(choices: tuple[str, ...]) -> Words:
    """The words for a field with these machine values: the values themselves, their labels
    and the words of the certificate's choice fields whose values are among them."""
    lookup = {fold_key(v): v for v in choices}
    aliases: list[str] = []
    for choice in _choice_fields():
        if set(choice.values) <= set(choices):
            lookup.update({k: v for k, v in choice.lookup.items() if k not in lookup})
            aliases.extend(choice.metadata.get("aliases", ()))
    for value in choices:
        lookup.setdefault(fold_key(LABELS.get(value, value)), value)
    if "none" in choices:
        lookup.update({fold_key(w): "none" for w in _NONE_WORDS})
    return Words(lookup, tuple(LABELS.get(v, v) for v in choices), tuple(aliases))


class AwardWords:
    """Award names as clerks write them → the reward table's codes."""

    def __init__(self, awards: dict[str, Any]) -> None:
        self.awards = awards
        self.exact: dict[str, str] = {}
        self.by_label: dict[str, list[str]] = {}
        for code, award in awards.items():
            for text in (code, award.name, _plain(award.name)):
                self.exact.setdefault(fold_key(text), code)
            self.by_label.setdefault(fold_key(award.label), []).append(code)
        for label, codes in self.by_label.items():
            if len(codes) == 1:
                self.exact.setdefault(label, codes[0])
        self.shown = tuple(dict.fromkeys(a.label for a in awards.values()))

    def value(self, text: str) -> str | None:
        key = fold_key(text)
        if key in self.exact:
            return self.exact[key]
        base, _, owner = key.partition(" cua ")
        candidates = self.by_label.get(base, [])
        if not candidates:
            return None
        return self._closest(candidates, owner)

    def _closest(self, codes: list[str], owner: str) -> str:
        """Of awards sharing a label, the one whose name shares most words with the owner."""
        words = set(owner.split()) - _COMMON_WORDS

        def score(code: str) -> int:
            return len(words & set(fold_key(self.awards[code].name).split()))

        return max(codes, key=lambda c: (score(c), -codes.index(c)))


def _plain(name: str) -> str:
    """A table name without its bracketed legal reference or quotes."""
    return re.sub(r"\s*\(.*?\)\s*", " ", name).replace("“", "").replace("”", "").strip()


def is_award_field(name: str, field: fields.Field) -> bool:
    """A field that takes a reward-table award code."""
    return name == "award" and not isinstance(field, Choice) and not getattr(field, "choices",
                                                                              None)
