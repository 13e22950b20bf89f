"""Chỉ thị phát động phong trào thi đua (DOMAIN.md §4.1, Mẫu 1.4 of Decree 30)."""

from __future__ import annotations

from typing import ClassVar

from schemas.base import List, Nested, Text
from schemas.common import AdministrativeDocumentSchema
from schemas.outline import SectionSchema


class DirectiveSchema(AdministrativeDocumentSchema):
    """A directive: preamble, numbered sections with nested points, closing."""

    CITING_FIELDS: ClassVar[dict[str, bool]] = {"preamble": False}

    preamble = List(Text(max_length=6000), required=True, min_items=1, max_items=20,
                    metadata={"title": "Phần mở đầu",
                              "description": "Mỗi đoạn một mục: kết quả năm trước,"
                                             " phát động phong trào, yêu cầu.",
                              "item_title": "Đoạn"})
    sections = List(Nested(SectionSchema), required=True, min_items=1, max_items=20,
                    metadata={"title": "Các phần", "description": "Đánh số I., II., … tự động.",
                              "item_title": "Phần"})
    closing = Text(required=True, max_length=3000,
                   metadata={"title": "Câu kết",
                             "description": "Ví dụ: … nghiêm túc thực hiện Chỉ thị này."
                                            " Dấu ./. được thêm tự động."})
