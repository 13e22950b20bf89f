"""What the register's routes share: the search's query parameters and the download names
(the register's refusals as problem+json: :mod:`service.register.problems`)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from service import registry
from service.core_errors import FieldError
from service.errors import validation_problem
from service.register import Filters, IssuedView
from service.register.numbering import office_today
from service.registry import Format, safe_file_stem

MAX_LIMIT = 100
MAX_TEXT = 200


def _int_param(name: str, minimum: int, maximum: int, description: str) -> dict:
    return {"in": "query", "name": name, "required": False, "description": description,
            "schema": {"type": "integer", "minimum": minimum, "maximum": maximum}}


FILTER_PARAMETERS = [
    _int_param("number", 1, 99999, "Số văn bản (5 hoặc 05)"),
    _int_param("year", 1945, 2100, "Năm ban hành"),
    {"in": "query", "name": "document_type", "required": False, "schema": {"type": "string"}},
    {"in": "query", "name": "q", "required": False, "schema": {"type": "string"},
     "description": "Chữ trong trích yếu (có hoặc không dấu)"},
    {"in": "query", "name": "voided", "required": False,
     "schema": {"type": "boolean"}, "description": "true: chỉ văn bản đã hủy; false: chưa hủy"},
    {"in": "query", "name": "sequence", "required": False, "schema": {"type": "string"},
     "description": "Dãy số (trường sequence của văn bản), ví dụ SGDĐT"},
    _int_param("limit", 1, MAX_LIMIT, "Số văn bản một trang (mặc định 20)"),
    _int_param("offset", 0, 10_000_000, "Bỏ qua bao nhiêu văn bản đầu"),
]


def query_int(args: Mapping[str, str], name: str, low: int, high: int,
            errors: list[FieldError]) -> int | None:
    raw = args.get(name)
    if raw is None or raw == "":
        return None
    if raw.isascii() and raw.isdigit() and low <= int(raw) <= high:
        return int(raw)
    errors.append(FieldError(f"/{name}", "out_of_range",
                             f"{name} phải là số nguyên từ {low} đến {high}."))
    return None


def _voided(args: Mapping[str, str], errors: list[FieldError]) -> bool | None:
    raw = (args.get("voided") or "").lower()
    if raw in ("", "all"):
        return None
    if raw in ("true", "false"):
        return raw == "true"
    errors.append(FieldError("/voided", "invalid_choice", "voided phải là true hoặc false."))
    return None


def read_filters(args: Mapping[str, str], *, paged: bool) -> Filters:
    """The search in the query string; 422 naming every bad parameter."""
    errors: list[FieldError] = []
    number = query_int(args, "number", 1, 99999, errors)
    year = query_int(args, "year", 1945, 2100, errors)
    limit = query_int(args, "limit", 1, MAX_LIMIT, errors) if paged else None
    offset = query_int(args, "offset", 0, 10_000_000, errors) if paged else None
    text = (args.get("q") or "").strip() or None
    if text is not None and len(text) > MAX_TEXT:
        errors.append(FieldError("/q", "too_long", f"Tối đa {MAX_TEXT} ký tự."))
    type_id = args.get("document_type") or None
    if type_id is not None and registry.get(type_id) is None:
        errors.append(FieldError("/document_type", "unknown_document_type",
                                 "Không có loại văn bản này."))
    voided = _voided(args, errors)
    if errors:
        raise validation_problem(errors)
    return Filters(number=number, year=year, document_type=type_id, text=text, voided=voided,
                   limit=limit or 20, offset=offset or 0,
                   scope=args.get("sequence") or None, oldest_first=not paged)


def read_year(args: Mapping[str, str]) -> int:
    """The printed register's year (this year when not given)."""
    errors: list[FieldError] = []
    year = query_int(args, "year", 1945, 2100, errors)
    if errors:
        raise validation_problem(errors)
    return year or office_today().year


def download_name(doc: IssuedView, fmt: Format) -> str:
    """``Quyết định khen thưởng 05-QĐ-SGDĐT 2026-12-07.pdf``."""
    doc_type = registry.get(doc.document_type)
    title = doc_type.title if doc_type else doc.document_type
    stem = f"{title} {doc.number_text}-{doc.symbol} {doc.date.isoformat()}"
    return f"{safe_file_stem(stem)}.{fmt.value}"


NEXT_NUMBER_PARAMETERS = [
    {"in": "query", "name": "document_type", "required": True, "schema": {"type": "string"}},
    {"in": "query", "name": "agency", "required": True, "schema": {"type": "string"},
     "description": "Chữ viết tắt của cơ quan ban hành (issuer.abbreviation), ví dụ UBND"},
    {"in": "query", "name": "date", "required": False,
     "schema": {"type": "string", "format": "date"},
     "description": "Ngày của văn bản (mặc định hôm nay)"},
]


def _date_param(raw: str | None, errors: list[FieldError]) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors.append(FieldError("/date", "invalid_date", "date phải có dạng YYYY-MM-DD."))
        return None


def read_sequence_query(args: Mapping[str, str]) -> tuple[registry.DocumentType, str,
                                                           date | None]:
    """The next-number preview's query: a type, an agency, a date; 422 naming every bad one."""
    errors: list[FieldError] = []
    doc_type = registry.get(args.get("document_type") or "")
    if doc_type is None:
        errors.append(FieldError("/document_type", "unknown_document_type",
                                 "Không có loại văn bản này."))
    agency = (args.get("agency") or "").strip()
    if not agency or len(agency) > 40:
        errors.append(FieldError("/agency", "required",
                                 "Ghi chữ viết tắt của cơ quan ban hành (tối đa 40 ký tự)."))
    day = _date_param(args.get("date"), errors)
    if errors:
        raise validation_problem(errors)
    return doc_type, agency, day  # type: ignore[return-value]
