"""Certificates: Bằng khen, Giấy khen, chứng nhận danh hiệu thi đua (DOMAIN.md §3, §4.4).

Two modes from the same payload: ``full`` prints the whole certificate with the service's own
border; ``blank`` prints only the variable fields at a profile's positions, onto pre-printed
stock, shifted by the printer's calibration offset. The layout (boxes, sizes, line breaks) is
computed once in :mod:`service.doctypes._certificate_layout`; both templates only print it.
Bulk rendering uses the fast chunk renderer of :mod:`service.doctypes._certificate_bulk`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm
from marshmallow import ValidationError

from schemas.base import Msg
from schemas.certificate import CertificateSchema
from service.core_errors import FieldError
from service.doctypes import _certificate_layout as cert_layout
from service.doctypes import _certificate_qr as cert_qr
from service.kit import docx_parts as parts
from service.kit.plugin import BatchSupport, DocumentType

AWARD_LABELS = {"bang_khen": "Bằng khen", "giay_khen": "Giấy khen", "danh_hieu": "Chứng nhận"}


def build_context(data: Mapping[str, Any]) -> dict[str, Any]:
    """The certificate's layout: every box with its lines and size, fitted once.

    :raises ValidationError: the profile is unknown, or a text does not fit its box.
    """
    try:
        context = cert_layout.layout(data)
    except cert_layout.ProfileError as exc:
        raise ValidationError({"profile": [Msg("invalid_choice", str(exc))]}) from None
    except cert_layout.FitError as exc:
        raise ValidationError(exc.messages()) from None
    context["page"]["qr"] = cert_qr.page_qr(data, context["page"])
    return context


def file_stem(data: Mapping[str, Any]) -> str:
    label = AWARD_LABELS[data["award"]]
    return f"{label} {data['recipient_name']}"


# ---------------------------------------------------------------- DOCX template

_FRAMED_LINE = (
    '<w:p {ns}><w:pPr>'
    '<w:framePr w:w="{{{{ b.w_tw }}}}" w:h="{{{{ b.h_tw }}}}" w:hRule="exact" w:hSpace="0" '
    'w:vSpace="0" w:wrap="notBeside" w:vAnchor="page" w:hAnchor="page" '
    'w:x="{{{{ b.x_tw }}}}" w:y="{{{{ b.y_tw }}}}"/>'
    '<w:pBdr><w:bottom w:val="{{{{ b.rule_val }}}}" w:sz="6" w:space="0" '
    'w:color="000000"/></w:pBdr>'
    '<w:spacing w:before="0" w:after="0" w:line="{{{{ b.pitch_tw }}}}" w:lineRule="exact"/>'
    '<w:jc w:val="{{{{ b.jc }}}}"/></w:pPr>'
    '<w:r><w:rPr><w:b w:val="{{{{ b.bold_val }}}}"/><w:bCs w:val="{{{{ b.bold_val }}}}"/>'
    '<w:i w:val="{{{{ b.italic_val }}}}"/><w:iCs w:val="{{{{ b.italic_val }}}}"/>'
    '<w:color w:val="{{{{ b.color_hex }}}}"/>'
    '<w:sz w:val="{{{{ b.size_hp }}}}"/><w:szCs w:val="{{{{ b.size_hp }}}}"/></w:rPr>'
    '<w:t xml:space="preserve">{{{{ line }}}}</w:t></w:r></w:p>'
)


def build_docx_template(path: Path) -> None:
    """One sheet; every box a Word frame at its position (page-anchored, exact size), one
    framed paragraph per line. Page size, orientation and the page border (full mode only)
    come from the context."""
    doc = parts.new_document(landscape=True)
    section = doc.sections[0]
    for attr in ("top_margin", "bottom_margin", "left_margin", "right_margin"):
        setattr(section, attr, Mm(5))
    sect = section._sectPr
    pg_sz = sect.find(qn("w:pgSz"))
    pg_sz.set(qn("w:w"), "{{ page.w_tw }}")
    pg_sz.set(qn("w:h"), "{{ page.h_tw }}")
    pg_sz.set(qn("w:orient"), "{{ page.orient }}")
    borders = parse_xml(
        f'<w:pgBorders {nsdecls("w")} w:offsetFrom="page">'
        + "".join(f'<w:{side} w:val="{{{{ page.border_val }}}}" w:sz="18" w:space="20" '
                  f'w:color="{{{{ page.frame_color }}}}"/>'
                  for side in ("top", "left", "bottom", "right"))
        + "</w:pgBorders>")
    pg_mar = sect.find(qn("w:pgMar"))
    pg_mar.addnext(borders)
    parts.tag(doc, "{%p for b in boxes %}")
    parts.tag(doc, "{%p for line in b.lines %}")
    sect.addprevious(parse_xml(_FRAMED_LINE.format(ns=nsdecls("w"))))
    parts.tag(doc, "{%p endfor %}")
    parts.tag(doc, "{%p endfor %}")
    parts.save(doc, path)


# ---------------------------------------------------------------- the emblem in the DOCX

EMBLEM_RID = "rIdThiduaEmblem"
QR_RID = "rIdThiduaQr"
_EMU_PER_MM = 36000
_DRAWING = (
    '<w:p xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:r><w:drawing>'
    '<wp:anchor xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
    'distT="0" distB="0" distL="0" distR="0" simplePos="0" relativeHeight="2" behindDoc="0" '
    'locked="1" layoutInCell="1" allowOverlap="1"><wp:simplePos x="0" y="0"/>'
    '<wp:positionH relativeFrom="page"><wp:posOffset>{x}</wp:posOffset></wp:positionH>'
    '<wp:positionV relativeFrom="page"><wp:posOffset>{y}</wp:posOffset></wp:positionV>'
    '<wp:extent cx="{cx}" cy="{cy}"/><wp:effectExtent l="0" t="0" r="0" b="0"/><wp:wrapNone/>'
    '<wp:docPr id="{shape_id}" name="{title}"/><wp:cNvGraphicFramePr/>'
    '<a:graphic xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">'
    '<a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture">'
    '<pic:pic xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture">'
    '<pic:nvPicPr><pic:cNvPr id="0" name="{name}"/><pic:cNvPicPr/></pic:nvPicPr>'
    '<pic:blipFill><a:blip xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships" r:embed="{rid}"/><a:stretch><a:fillRect/></a:stretch></pic:blipFill>'
    '<pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="{cx}" cy="{cy}"/></a:xfrm>'
    '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr></pic:pic></a:graphicData>'
    '</a:graphic></wp:anchor></w:drawing></w:r></w:p>')


def _fit(box: Mapping[str, float], ratio: float) -> tuple[float, float, float, float]:
    """The image's place inside ``box`` keeping its ``ratio`` (``object-fit: contain``)."""
    w, h = box["w"], box["h"]
    if w / h > ratio:
        w = h * ratio
    else:
        h = w / ratio
    return box["x"] + (box["w"] - w) / 2, box["y"] + (box["h"] - h) / 2, w, h


def _emblem_image(page: Mapping[str, Any]) -> tuple[str, str, bytes, tuple] | None:
    import base64
    import io

    from PIL import Image

    emblem = page.get("emblem")
    if not emblem or not emblem["src"].startswith(("data:image/png", "data:image/jpeg")):
        return None
    ext = "png" if emblem["src"].startswith("data:image/png") else "jpeg"
    raw = base64.b64decode(emblem["src"].split(",", 1)[1])
    with Image.open(io.BytesIO(raw)) as image:
        ratio = image.width / image.height
    return EMBLEM_RID, f"emblem.{ext}", raw, _fit(emblem, ratio)


def _qr_image(page: Mapping[str, Any]) -> tuple[str, str, bytes, tuple] | None:
    qr = page.get("qr")
    if not qr:
        return None
    return QR_RID, "qr.png", cert_qr.png(qr["url"]), (qr["x"], qr["y"], qr["size"],
                                                        qr["size"])


_SHAPES = {EMBLEM_RID: (9001, "Biểu trưng"), QR_RID: (9002, "Mã QR")}


def _drawing(rid: str, name: str, place: tuple) -> bytes:
    x, y, w, h = (round(v * _EMU_PER_MM) for v in place)
    shape_id, title = _SHAPES[rid]
    return _DRAWING.format(x=x, y=y, cx=w, cy=h, name=name, rid=rid, shape_id=shape_id,
                           title=title).encode("utf-8")


def finish_docx(content: bytes, context: Mapping[str, Any]) -> bytes:
    """Put the uploaded emblem (PNG or JPEG) and the verification QR (PNG) into the DOCX at
    their places, the emblem scaled to fit its box like the PDF's ``object-fit: contain``.
    docxtpl cannot add an image part without its template object, so this edits the finished
    package. Word needs a bitmap fallback for SVG, which the service cannot draw: an SVG
    emblem prints in the PDF only."""
    images = [image for image in (_emblem_image(context["page"]), _qr_image(context["page"]))
              if image is not None]
    return _add_images(content, images) if images else content


def _add_images(content: bytes, images: list[tuple[str, str, bytes, tuple]]) -> bytes:
    import io
    import zipfile

    drawings = b"".join(_drawing(rid, name, place) for rid, name, _, place in images)
    rels = "".join(f'<Relationship Id="{rid}" Type="http://schemas.openxmlformats.org/'
                   f'officeDocument/2006/relationships/image" Target="media/{name}"/>'
                   for rid, name, _, _ in images).encode()
    exts = {name.rsplit(".", 1)[1] for _, name, _, _ in images}
    source = zipfile.ZipFile(io.BytesIO(content))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "word/document.xml":
                data = data.replace(b"<w:body>", b"<w:body>" + drawings, 1)
            elif info.filename == "word/_rels/document.xml.rels":
                data = data.replace(b"</Relationships>", rels + b"</Relationships>")
            elif info.filename == "[Content_Types].xml":
                data = _content_types(data, exts)
            out.writestr(info, data)
        for _, name, raw, _ in images:
            out.writestr(f"word/media/{name}", raw)
    return buffer.getvalue()


def _content_types(data: bytes, exts: set[str]) -> bytes:
    for ext in sorted(exts):
        if f'Extension="{ext}"'.encode() not in data:
            data = data.replace(b"</Types>", (
                f'<Default Extension="{ext}" ContentType="image/{ext}"/></Types>').encode())
    return data


# ---------------------------------------------------------------- batches

def batch_example(samples_dir: Path) -> dict[str, Any]:
    return json.loads((samples_dir / "certificate_batch.json").read_text(encoding="utf-8"))


def assign_registers(common: Mapping[str, Any], items: Sequence[Any]
                     ) -> tuple[dict[str, Any], list[Any], list[FieldError]]:
    """Number the register (số sổ) of rows that carry none, consecutively from
    ``common.register_start``; rows with their own number keep it."""
    common = dict(common)
    start = common.pop("register_start", None)
    if start is None:
        return common, list(items), []
    text = str(start).strip() if not isinstance(start, bool) else ""
    if not text.isdigit() or len(text) > 12:
        return common, list(items), [FieldError(
            "/common/register_start", "invalid_type",
            "Số sổ bắt đầu phải là số nguyên không âm (giữ số 0 đứng đầu nếu có).")]
    width, number = len(text), int(text)
    out = []
    for item in items:
        if isinstance(item, Mapping) and not item.get("register_no") \
                and not common.get("register_no"):
            item = {**item, "register_no": str(number).zfill(width)}
            number += 1
        out.append(item)
    return common, out, []


def register_range(common: Mapping[str, Any], items: Sequence[Any]) -> range | None:
    """The register numbers a batch numbers from ``common.register_start`` (the rows that
    carry no number of their own), or None when it numbers none."""
    start = common.get("register_start") if isinstance(common, Mapping) else None
    text = str(start).strip() if start is not None and not isinstance(start, bool) else ""
    if not text.isdigit() or len(text) > 12 or common.get("register_no"):
        return None
    count = sum(1 for item in items if isinstance(item, Mapping) and not item.get("register_no"))
    return range(int(text), int(text) + count) if count else None


def check_batch(prepared: Sequence[Any]) -> list[FieldError]:
    """Refuse duplicate register numbers: each names the row that already has it."""
    seen: dict[str, Any] = {}
    errors = []
    for item in prepared:
        number = item.data.get("register_no")
        if not number:
            continue
        first = seen.setdefault(number.casefold(), item)
        if first is not item:
            where = f"dòng {first.row}" if first.row is not None else f"mục {first.index + 1}"
            errors.append(FieldError(f"/items/{item.index}/register_no", "duplicate",
                                     f"Số sổ “{number}” trùng với {where}.", row=item.row,
                                     column="register_no"))
    return errors


def _render_chunk(renderer, doc_type, items, output):
    from service.doctypes._certificate_bulk import render_chunk

    return render_chunk(renderer, doc_type, items, output)


DOCUMENT_TYPE = DocumentType(
    id="certificate",
    title="Bằng khen, Giấy khen, chứng nhận danh hiệu",
    description="Bằng khen, Giấy khen hoặc giấy chứng nhận danh hiệu thi đua, khổ A4/A3 ngang, "
                "in đầy đủ hoặc in đè lên phôi in sẵn; in hàng loạt từ danh sách.",
    schema=CertificateSchema,
    build_context=build_context,
    file_stem=file_stem,
    build_docx_template=build_docx_template,
    finish_docx=finish_docx,
    batch=BatchSupport(
        columns=("honorific", "recipient_name", "position", "unit", "register_no",
                 "recipient_kind", "achievement"),
        example=batch_example,
        prepare_items=assign_registers,
        check=check_batch,
        register_range=register_range,
        render_chunk=_render_chunk,
    ),
    not_printed=("award", "recipient_kind", "honorific", "profile", "mode", "emblem",
                 "decision_date", "verification_code", "verification_url", "qr"),
)
