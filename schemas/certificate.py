"""Certificates: Bằng khen, Giấy khen and the certificate of an emulation title (DOMAIN.md §3,
§4.4, §8 Q1).

Field titles and ``aliases`` double as spreadsheet column headers (``service.tabular`` maps a
clerk's ``HO TEN`` or ``Họ và tên`` to ``recipient_name`` from this metadata). Whether a text
fits its box on the sheet depends on the layout profile, so the schema checks that too: a
certificate that validates always prints on exactly one page.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
from typing import Any

from marshmallow import ValidationError, fields, validates_schema

from schemas.base import (
    IsoDate,
    Messages,
    Msg,
    Nested,
    StrictSchema,
    Text,
    date_order_error,
    error_messages,
    invalid_choice,
    or_list,
)
from schemas.common import BREAK_HINT, HeaderLines, SignerSchema
from schemas.images import raster_complexity_error, svg_complexity_error, svg_draws
from service.vn.fold import fold_key

AWARDS = ("bang_khen", "giay_khen", "danh_hieu")
RECIPIENT_KINDS = ("ca_nhan", "tap_the")
HONORIFICS = ("ong", "ba", "dong_chi")
MODES = ("full", "blank")
MAX_EMBLEM_BYTES = 512 * 1024
VERIFICATION_CODE = r"[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}"  # Crockford base32
# The clerk's words for each code (the API keeps the codes; the page, the spreadsheet guide
# and every message show these)
AWARD_LABELS = {"bang_khen": "Bằng khen", "giay_khen": "Giấy khen",
                "danh_hieu": "Chứng nhận danh hiệu thi đua"}
KIND_LABELS = {"ca_nhan": "Cá nhân", "tap_the": "Tập thể"}
HONORIFIC_LABELS = {"ong": "Ông", "ba": "Bà", "dong_chi": "Đồng chí"}
MODE_LABELS = {"full": "In đầy đủ (cả viền và chữ cố định)",
               "blank": "In lên phôi in sẵn (chỉ các trường thay đổi)"}


class Choice(Text):
    """One of a few machine values, also accepting the Vietnamese words a clerk types
    (``Bà``, ``ba``, ``BÀ`` → ``ba``)."""

    def __init__(self, choices: dict[str, tuple[str, ...]], **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 40)
        super().__init__(**kwargs)
        self.values = tuple(choices)
        self.lookup = {fold_key(v): v for v in choices}
        for value, words in choices.items():
            self.lookup.update({fold_key(w): value for w in words})
        labels = self.metadata.get("choice_labels") or {}
        self.lookup.update({fold_key(label): value for value, label in labels.items()})

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        found = self.lookup.get(fold_key(text))
        if found is None:
            raise ValidationError(invalid_choice(self, self.values))
        return found


class Millimetres(fields.Field):
    """A JSON number of millimetres within bounds (a printer's calibration offset)."""

    default_error_messages: Messages = error_messages(
        invalid=Msg("invalid_type", "Giá trị phải là một số (mm)."))

    def __init__(self, *, limit: float = 30.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.limit = limit

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
            raise self.make_error("invalid")
        if not -self.limit <= value <= self.limit:
            raise ValidationError(Msg("out_of_range",
                                      f"Giá trị phải từ {-self.limit:g} đến {self.limit:g} mm."))
        return float(value)


_DATA_URL = re.compile(r"data:(image/png|image/jpeg|image/svg\+xml);base64,([A-Za-z0-9+/=\s]+)")
_SVG_FORBIDDEN = ("script", "foreignobject", "image", "style", "iframe", "use")


class DataImage(fields.Field):
    """An uploaded emblem or logo as a ``data:`` URL (PNG, JPEG or SVG), size-capped and
    decoded to prove it is the image it claims to be. No paths, no http URLs."""

    default_error_messages: Messages = error_messages(invalid=Msg("invalid_image",
                                             "Không đọc được ảnh: hãy chọn một tệp ảnh PNG, "
                                             "JPEG hoặc SVG."))

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        if not isinstance(value, str):
            raise self.make_error("invalid")
        if len(value) > MAX_EMBLEM_BYTES * 4 // 3 + 100:
            raise ValidationError(Msg("too_large",
                                      f"Ảnh tối đa {MAX_EMBLEM_BYTES // 1024} KB."))
        match = _DATA_URL.fullmatch(value.strip())
        if not match:
            raise self.make_error("invalid")
        try:
            raw = base64.b64decode(re.sub(r"\s+", "", match.group(2)), validate=True)
        except (binascii.Error, ValueError):
            raise self.make_error("invalid") from None
        if not raw or len(raw) > MAX_EMBLEM_BYTES:
            raise ValidationError(Msg("too_large", f"Ảnh tối đa {MAX_EMBLEM_BYTES // 1024} KB."))
        mime = match.group(1)
        if mime == "image/svg+xml":
            _check_svg(raw)
        else:
            _check_bitmap(raw, "PNG" if mime == "image/png" else "JPEG")
        return f"data:{mime};base64,{base64.b64encode(raw).decode('ascii')}"


def _check_bitmap(raw: bytes, expected: str) -> None:
    from PIL import Image

    bad = Msg("invalid_image", f"Tệp ảnh không phải ảnh {expected} hợp lệ.")
    try:
        with Image.open(io.BytesIO(raw)) as image:
            if image.format != expected:
                raise ValidationError(bad)
            too_many = raster_complexity_error(image.width, image.height)
            if too_many:
                raise ValidationError(Msg("image_too_complex", too_many))
            image.load()  # decode every pixel: a forged file fails here
        _check_complete(raw, expected)
    except ValidationError:
        raise
    except Exception:
        raise ValidationError(bad) from None


def _check_complete(raw: bytes, expected: str) -> None:
    """A truncated file fails here: ``image.load()`` cannot tell once WeasyPrint is imported,
    as it sets Pillow's ``LOAD_TRUNCATED_IMAGES`` for the whole process."""
    from PIL import Image

    if expected == "PNG":
        with Image.open(io.BytesIO(raw)) as image:
            image.verify()  # every chunk, with its checksum, up to the end
    elif not raw.rstrip(b"\0").endswith(b"\xff\xd9"):  # a JPEG ends with its EOI marker
        raise ValueError("truncated JPEG")


def _check_svg(raw: bytes) -> None:
    """A self-contained SVG: parsed safely, no scripts, styles, external references."""
    from defusedxml import ElementTree

    bad = Msg("invalid_image", "Tệp SVG không hợp lệ hoặc tham chiếu tới tài nguyên bên ngoài.")
    try:
        root = ElementTree.fromstring(raw)
    except Exception:
        raise ValidationError(bad) from None
    if not root.tag.endswith("svg"):
        raise ValidationError(bad)
    too_complex = svg_complexity_error(root)
    if too_complex:
        raise ValidationError(Msg("image_too_complex", too_complex))
    for element in root.iter():
        tag = str(element.tag).rsplit("}", 1)[-1].lower()
        if tag in _SVG_FORBIDDEN:
            raise ValidationError(bad)
        for name, val in element.attrib.items():
            local = name.rsplit("}", 1)[-1].lower()
            compact = val.replace(" ", "").lower()
            if local.startswith("on") or (local == "href" and not val.startswith("#")) \
                    or ("url(" in compact and "url(#" not in compact):
                raise ValidationError(bad)
    if not svg_draws(raw):
        raise ValidationError(Msg("invalid_image", "Ảnh SVG không vẽ được (thuộc tính hoặc "
                                  "đường vẽ sai cú pháp); hãy xuất lại ảnh hoặc dùng ảnh PNG."))


class CertificateSchema(StrictSchema):
    """One certificate: who awards, what, to whom, for what; decision and register number."""

    award = Choice({"bang_khen": ("Bằng khen",), "giay_khen": ("Giấy khen",),
                    "danh_hieu": ("Danh hiệu", "Bằng chứng nhận", "Giấy chứng nhận",
                                  "Chứng nhận")},
                   required=True,
                   metadata={"title": "Hình thức",
                             "description": "Bằng khen, Giấy khen hoặc chứng nhận danh hiệu thi "
                                            "đua.",
                             "enum": list(AWARDS), "choice_labels": AWARD_LABELS,
                             "aliases": ["Loại", "Hình thức khen thưởng"]})
    title = Text(load_default=None, allow_none=True, max_length=90,
                 metadata={"title": "Danh hiệu",
                           "description": "Chỉ khi chứng nhận danh hiệu thi đua, ví dụ: Chiến sĩ "
                                          "thi đua cơ sở; Tập thể lao động xuất sắc.",
                           "aliases": ["Danh hiệu thi đua", "Tên danh hiệu"]})
    authority = HeaderLines(max_lines=2, required=True, max_length=140, name_field=True,
                            metadata={"title": "Thẩm quyền tặng",
                                      "description": "Chức danh người tặng, ví dụ: GIÁM ĐỐC SỞ "
                                                     "THÔNG TIN VÀ TRUYỀN THÔNG. In hoa khi in."
                                                     + BREAK_HINT,
                                      "aliases": ["Người tặng", "Cấp khen"]})
    recipient_kind = Choice({"ca_nhan": ("Cá nhân",), "tap_the": ("Tập thể", "Đơn vị")},
                            load_default="ca_nhan",
                            metadata={"title": "Đối tượng",
                                      "description": "Cá nhân hoặc tập thể.",
                                      "enum": list(RECIPIENT_KINDS),
                                      "choice_labels": KIND_LABELS,
                                      "aliases": ["Cá nhân/Tập thể", "Loại đối tượng"]})
    honorific = Choice({"ong": ("Ông", "Nam"), "ba": ("Bà", "Nữ"),
                        "dong_chi": ("Đồng chí", "đ/c")},
                       load_default=None, allow_none=True,
                       metadata={"title": "Danh xưng",
                                 "description": "Cá nhân: Ông, Bà hoặc Đồng chí. Không suy ra "
                                                "từ tên đệm. Tập thể: để trống.",
                                 "enum": list(HONORIFICS),
                                 "choice_labels": HONORIFIC_LABELS,
                                 "aliases": ["Ông/Bà", "Giới tính", "Xưng hô"]})
    recipient_name = Text(required=True, max_length=120, name_field=True,
                          metadata={"title": "Họ và tên",
                                    "description": "Họ tên cá nhân hoặc tên tập thể, ghi như "
                                                   "trong quyết định.",
                                    "aliases": ["Họ tên", "Tên", "Tên tập thể",
                                                "Họ tên/Tập thể", "Người nhận"]})
    position = Text(load_default=None, allow_none=True, max_length=120,
                    metadata={"title": "Chức vụ", "description": "Ví dụ: Chuyên viên",
                              "aliases": ["Chức danh", "Chức vụ, chức danh"]})
    unit = Text(load_default=None, allow_none=True, max_length=160, name_field=True,
                metadata={"title": "Đơn vị",
                          "description": "Ví dụ: Phòng Tổ chức cán bộ, Sở Nội vụ tỉnh Quảng Trị",
                          "aliases": ["Đơn vị công tác", "Cơ quan", "Nơi công tác"]})
    achievement = Text(required=True, max_length=400,
                       metadata={"title": "Thành tích",
                                 "description": "Ví dụ: Đã có thành tích xuất sắc trong thực hiện "
                                                "nhiệm vụ năm 2025.",
                                 "aliases": ["Nội dung khen", "Thành tích khen thưởng", "Lý do"]})
    place = Text(required=True, max_length=60, name_field=True,
                 metadata={"title": "Địa danh", "description": "Ví dụ: Quảng Trị"})
    date = IsoDate(required=True, metadata={"title": "Ngày ký",
                                            "aliases": ["Ngày tặng", "Ngày"]})
    decision_number = Text(required=True, max_length=40,
                           metadata={"title": "Số quyết định",
                                     "description": "Số và ký hiệu, ví dụ: 1520/QĐ-SGDĐT",
                                     "aliases": ["Quyết định số", "Số QĐ"]})
    decision_date = IsoDate(required=True, metadata={"title": "Ngày quyết định",
                                                     "aliases": ["Ngày QĐ"]})
    register_no = Text(load_default=None, allow_none=True, max_length=30,
                       metadata={"title": "Số sổ",
                                 "description": "Số sổ vàng / số khen thưởng. Trong danh sách có "
                                                "thể để trống để cấp liên tiếp từ số bắt đầu.",
                                 "aliases": ["Số sổ vàng", "Số khen thưởng", "Số vào sổ",
                                             "Vào sổ vàng số", "Số sổ khen thưởng"]})
    signer = Nested(SignerSchema, required=True, metadata={"title": "Người ký"})
    emblem = DataImage(load_default=None, allow_none=True,
                       metadata={"title": "Biểu trưng",
                                 "description": "Ảnh biểu trưng của cơ quan (PNG, "
                                                "JPEG hoặc SVG, tối đa 512 KB)."})
    profile = Text(load_default="a4-landscape", max_length=60,
                   pattern=r"[a-z0-9][a-z0-9-]*",
                   metadata={"title": "Mẫu trình bày",
                             "description": "Mẫu trình bày của cơ quan: khổ giấy, vị trí, cỡ chữ, "
                                            "lời văn.",
                             "choices_from": "profiles"})
    mode = Choice({"full": ("Đầy đủ", "day du"), "blank": ("In phôi", "Phôi")},
                  load_default="full",
                  metadata={"title": "Chế độ in",
                            "description": "In đầy đủ trên giấy trắng, hoặc chỉ in các trường "
                                           "thay đổi lên phôi đã in sẵn.",
                            "enum": list(MODES), "choice_labels": MODE_LABELS, "fold": True})
    offset_x_mm = Millimetres(load_default=None, allow_none=True,
                              metadata={"title": "Chỉnh lệch ngang (mm)",
                                        "description": "In phôi: độ lệch ngang thay cho độ lệch "
                                                       "của mẫu trình bày, để chữ khớp phôi.",
                                        "fold": True})
    offset_y_mm = Millimetres(load_default=None, allow_none=True,
                              metadata={"title": "Chỉnh lệch dọc (mm)",
                                        "description": "In phôi: độ lệch dọc thay cho độ lệch "
                                                       "của mẫu trình bày, để chữ khớp phôi.",
                                        "fold": True})
    # the verification code of the issued certificate (issue 15): with it the sheet prints a
    # QR to the public page /xac-minh/<code> and the code in small text; set by the register
    # that issues the certificate, never typed by a clerk ("form": False: not on the page)
    verification_code = Text(load_default=None, allow_none=True, max_length=19,
                             pattern=VERIFICATION_CODE,
                             metadata={"form": False, "title": "Mã xác minh",
                                       "description": "Mã do sổ cấp khi ban hành, dạng "
                                                      "XXXX-XXXX-XXXX-XXXX."})
    verification_url = Text(load_default=None, allow_none=True, max_length=300,
                            pattern=r"https?://\S+",
                            metadata={"form": False, "title": "Địa chỉ xác minh",
                                      "description": "Địa chỉ mã QR mở; để trống: địa chỉ công "
                                                     "khai của dịch vụ + /xac-minh/<mã>."})
    qr = fields.Boolean(load_default=None, allow_none=True,
                        metadata={"form": False, "title": "In mã QR",
                                  "description": "Có mã xác minh thì in mã QR (mặc định); "
                                                 "bỏ chọn để không in."})

    @validates_schema
    def _consistent(self, data: dict[str, Any], **kwargs: Any) -> None:
        errors: dict[str, list[Msg]] = {}
        if data.get("award") == "danh_hieu" and not data.get("title"):
            errors["title"] = [Msg("required", "Chứng nhận danh hiệu phải ghi tên danh hiệu.")]
        if data.get("award") in ("bang_khen", "giay_khen") and data.get("title"):
            errors["title"] = [Msg("not_allowed", "Chỉ ghi danh hiệu khi hình thức là "
                                                 f"{AWARD_LABELS['danh_hieu']}.")]
        kind = data.get("recipient_kind", "ca_nhan")
        if kind == "ca_nhan" and not data.get("honorific"):
            errors["honorific"] = [Msg("required", "Cá nhân phải có danh xưng: "
                                                   + or_list(list(HONORIFIC_LABELS.values()))
                                                   + " (không suy ra từ tên).")]
        if kind == "tap_the" and data.get("honorific"):
            errors["honorific"] = [Msg("not_allowed", "Tập thể không có danh xưng.")]
        if data["decision_date"] > data["date"]:  # a certificate is signed after its decision
            errors["decision_date"] = [date_order_error(
                data["decision_date"], "Quyết định khen thưởng", data["date"],
                "ngày ký bằng/giấy khen")]
        if errors:
            raise ValidationError(errors)
        # whether the texts fit the sheet is the type's prepare step (the layout, once)
