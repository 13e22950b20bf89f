"""Numbered outlines (I. → 1. → a) → - → +) as nested JSON.

The payload gives only text and nesting; numbering is computed by the renderer, so a clerk who
inserts a point never renumbers by hand.
"""

from __future__ import annotations

from functools import cache

from schemas.base import List, Nested, StrictSchema, Text

MAX_OUTLINE_DEPTH = 4  # items below a section: 1. → a) → - → +


@cache
def item_schema(depth: int = 1) -> type[StrictSchema]:
    """The schema of an outline item at ``depth`` (1 = ``1.``); deeper items nest inside."""
    attrs: dict[str, object] = {
        "text": Text(required=True, max_length=4000,
                     metadata={"title": "Nội dung", "widget": "textarea"}),
    }
    if depth < MAX_OUTLINE_DEPTH:
        attrs["items"] = List(Nested(item_schema(depth + 1)), load_default=list, max_items=60,
                              metadata={"title": "Các ý con", "item_title": "Ý"})
    return type(f"OutlineItemLevel{depth}Schema", (StrictSchema,), attrs)


class SectionSchema(StrictSchema):
    """A section ``I. HEADING`` with optional paragraphs and numbered items."""

    heading = Text(required=True, max_length=300,
                   metadata={"title": "Tiêu đề phần",
                             "description": "In hoa khi in; không cần ghi số La Mã."})
    paragraphs = List(Text(max_length=6000), load_default=list, max_items=30,
                      metadata={"title": "Đoạn văn mở đầu phần", "item_title": "Đoạn"})
    items = List(Nested(item_schema(1)), load_default=list, max_items=60,
                 metadata={"title": "Các mục đánh số", "item_title": "Mục"})
