"""Pieces every Decree 30 administrative document shares: issuer, number, place and date,
signer, recipients. Document schemas compose these; the shared templates read them."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from marshmallow import ValidationError, validates_schema

from schemas import clock
from schemas.base import (
    Abbreviation,
    IsoDate,
    List,
    Msg,
    Nested,
    StrictInt,
    StrictSchema,
    Text,
    date_order_error,
)

SIGN_PREFIXES = ("TM.", "KT.", "Q.", "TL.", "TUQ.")
# (In JSON the break is a newline, "\n": README says so; the clerk presses Enter.)
BREAK_HINT = (" Muốn tự chọn chỗ xuống dòng khi in thì nhấn Enter giữa hai dòng; nếu không,"
              " dịch vụ tự ngắt giữa các từ, không tách từ hai tiếng.")


class HeaderLines(Text):
    """A name or title printed in capitals on one or more lines (agency, authority, signer's
    position). A newline ``\\n`` is the caller's own line break, kept in both formats; at
    most :attr:`max_lines` lines, none blank, spaces inside a line collapsed."""

    def __init__(self, *, max_lines: int = 3, **kwargs: Any) -> None:
        super().__init__(multiline=True, **kwargs)
        self.max_lines = max_lines

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        lines = [" ".join(line.split()) for line in text.split("\n")]
        if not all(lines):
            raise ValidationError(Msg("blank_line", "Không được có dòng trống: mỗi dòng là một"
                                                    " dòng khi in."))
        if len(lines) > self.max_lines:
            raise ValidationError(Msg("too_many_lines", f"Tối đa {self.max_lines} dòng (hiện có"
                                                        f" {len(lines)})."))
        return "\n".join(lines)


class IssuerSchema(StrictSchema):
    """Ô 2: the issuing agency and its direct parent."""

    parent = HeaderLines(load_default=None, allow_none=True, max_length=120, name_field=True,
                         metadata={"title": "Cơ quan chủ quản trực tiếp",
                                   "description": "Để trống nếu không có. Ví dụ: "
                                                  "ỦY BAN NHÂN DÂN TỈNH QUẢNG TRỊ." + BREAK_HINT})
    name = HeaderLines(required=True, max_length=120, name_field=True,
                       metadata={"title": "Tên cơ quan ban hành",
                                 "description": "Ví dụ: SỞ THÔNG TIN VÀ TRUYỀN THÔNG. In hoa khi"
                                                " in." + BREAK_HINT})
    abbreviation = Abbreviation(required=True, metadata={
        "title": "Chữ viết tắt của cơ quan",
        "description": "Dùng trong ký hiệu văn bản, ví dụ STTTT"})


class SignerSchema(StrictSchema):
    """Ô 7: authority prefix, position and name of the person who signs."""

    prefix = Text(load_default=None, allow_none=True, choices=SIGN_PREFIXES, max_length=5,
                  metadata={"title": "Quyền hạn ký",
                            "description": "TM., KT., Q., TL. hoặc TUQ.; "
                                           "để trống nếu người đứng đầu ký.",
                            "enum": list(SIGN_PREFIXES),
                            "enum_titles": {"TM.": "TM. — thay mặt tập thể lãnh đạo",
                                            "KT.": "KT. — ký thay người đứng đầu",
                                            "Q.": "Q. — quyền",
                                            "TL.": "TL. — thừa lệnh",
                                            "TUQ.": "TUQ. — thừa ủy quyền"}})
    on_behalf_of = HeaderLines(load_default=None, allow_none=True, max_length=120,
                               name_field=True,
                               metadata={"title": "Ký thay/thay mặt cho",
                                         "description": "Ví dụ: GIÁM ĐỐC (sau KT.), "
                                                        "ỦY BAN NHÂN DÂN (sau TM.)." + BREAK_HINT})
    deputy_for = HeaderLines(load_default=None, allow_none=True, max_length=120,
                             name_field=True,
                             metadata={"title": "Cấp phó ký thay (KT.) cho",
                                       "description": "Chỉ khi cấp phó ký thay người đứng đầu, "
                                                      "thay mặt tập thể (TM.). Ví dụ: CHỦ TỊCH → "
                                                      "ba dòng TM. ỦY BAN NHÂN DÂN / KT. CHỦ TỊCH"
                                                      " / PHÓ CHỦ TỊCH."})
    position = HeaderLines(required=True, max_length=120,
                           metadata={"title": "Chức vụ người ký",
                                     "description": "Ví dụ: PHÓ GIÁM ĐỐC." + BREAK_HINT})
    name = Text(required=True, max_length=80, name_field=True,
                metadata={"title": "Họ và tên người ký",
                          "description": "Không ghi học hàm, học vị trước tên."})

    @validates_schema
    def _prefix_needs_principal(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("prefix") and not data.get("on_behalf_of"):
            raise ValidationError({"on_behalf_of": [Msg(
                "required", "Khi có quyền hạn ký (TM., KT., …) phải ghi chức danh"
                            " hoặc cơ quan được ký thay.")]})
        if data.get("on_behalf_of") and not data.get("prefix"):
            raise ValidationError({"prefix": [Msg(
                "required", "Đã ghi 'ký thay/thay mặt cho' thì phải chọn quyền hạn ký"
                            " (TM., KT., …).")]})

    @validates_schema
    def _deputy_signs_for_the_head(self, data: dict[str, Any], **kwargs: Any) -> None:
        """TM. <tập thể> / KT. <người đứng đầu> / <cấp phó>: the KT. line only under TM., and
        a deputy (PHÓ …) never signs for a collective without it."""
        from service.vn.fold import fold_upper as fold

        deputy_for, prefix = data.get("deputy_for"), data.get("prefix")
        position = fold(data.get("position") or "").split()
        if deputy_for and prefix != "TM.":
            raise ValidationError({"deputy_for": [Msg(
                "not_allowed", "Dòng “KT. …” ở giữa chỉ dùng khi ký thay mặt tập thể (TM.). Cấp "
                               "phó ký thay người đứng đầu thì chọn quyền hạn ký KT. và ghi chức "
                               "danh người đứng đầu vào “Ký thay/thay mặt cho”.")]})
        if prefix == "TM." and not deputy_for and position[:1] == ["PHO"]:
            raise ValidationError({"deputy_for": [Msg(
                "required", "Cấp phó không ký trực tiếp thay mặt tập thể: hãy ghi “Cấp phó ký "
                            "thay (KT.) cho”, ví dụ CHỦ TỊCH, để in đủ ba dòng TM. ỦY BAN NHÂN "
                            "DÂN / KT. CHỦ TỊCH / PHÓ CHỦ TỊCH.")]})
        if deputy_for and fold(deputy_for).split() == position:
            raise ValidationError({"deputy_for": [Msg(
                "inconsistent", "Người ký thay (KT.) không thể có cùng chức vụ với người được ký "
                                "thay; người đứng đầu tự ký thì để trống trường này.")]})


class AdministrativeDocumentSchema(StrictSchema):
    """Fields of ô 1-5 and 7-9 shared by every typed administrative document (Mẫu 1.2, 1.4)."""

    issuer = Nested(IssuerSchema, required=True, metadata={"title": "Cơ quan ban hành"})
    number = StrictInt(load_default=None, allow_none=True, minimum=1, maximum=99999,
                       metadata={"title": "Số văn bản",
                                 "description": "Để trống nếu cấp số khi ký."})
    symbol_suffix = Abbreviation(load_default=None, allow_none=True, metadata={
        "title": "Đơn vị soạn thảo trong ký hiệu (nếu có)",
        "description": "Ví dụ TĐKT → QĐ-UBND-TĐKT"})
    place = Text(required=True, max_length=60, name_field=True,
                 metadata={"title": "Địa danh", "description": "Ví dụ: Hà Nội, Quảng Trị"})
    date = IsoDate(load_default=None, allow_none=True,
                   metadata={"title": "Ngày ban hành",
                             "description": "Để trống nếu ghi ngày khi ký (khi đó phải ghi năm)."})
    year = StrictInt(load_default=None, allow_none=True, minimum=1945, maximum=2100,
                     metadata={"title": "Năm ban hành",
                               "description": "Chỉ cần khi để trống ngày ban hành."})
    summary = Text(required=True, max_length=300,
                   metadata={"title": "Trích yếu nội dung",
                             "description": "Ví dụ: Về công tác thi đua, khen thưởng năm 2026"})
    signer = Nested(SignerSchema, required=True, metadata={"title": "Người ký", "order": 100})
    recipients = List(Text(max_length=200), required=True, min_items=1, max_items=40,
                      metadata={"title": "Nơi nhận",
                                "description": "Mỗi dòng một nơi nhận, không cần gạch đầu dòng.",
                                "item_title": "Nơi nhận", "order": 101})
    archive = Text(load_default="VT", max_length=60,
                   metadata={"title": "Lưu",
                             "description": "Ví dụ: VT, TĐKT → dòng “- Lưu: VT, TĐKT.”",
                             "order": 102})

    #: Fields whose texts cite earlier documents, and whether every date in them is the date
    #: of something cited (True: legal bases, the proposal) or only a date right after a
    #: document number (False: ``Thực hiện Kế hoạch số 210/KH-UBND ngày …``, not deadlines).
    CITING_FIELDS: ClassVar[dict[str, bool]] = {}
    # The texts that end a document: the end mark ./. is added to them (never doubled).
    END_FIELDS: ClassVar[tuple[tuple[str, ...], ...]] = (("closing",), ("articles", "execution"))

    @validates_schema
    def _end_mark_only_at_the_end(self, data: dict[str, Any], **kwargs: Any) -> None:
        """Decree 30's ``./.`` ends the document's content once, where the service puts it;
        the same mark at the end of any other text would print it in the middle."""
        errors: dict[Any, Any] = {}
        for path, text in _texts(data):
            if path in self.END_FIELDS or not text.rstrip().endswith("./."):
                continue
            target = errors
            for key in path[:-1]:
                target = target.setdefault(key, {})
            target[path[-1]] = [Msg("end_mark", "Dấu kết thúc ./. chỉ đặt một lần ở cuối văn "
                                                "bản và được thêm tự động; hãy bỏ dấu ./. ở "
                                                "đây.")]
        if errors:
            raise ValidationError(errors)

    @validates_schema
    def _date_or_year(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("date") is None and data.get("year") is None:
            raise ValidationError({"year": [Msg(
                "required", "Khi để trống ngày ban hành phải ghi năm ban hành.")]})
        if data.get("date") is not None and data.get("year") not in (None, data["date"].year):
            raise ValidationError({"year": [Msg(
                "inconsistent", "Năm ban hành khác với năm của ngày ban hành.")]})
        if data.get("date") is None and data["year"] > clock.latest().year:
            raise ValidationError({"year": [Msg(
                "too_far_ahead", f"Năm {data['year']} quá xa trong tương lai: chỉ nhận đến năm "
                                 f"{clock.latest().year}.")]})

    @validates_schema
    def _cited_before(self, data: dict[str, Any], **kwargs: Any) -> None:
        """A document cited (legal basis, proposal, plan carried out) is dated no later than
        this one; the pointer is the citing text's."""
        issued: dt.date | int | None = data.get("date") or data.get("year")
        if issued is None:
            return
        errors: dict[str, Any] = {}
        for name, every_date in self.CITING_FIELDS.items():
            value = data.get(name)
            texts = value if isinstance(value, list) else [value]
            for index, text in enumerate(texts):
                late = _first_later(text, issued, citations_only=not every_date)
                if late is None:
                    continue
                message = [date_order_error(late, "Văn bản được dẫn", issued,
                                            "ngày ban hành văn bản này")]
                if isinstance(value, list):
                    errors.setdefault(name, {})[index] = message
                else:
                    errors[name] = message
        if errors:
            raise ValidationError(errors)


def _first_later(text: Any, issued: dt.date | int, *, citations_only: bool) -> dt.date | None:
    from service.vn.dates import dates_in_text

    if not isinstance(text, str):
        return None
    for day in dates_in_text(text, citations_only=citations_only):
        if (day > issued) if isinstance(issued, dt.date) else (day.year > issued):
            return day
    return None


def _texts(value: Any, path: tuple[Any, ...] = ()):
    """``(path, text)`` of every string in a loaded payload (lists addressed by index)."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _texts(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _texts(item, (*path, index))
