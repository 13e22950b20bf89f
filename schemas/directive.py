"""Chỉ thị phát động phong trào thi đua (DOMAIN.md §4.1, Mẫu 1.4 of Decree 30)."""

from __future__ import annotations

from typing import Any, ClassVar

from marshmallow import ValidationError, validates_schema

from schemas.base import List, Msg, Nested, StrictSchema, Text
from schemas.common import AdministrativeDocumentSchema
from schemas.outline import SectionSchema, item_schema


class MovementSchema(StrictSchema):
    """The launch of the movement and its theme (chủ đề), printed after the preamble as
    ``<launcher> phát động phong trào thi đua <period> với chủ đề: “<theme>”.``"""

    launcher = Text(required=True, max_length=200, metadata={
        "title": "Người phát động",
        "description": "Ví dụ: Bộ trưởng Bộ Khoa học và Công nghệ"})
    period = Text(required=True, max_length=120, metadata={
        "title": "Phong trào, thời gian",
        "description": "Ví dụ: năm 2027, hoặc: “Thi đua thực hiện thắng lợi…” năm 2027"})
    theme = Text(required=True, max_length=600, metadata={
        "title": "Chủ đề",
        "description": "Không cần ngoặc kép; in trong ngoặc kép “…”."})


class DirectiveSchema(AdministrativeDocumentSchema):
    """A directive: preamble, the launch and theme, numbered tasks (in sections or one flat
    list), closing."""

    CITING_FIELDS: ClassVar[dict[str, bool]] = {"preamble": False}

    preamble = List(Text(max_length=6000), required=True, min_items=1, max_items=20,
                    metadata={"title": "Phần mở đầu",
                              "description": "Mỗi đoạn một mục: kết quả năm trước,"
                                             " phát động phong trào, yêu cầu.",
                              "item_title": "Đoạn"})
    movement = Nested(MovementSchema, load_default=None, allow_none=True, metadata={
        "title": "Phát động phong trào và chủ đề",
        "description": "In sau phần mở đầu. Để trống nếu phần mở đầu đã ghi."})
    transition = Text(load_default=None, allow_none=True, max_length=1000, metadata={
        "title": "Câu chuyển",
        "description": "Ví dụ: Yêu cầu các cơ quan, đơn vị thực hiện tốt các nhiệm vụ trọng "
                       "tâm sau:"})
    sections = List(Nested(SectionSchema), load_default=list, max_items=20,
                    metadata={"title": "Các phần",
                              "description": "Đánh số I., II., … tự động (một phần duy nhất "
                                             "không đánh số). Để trống nếu chỉ có danh sách "
                                             "nhiệm vụ.",
                              "item_title": "Phần"})
    tasks = List(Nested(item_schema(1)), load_default=list, max_items=60,
                 metadata={"title": "Các nhiệm vụ (không chia phần)",
                           "description": "Đánh số 1., 2., … tự động; dùng khi không chia "
                                          "thành các phần I., II.",
                           "item_title": "Nhiệm vụ"})
    closing = Text(required=True, max_length=3000,
                   metadata={"title": "Câu kết",
                             "description": "Ví dụ: … nghiêm túc thực hiện Chỉ thị này."
                                            " Dấu ./. được thêm tự động."})

    @validates_schema
    def _sections_or_tasks(self, data: dict[str, Any], **kwargs: Any) -> None:
        if not data.get("sections") and not data.get("tasks"):
            raise ValidationError({"sections": [Msg(
                "required", "Cần các nhiệm vụ: theo phần (I., II., …) hoặc một danh sách nhiệm "
                            "vụ không chia phần.")]})
        if data.get("sections") and data.get("tasks"):
            raise ValidationError({"sections": [Msg(
                "inconsistent", "Ghi các nhiệm vụ theo phần (I., II., …) hoặc một danh sách "
                                "nhiệm vụ không chia phần, không ghi cả hai.")]})
