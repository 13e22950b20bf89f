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


class IssuerSchema(StrictSchema):
    """Ô 2: the issuing agency and its direct parent."""

    parent = Text(load_default=None, allow_none=True, max_length=120, name_field=True,
                  metadata={"title": "Cơ quan chủ quản trực tiếp",
                            "description": "Để trống nếu không có. Ví dụ: "
                                           "ỦY BAN NHÂN DÂN TỈNH QUẢNG TRỊ"})
    name = Text(required=True, max_length=120, name_field=True,
                metadata={"title": "Tên cơ quan ban hành",
                          "description": "Ví dụ: SỞ THÔNG TIN VÀ TRUYỀN THÔNG. In hoa khi in."})
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
    on_behalf_of = Text(load_default=None, allow_none=True, max_length=120, name_field=True,
                        metadata={"title": "Ký thay/thay mặt cho",
                                  "description": "Ví dụ: GIÁM ĐỐC (sau KT.), "
                                                 "ỦY BAN NHÂN DÂN (sau TM.)"})
    position = Text(required=True, max_length=120,
                    metadata={"title": "Chức vụ người ký", "description": "Ví dụ: PHÓ GIÁM ĐỐC"})
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
