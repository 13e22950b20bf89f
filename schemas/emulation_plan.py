"""Kế hoạch tổ chức phong trào thi đua (DOMAIN.md §4.2, Mẫu 1.4 of Decree 30).

Sections ``I.``, ``II.`` … hold paragraphs, numbered items nested up to four levels below the
section (``1.`` → ``a)`` or ``1.1.`` → ``-`` → ``+``), dash bullets and tables (targets,
timelines). The payload gives only text and nesting; the renderer numbers everything.
"""

from __future__ import annotations

from functools import cache
from typing import Any, ClassVar

from marshmallow import ValidationError, validates_schema

from schemas.base import List, Msg, Nested, StrictInt, StrictSchema, Text
from schemas.common import AdministrativeDocumentSchema

MAX_DEPTH = 4        # 1. → a) / 1.1. → - → +
MAX_COLUMNS = 8
MAX_TABLE_ROWS = 300
POINT_STYLES = ("letter", "decimal")


class TableSchema(StrictSchema):
    """A table in the plan: column headings and rows of cells, as many cells as columns."""

    caption = Text(load_default=None, allow_none=True, max_length=300,
                   metadata={"title": "Tên bảng",
                             "description": "Ví dụ: Chỉ tiêu thi đua năm 2027"})
    columns = List(Text(max_length=200), required=True, min_items=1, max_items=MAX_COLUMNS,
                   metadata={"title": "Tiêu đề các cột",
                             "description": "Ví dụ: STT, Chỉ tiêu, Đơn vị chủ trì, Thời hạn"})
    widths = List(StrictInt(minimum=1, maximum=100), load_default=None, allow_none=True,
                  max_items=MAX_COLUMNS,
                  metadata={"title": "Tỷ lệ độ rộng các cột",
                            "description": "Số tương đối, mỗi cột một số (ví dụ 1, 6, 3, 2); "
                                           "để trống để tự tính theo nội dung."})
    rows = List(List(Text(min_length=0, max_length=2000), max_items=MAX_COLUMNS),
                required=True, min_items=1, max_items=MAX_TABLE_ROWS,
                metadata={"title": "Các hàng", "description": "Mỗi hàng là một mảng ô, đủ số cột."})

    @validates_schema
    def _shape(self, data: dict[str, Any], **kwargs: Any) -> None:
        n = len(data["columns"])
        errors: dict[str, Any] = {}
        bad_rows = {i: [Msg("inconsistent", f"Hàng có {len(row)} ô nhưng bảng có {n} cột.")]
                    for i, row in enumerate(data["rows"]) if len(row) != n}
        if bad_rows:
            errors["rows"] = bad_rows
        if data.get("widths") is not None and len(data["widths"]) != n:
            errors["widths"] = [Msg("inconsistent",
                                    f"Cần đúng {n} số độ rộng, mỗi cột một số.")]
        if errors:
            raise ValidationError(errors)


@cache
def plan_item_schema(depth: int = 1) -> type[StrictSchema]:
    """An item at ``depth`` (1 = ``1.``): a bold title and/or text, dash bullets, a table,
    and deeper items."""
    attrs: dict[str, Any] = {
        "title": Text(load_default=None, allow_none=True, max_length=300,
                      metadata={"title": "Tiêu đề mục",
                                "description": "In đậm trên một dòng riêng, ví dụ: Mục đích"}),
        "text": Text(load_default=None, allow_none=True, max_length=4000,
                     metadata={"title": "Nội dung", "widget": "textarea"}),
        "table": Nested(TableSchema, load_default=None, allow_none=True,
                        metadata={"title": "Bảng"}),
    }
    if depth < MAX_DEPTH:
        attrs["bullets"] = List(Text(max_length=4000), load_default=list, max_items=60,
                                metadata={"title": "Các ý gạch đầu dòng",
                                          "description": "In với dấu “-” (hoặc “+” ở mức sâu)."})
        attrs["items"] = List(Nested(plan_item_schema(depth + 1)), load_default=list,
                              max_items=60, metadata={"title": "Các ý con (đánh số tự động)"})

    def _title_or_text(self: StrictSchema, data: dict[str, Any], **kwargs: Any) -> None:
        if not data.get("title") and not data.get("text"):
            raise ValidationError({"text": [Msg("required",
                                                "Mục cần có tiêu đề hoặc nội dung.")]})

    attrs["_title_or_text"] = validates_schema(_title_or_text)
    return type(f"PlanItemLevel{depth}Schema", (StrictSchema,), attrs)


class PlanSectionSchema(StrictSchema):
    """A part ``I. MỤC ĐÍCH, YÊU CẦU``: paragraphs, numbered items, then tables."""

    heading = Text(required=True, max_length=300,
                   metadata={"title": "Tiêu đề phần",
                             "description": "In hoa khi in; không cần ghi số La Mã. Ví dụ: "
                                            "Mục đích, yêu cầu"})
    paragraphs = List(Text(max_length=6000), load_default=list, max_items=30,
                      metadata={"title": "Đoạn văn đầu phần"})
    items = List(Nested(plan_item_schema(1)), load_default=list, max_items=60,
                 metadata={"title": "Các mục đánh số"})
    tables = List(Nested(TableSchema), load_default=list, max_items=10,
                  metadata={"title": "Các bảng cuối phần"})


class EmulationPlanSchema(AdministrativeDocumentSchema):
    """A plan: optional opening, the parts (I., II., …), the closing sentence."""

    CITING_FIELDS: ClassVar[dict[str, bool]] = {"opening": False}

    opening = List(Text(max_length=6000), load_default=list, max_items=20,
                   metadata={"title": "Phần mở đầu",
                             "description": "Ví dụ: Thực hiện Kế hoạch số …, Sở … xây dựng Kế "
                                            "hoạch tổ chức phong trào thi đua như sau:"})
    sections = List(Nested(PlanSectionSchema), required=True, min_items=1, max_items=20,
                    metadata={"title": "Các phần",
                              "description": "Thường là: Mục đích, yêu cầu; Nội dung …; Tổ chức "
                                             "thực hiện. Đánh số I., II., … tự động."})
    point_style = Text(load_default="letter", choices=POINT_STYLES,
                       metadata={"title": "Cách đánh số mức 2",
                                 "description": "Theo chữ cái a), b), c) … hoặc theo số "
                                                "1.1., 1.2. …",
                                 "enum": list(POINT_STYLES),
                                 "choice_labels": {"letter": "Chữ cái: a), b), c) …",
                                                   "decimal": "Số: 1.1., 1.2. …"}})
    closing = Text(required=True, max_length=3000,
                   metadata={"title": "Câu kết",
                             "description": "Ví dụ: Trên đây là Kế hoạch … Dấu ./. được thêm "
                                            "tự động."})
