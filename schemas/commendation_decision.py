"""Quyết định khen thưởng with its attached list (DOMAIN.md §4.3, §1.10, §2, §8; Mẫu 1.2).

The payload gives the authority, the legal bases, the proposal, the award and its reason,
optional article texts (defaults follow the domain's usual wording), and the entries of the
attached list: individuals and collectives, each with an explicit honorific (never guessed
from the name), position and unit, and optionally its own form of commendation and reward
amount. Amounts not given are computed from the dated rewards table when
``compute_rewards`` is true (see :mod:`service.rewards`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar

from marshmallow import ValidationError, validates_schema

from schemas.base import (
    Flag,
    IsoDate,
    List,
    Msg,
    Nested,
    StrictInt,
    StrictSchema,
    Text,
    or_list,
)
from schemas.common import AdministrativeDocumentSchema

KINDS = ("ca_nhan", "tap_the")
HONORIFICS = ("ong", "ba", "dong_chi", "none")
SORTS = ("none", "name")
AWARD_COLUMN = ("auto", "show", "hide")
MAX_ENTRIES = 5000
AWARD_CODE = r"[a-z][a-z0-9_]*"
AWARD_MESSAGE = "Chọn một hình thức khen thưởng có trong bảng tiền thưởng của cơ quan."
# The clerk's words for each code (the API keeps the codes; the page, the spreadsheet guide
# and every message show these)
KIND_LABELS = {"ca_nhan": "Cá nhân", "tap_the": "Tập thể"}
HONORIFIC_LABELS = {"ong": "Ông", "ba": "Bà", "dong_chi": "Đồng chí",
                    "none": "Không ghi danh xưng"}
SORT_LABELS = {"none": "Giữ thứ tự đã nhập", "name": "Theo tên"}
AWARD_COLUMN_LABELS = {"auto": "Tự động: chỉ in khi các dòng có hình thức khác nhau",
                       "show": "Luôn in", "hide": "Không in"}
_REFERS_TO_ARTICLE = re.compile(r"^\s*[-–+]?\s*Như\s+Điều\s+(\d+)\b", re.IGNORECASE)


class EntrySchema(StrictSchema):
    """One line of the attached list: a collective (tập thể) or an individual (cá nhân)."""

    kind = Text(required=True, choices=KINDS, max_length=30,
                metadata={"title": "Đối tượng", "description": "Cá nhân hoặc tập thể.",
                          "enum": list(KINDS), "choice_labels": KIND_LABELS})
    honorific = Text(load_default=None, allow_none=True, choices=HONORIFICS, max_length=30,
                     metadata={"title": "Danh xưng",
                               "description": "Cá nhân: Ông, Bà, Đồng chí hoặc không ghi. Bắt buộc "
                                              "với cá nhân, không suy ra từ tên. Tập thể: để "
                                              "trống.",
                               "enum": list(HONORIFICS), "choice_labels": HONORIFIC_LABELS})
    name = Text(required=True, max_length=200, name_field=True,
                metadata={"title": "Họ và tên / tên tập thể"})
    position = Text(load_default=None, allow_none=True, max_length=200,
                    metadata={"title": "Chức vụ", "description": "Ví dụ: Giáo viên"})
    unit = Text(load_default=None, allow_none=True, max_length=300, name_field=True,
                metadata={"title": "Đơn vị", "description": "Ví dụ: Trường THPT Hàm Rồng"})
    award = Text(load_default=None, allow_none=True, max_length=60, pattern=AWARD_CODE,
                 pattern_message=AWARD_MESSAGE,
                 metadata={"title": "Hình thức khen thưởng riêng",
                           "description": "Chỉ khi khác hình thức chung của quyết định; theo "
                                          "bảng tiền thưởng của cơ quan.",
                           "choices_from": "rewards"})
    award_label = Text(load_default=None, allow_none=True, max_length=200,
                       metadata={"title": "Hình thức khen thưởng (chữ in)",
                                 "description": "Ghi đè chữ in trong cột hình thức khen thưởng."})
    amount = StrictInt(load_default=None, allow_none=True, minimum=0, maximum=10**12,
                       metadata={"title": "Số tiền thưởng (đồng)",
                                 "description": "Để trống để tính theo bảng tiền thưởng khi chọn "
                                                "“Tính tiền thưởng”."})

    @validates_schema
    def _honorific(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data["kind"] == "ca_nhan" and data.get("honorific") is None:
            raise ValidationError({"honorific": [Msg(
                "required", "Cá nhân phải có danh xưng: "
                            + or_list(["Ông", "Bà", "Đồng chí", "“Không ghi danh xưng”"])
                            + " (không suy ra từ tên).")]})
        if data["kind"] == "tap_the" and data.get("honorific") not in (None, "none"):
            raise ValidationError({"honorific": [Msg("not_allowed",
                                                     "Tập thể không có danh xưng.")]})


class ArticlesSchema(StrictSchema):
    """Article texts; each one left out gets the usual wording (see the document type)."""

    award = Text(load_default=None, allow_none=True, max_length=6000, multiline=True,
                 metadata={"title": "Điều 1 (khen thưởng)",
                           "description": "Để trống: “Tặng <hình thức> cho … (có danh sách kèm "
                                          "theo), vì <thành tích>.” Mỗi dòng một đoạn."})
    reward = Text(load_default=None, allow_none=True, max_length=6000, multiline=True,
                  metadata={"title": "Điều 2 (tiền thưởng)",
                            "description": "Để trống: tổng tiền thưởng bằng số và bằng chữ, nguồn "
                                           "kinh phí (chỉ khi có tiền thưởng)."})
    others = List(Text(max_length=6000, multiline=True), load_default=list, max_items=10,
                  metadata={"title": "Các điều khác", "description": "Đặt trước điều thi hành."})
    execution = Text(load_default=None, allow_none=True, max_length=6000, multiline=True,
                     metadata={"title": "Điều thi hành (điều cuối)",
                               "description": "Để trống: “Quyết định này có hiệu lực kể từ ngày "
                                              "ký. <Người thi hành> và các tập thể, cá nhân có "
                                              "tên tại Điều 1 chịu trách nhiệm thi hành Quyết "
                                              "định này./.”"})


class AttachmentSchema(StrictSchema):
    """Options of the attached list (Danh sách)."""

    title = Text(load_default=None, allow_none=True, max_length=400,
                 metadata={"title": "Tiêu đề danh sách",
                           "description": "Để trống: “TẬP THỂ, CÁ NHÂN ĐƯỢC TẶNG <HÌNH THỨC>”."})
    issued_by = Text(load_default=None, allow_none=True, max_length=200, name_field=True,
                     metadata={"title": "“của …” trong dòng Kèm theo",
                               "description": "Để trống: dùng thẩm quyền ban hành, ví dụ Giám "
                                              "đốc Sở Giáo dục và Đào tạo."})
    sort = Text(load_default="none", choices=SORTS, max_length=30,
                metadata={"title": "Sắp xếp",
                          "description": "Giữ thứ tự đã nhập, hoặc theo tên (cá nhân: tên, đệm, "
                                         "họ; tập thể: theo chữ cái).", "enum": list(SORTS),
                          "choice_labels": SORT_LABELS})
    award_column = Text(load_default="auto", choices=AWARD_COLUMN, max_length=30,
                        metadata={"title": "Cột hình thức khen thưởng",
                                  "description": "Cột ghi hình thức khen thưởng của từng dòng "
                                                 "trong danh sách.",
                                  "enum": list(AWARD_COLUMN),
                                  "choice_labels": AWARD_COLUMN_LABELS})
    with_header = Flag(load_default=False,
                       metadata={"title": "In tiêu đề cơ quan trên danh sách",
                                 "description": "Mẫu văn bản kèm theo quyết định: tên cơ quan và "
                                                "Quốc hiệu, không có số và ngày."})


class CommendationDecisionSchema(AdministrativeDocumentSchema):
    """A decision awarding a form of commendation, with its attached list."""

    CITING_FIELDS: ClassVar[dict[str, bool]] = {"legal_bases": True, "proposal": True}

    authority = Text(required=True, max_length=200, name_field=True,
                     metadata={"title": "Thẩm quyền ban hành",
                               "description": "Chức danh người có thẩm quyền hoặc tên tập thể, "
                                              "viết thường: Giám đốc Sở Giáo dục và Đào tạo. In "
                                              "hoa dưới trích yếu."})
    legal_bases = List(Text(max_length=1500), required=True, min_items=1, max_items=20,
                       metadata={"title": "Căn cứ",
                                 "description": "Mỗi dòng một căn cứ: “Căn cứ Luật Thi đua, khen "
                                                "thưởng số 06/2022/QH15”. Dấu “;” thêm tự động."})
    proposal = Text(load_default=None, allow_none=True, max_length=1000,
                    metadata={"title": "Đề nghị",
                              "description": "Ví dụ: Theo đề nghị của Chánh Văn phòng Sở."})
    award_title = Text(required=True, max_length=300,
                       metadata={"title": "Hình thức khen thưởng",
                                 "description": "Như in trong Điều 1, ví dụ: Giấy khen của Giám "
                                                "đốc Sở Giáo dục và Đào tạo; danh hiệu “Lao động "
                                                "tiên tiến”."})
    award = Text(load_default=None, allow_none=True, max_length=60, pattern=AWARD_CODE,
                 pattern_message=AWARD_MESSAGE,
                 metadata={"title": "Hình thức khen thưởng (để tính tiền thưởng)",
                           "description": "Theo bảng tiền thưởng của cơ quan: dùng để tính tiền "
                                          "thưởng và in cột hình thức.",
                           "choices_from": "rewards"})
    reason = Text(load_default=None, allow_none=True, max_length=1500,
                  metadata={"title": "Thành tích",
                            "description": "Ví dụ: đã có thành tích xuất sắc trong phong trào thi "
                                           "đua … (bắt buộc khi để trống Điều 1)."})
    funding_source = Text(load_default=None, allow_none=True, max_length=300,
                          metadata={"title": "Nguồn kinh phí",
                                    "description": "Ví dụ: Quỹ thi đua, khen thưởng của Sở năm "
                                                   "2026"})
    executors = Text(load_default=None, allow_none=True, max_length=1000,
                     metadata={"title": "Người thi hành",
                               "description": "Ví dụ: Chánh Văn phòng Sở, Thủ trưởng các đơn vị "
                                              "có liên quan"})
    articles = Nested(ArticlesSchema, load_default=dict, metadata={"title": "Các điều"})
    entries = List(Nested(EntrySchema), required=True, min_items=1, max_items=MAX_ENTRIES,
                   metadata={"title": "Danh sách khen thưởng",
                             "description": "Tập thể và cá nhân; in thành hai nhóm I. Tập thể, "
                                            "II. Cá nhân, mỗi nhóm đánh số riêng."})
    compute_rewards = Flag(load_default=False,
                           metadata={"title": "Tính tiền thưởng",
                                     "description": "Khi chọn: dòng nào không ghi số tiền thì "
                                                    "tính = hệ số × mức lương cơ sở tại ngày ban "
                                                    "hành, "
                                                    "làm tròn theo bảng tiền thưởng."})
    reward_date = IsoDate(load_default=None, allow_none=True,
                          metadata={"title": "Ngày tính tiền thưởng",
                                    "description": "Chỉ khi để trống ngày ban hành: mức lương cơ "
                                                   "sở tại ngày này được dùng."})
    attachment = Nested(AttachmentSchema, load_default=dict,
                        metadata={"title": "Danh sách kèm theo"})

    @validates_schema
    def _consistent(self, data: dict[str, Any], **kwargs: Any) -> None:
        """What the fields say together. The award codes and amounts are checked against the
        reward table by the type's prepare step, which computes them."""
        errors: dict[str, Any] = {}
        articles = data.get("articles") or {}
        if not articles.get("award") and not data.get("reason"):
            errors["reason"] = [Msg("required", "Khi để trống Điều 1 phải ghi thành tích (lý do "
                                                "khen thưởng).")]
        reward_date_error = _reward_date_error(data)
        if reward_date_error is not None:
            errors["reward_date"] = [reward_date_error]
        execution_no = execution_article_number(data, has_money=self._has_money(data))
        for i, line in enumerate(data.get("recipients") or ()):
            match = _REFERS_TO_ARTICLE.match(line)
            if match and int(match.group(1)) != execution_no:
                errors.setdefault("recipients", {})[i] = [Msg(
                    "inconsistent", f"Điều thi hành của quyết định này là Điều {execution_no}; "
                                    f"sửa thành “Như Điều {execution_no};” hoặc bỏ dòng này (dòng "
                                    "được thêm tự động).")]
        if errors:
            raise ValidationError(errors)

    @staticmethod
    def _has_money(data: dict[str, Any]) -> bool:
        return bool(data.get("compute_rewards")) or any(
            e.get("amount") is not None for e in data["entries"])


def _reward_date_error(data: dict[str, Any]) -> Msg | None:
    if data.get("reward_date") is None:
        return None
    if not data.get("compute_rewards"):
        return Msg("not_allowed", "Ngày tính tiền thưởng chỉ dùng khi chọn “Tính tiền thưởng”.")
    if data.get("date") is not None and data["reward_date"] != data["date"]:
        return Msg("inconsistent", "Tiền thưởng tính theo mức lương cơ sở tại ngày ban hành "
                                   "quyết định (Nghị định 152/2025/NĐ-CP, Điều 49 khoản 1); "
                                   "bỏ trống ngày tính tiền thưởng hoặc ghi đúng ngày ban "
                                   "hành.")
    if data.get("year") is not None and data["reward_date"].year != data["year"]:
        return Msg("inconsistent", "Ngày tính tiền thưởng phải thuộc năm ban hành.")
    return None


def execution_article_number(data: Mapping[str, Any], *, has_money: bool) -> int:
    """Điều 1 awards; Điều 2 is the money (when there is any, or a text is given); then the
    other articles; the last one orders execution."""
    articles = data.get("articles") or {}
    with_reward = bool(articles.get("reward")) or has_money
    return 2 + int(with_reward) + len(articles.get("others") or ())


def refers_to_article(line: str) -> bool:
    """Whether a recipient line is the ``Như Điều N`` line."""
    return _REFERS_TO_ARTICLE.match(line) is not None
