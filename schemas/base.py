"""Strict schema base and the fields every document schema uses.

Every error message is a :class:`Msg`: a Vietnamese sentence that also carries a stable
machine ``code``, so the API can report ``{pointer, code, message}`` for each problem.
Text fields run the input-hygiene rules of :mod:`service.vn` (NFC, no control, bidi or
invisible characters, no legacy TCVN3/VNI text) and check lengths after normalisation.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validates_schema


class Msg(str):
    """An error message with a stable machine code."""

    code: str

    def __new__(cls, code: str, message: str) -> Msg:
        obj = super().__new__(cls, message)
        obj.code = code
        return obj

    def format(self, *args: Any, **kwargs: Any) -> Msg:  # keep the code through str.format
        return Msg(self.code, str.format(self, *args, **kwargs))


REQUIRED = Msg("required", "Trường này là bắt buộc.")
NULL = Msg("null", "Trường này không được để trống.")
UNKNOWN = Msg("unknown_field",
              "Trường này không có trong mẫu văn bản; hãy xóa hoặc sửa tên trường.")
TYPE_OBJECT = Msg("invalid_type", "Giá trị phải là một nhóm thông tin (gồm các trường).")

def or_list(words: list[str] | tuple[str, ...]) -> str:
    """``Ông, Bà hoặc Đồng chí``: a clerk's list of choices."""
    words = list(words)
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " hoặc " + words[-1]


def choice_labels(field: Any, codes: tuple[str, ...] | list[str]) -> list[str]:
    """The Vietnamese labels of a field's choices (``metadata["choice_labels"]``), in order;
    a code without a label is shown as is."""
    labels = getattr(field, "metadata", {}).get("choice_labels") or {}
    return [labels.get(code, code) for code in codes]


def invalid_choice(field: Any, codes: tuple[str, ...] | list[str]) -> Msg:
    """The one message for a value outside a field's choices, in the clerk's words."""
    return Msg("invalid_choice", "Chỉ chọn một trong: " + or_list(choice_labels(field, codes))
               + ".")


COMMON_MESSAGES = {"required": REQUIRED, "null": NULL,
                   "validator_failed": Msg("invalid", "Giá trị không hợp lệ.")}


# marshmallow's type of a field's default messages: declared per class, read per class
Messages = dict[str, str | list[Any] | dict[Any, Any]]


def error_messages(**own: str) -> Messages:
    """A field class's default messages: the common ones with its own over them."""
    return {**COMMON_MESSAGES, **own}


class StrictSchema(Schema):
    """Unknown fields are errors; messages are Vietnamese with codes."""

    class Meta:
        unknown = RAISE

    error_messages = {"unknown": UNKNOWN, "type": TYPE_OBJECT}  # noqa: RUF012 (marshmallow's)


def _check_length(value: str, min_length: int, max_length: int) -> None:
    if len(value) < min_length:
        raise ValidationError(Msg("too_short", f"Cần ít nhất {min_length} ký tự."))
    if len(value) > max_length:
        raise ValidationError(Msg("too_long", f"Tối đa {max_length} ký tự (hiện có {len(value)})."))


def _hygiene(check: Any, text: str, **kwargs: Any) -> Any:
    """Run a :mod:`service.vn` text check; its TextError becomes a coded ValidationError."""
    from service.vn import TextError

    try:
        return check(text, **kwargs)
    except TextError as exc:
        raise ValidationError(Msg(exc.code, exc.message)) from None


class Text(fields.Field):
    """Vietnamese text: NFC, hygiene-checked, outer whitespace stripped, length-bounded.

    No word may mix scripts; ``name_field=True`` marks a name (person, agency, unit, place):
    Latin script only, and no start like a spreadsheet formula."""

    default_error_messages: Messages = error_messages(
        invalid=Msg("invalid_type", "Giá trị phải là chuỗi văn bản."))

    def __init__(self, *, max_length: int = 500, min_length: int = 1, multiline: bool = False,
                 pattern: str | None = None, pattern_message: str | None = None,
                 choices: tuple[str, ...] | None = None, name_field: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.name_field = name_field  # person, agency, unit or place: Latin, no formulas
        self.max_length = max_length
        self.min_length = min_length
        self.multiline = multiline
        self.pattern = re.compile(pattern) if pattern else None
        self.pattern_message = pattern_message or "Giá trị không đúng định dạng."
        self.choices = choices

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        from service.vn import check_script, check_text
        from service.vn.hygiene import check_tokens

        if not isinstance(value, str):
            raise self.make_error("invalid")
        if self.multiline:
            value = value.replace("\r\n", "\n")
        label = self.metadata.get("title")  # messages name the field as the clerk sees it
        text = _hygiene(check_text, value, multiline=self.multiline, field=label)
        _check_length(text.strip(), self.min_length, self.max_length)
        _hygiene(check_script, text, name=self.name_field, field=label)  # positions as given
        _hygiene(check_tokens, text, field=label)
        text = text.strip()
        if self.pattern is not None and not self.pattern.fullmatch(text):
            raise ValidationError(Msg("invalid_format", self.pattern_message))
        if self.choices is not None and text not in self.choices:
            raise ValidationError(invalid_choice(self, self.choices))
        return text

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        return value


class Abbreviation(Text):
    """An agency or unit abbreviation as used in a document symbol (``UBND``, ``STTTT``)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 20)
        super().__init__(
            pattern=r"[A-ZĐ][A-ZĐ0-9&]*",
            pattern_message="Viết hoa, không dấu cách, chỉ gồm chữ cái in hoa, chữ số và &"
                            " (ví dụ: UBND, STTTT, BTTTT, TĐKT).",
            **kwargs)


class StrictInt(fields.Field):
    """A JSON integer (not a float, string or boolean) within bounds."""

    default_error_messages: Messages = error_messages(
        invalid=Msg("invalid_type", "Giá trị phải là số nguyên."))

    def __init__(self, *, minimum: int = 0, maximum: int = 10**15, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.minimum, self.maximum = minimum, maximum

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.make_error("invalid")
        if not self.minimum <= value <= self.maximum:
            raise ValidationError(Msg("out_of_range",
                                      f"Giá trị phải từ {self.minimum} đến {self.maximum}."))
        return value

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        return value


DATE_HINT = "ghi ngày/tháng/năm, ví dụ 05/12/2026"


class IsoDate(fields.Field):
    """A calendar date, ``YYYY-MM-DD`` in the API (ISO 8601); real dates only, years
    1945-2100. Its messages speak as a clerk writes a date (dd/mm/yyyy): the page and the
    spreadsheet reader turn what was typed into ``YYYY-MM-DD`` before it gets here."""

    default_error_messages: Messages = error_messages(invalid=Msg(
        "invalid_date", f"Không đọc được ngày: {DATE_HINT}."))

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> dt.date:
        if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise self.make_error("invalid")
        try:
            date = dt.date.fromisoformat(value)
        except ValueError:
            year, month, day = value.split("-")
            raise ValidationError(Msg("invalid_date", f"Không có ngày {day}/{month}/{year}; "
                                                      f"{DATE_HINT}.")) from None
        if not 1945 <= date.year <= 2100:
            raise ValidationError(Msg("out_of_range", "Năm phải từ 1945 đến 2100."))
        check_not_too_far_ahead(date)
        return date

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        return value.isoformat() if isinstance(value, dt.date) else value


def _short(day: dt.date) -> str:
    return f"{day.day:02d}/{day.month:02d}/{day.year}"


def check_not_too_far_ahead(day: dt.date) -> None:
    """Refuse a date beyond today plus the ``MAX_DATE_AHEAD_DAYS`` window (schemas.clock)."""
    from schemas import clock

    latest = clock.latest()
    if day > latest:
        raise ValidationError(Msg(
            "too_far_ahead", f"Ngày {_short(day)} quá xa trong tương lai: chỉ nhận ngày đến "
                             f"{_short(latest)} ({clock.max_ahead_days()} ngày sau hôm nay). "
                             "Kiểm tra lại năm đã gõ."))


def date_order_error(later: dt.date, what_later: str, earlier: dt.date | int,
                     what_earlier: str) -> Msg:
    """The message for ``what_later`` dated after ``what_earlier`` (a date or a year)."""
    when = _short(earlier) if isinstance(earlier, dt.date) else f"năm {earlier}"
    return Msg("date_order", f"{what_later} ghi ngày {_short(later)}, sau {what_earlier} "
                             f"({when}): ngày tháng không khớp nhau, hãy kiểm tra lại.")


class Flag(fields.Field):
    """A JSON boolean, nothing else."""

    default_error_messages: Messages = error_messages(
        invalid=Msg("invalid_type", "Chỉ chọn có hoặc không."))

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class Nested(fields.Nested):
    """Nested object with Vietnamese messages."""

    default_error_messages: Messages = error_messages(type=TYPE_OBJECT)


class List(fields.List):
    """A JSON array with bounded length and Vietnamese messages."""

    default_error_messages: Messages = error_messages(
        invalid=Msg("invalid_type", "Giá trị phải là một danh sách."))

    def __init__(self, inner: Any, *, min_items: int = 0, max_items: int = 200,
                 **kwargs: Any) -> None:
        super().__init__(inner, **kwargs)
        self.min_items, self.max_items = min_items, max_items

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> list:
        if isinstance(value, list):
            if len(value) < self.min_items:
                raise ValidationError(Msg("too_few_items",
                                          f"Cần ít nhất {self.min_items} mục."))
            if len(value) > self.max_items:
                raise ValidationError(Msg("too_many_items",
                                          f"Tối đa {self.max_items} mục (hiện có {len(value)})."))
        return super()._deserialize(value, attr, data, **kwargs)


def require_together(data: dict[str, Any], when: str, needs: str, message: str) -> None:
    """Schema-level helper: ``needs`` is required when ``when`` is set."""
    if data.get(when) and not data.get(needs):
        raise ValidationError({needs: [Msg("required", message)]})


__all__ = [
    "Abbreviation",
    "Flag",
    "IsoDate",
    "List",
    "Msg",
    "Nested",
    "StrictInt",
    "StrictSchema",
    "Text",
    "check_not_too_far_ahead",
    "choice_labels",
    "date_order_error",
    "invalid_choice",
    "or_list",
    "require_together",
    "validates_schema",
]
