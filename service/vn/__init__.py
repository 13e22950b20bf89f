"""Vietnamese text rules: pure functions used by every schema and every template.

Dates (Decree 30, DOMAIN.md §1.9), document numbers and symbols (§1.7-1.8), numerals and
amounts in words (§5.1), names (NFC, capitals, collation, honorifics: §5.2-5.6) and input
hygiene (control, bidi and invisible characters; legacy TCVN3/VNI text), and where a
header line breaks (:mod:`service.vn.linebreak`). No Flask, no I/O;
importing builds constant tables only. Jinja filters: :mod:`service.vn.jinja`.
"""

from service.vn.dates import (
    BLANK,
    BLANK_WIDTH,
    blank_date,
    format_date,
    format_date_short,
    place_date_line,
)
from service.vn.hygiene import TextError, check_script, check_text
from service.vn.legacy import detect_legacy_encoding, detect_mojibake
from service.vn.linebreak import break_lines
from service.vn.names import (
    HONORIFICS,
    honorific,
    match_key,
    nfc,
    person_parts_sort_key,
    person_sort_key,
    sort_people,
    sort_words,
    split_name,
    upper_vn,
    word_sort_key,
)
from service.vn.numbers import (
    DEFAULT,
    AmountError,
    WordsOptions,
    amount_in_words,
    format_number,
    number_in_words,
)
from service.vn.symbols import (
    BLANK_NUMBER,
    DOC_TYPE_ABBREVIATIONS,
    Symbol,
    SymbolError,
    build_symbol,
    format_document_number,
    number_line,
    parse_symbol,
    type_abbreviation,
)

__all__ = [
    "BLANK",
    "BLANK_NUMBER",
    "BLANK_WIDTH",
    "DEFAULT",
    "DOC_TYPE_ABBREVIATIONS",
    "HONORIFICS",
    "AmountError",
    "Symbol",
    "SymbolError",
    "TextError",
    "WordsOptions",
    "amount_in_words",
    "blank_date",
    "break_lines",
    "build_symbol",
    "check_script",
    "check_text",
    "detect_legacy_encoding",
    "detect_mojibake",
    "format_date",
    "format_date_short",
    "format_document_number",
    "format_number",
    "honorific",
    "match_key",
    "nfc",
    "number_in_words",
    "number_line",
    "parse_symbol",
    "person_parts_sort_key",
    "person_sort_key",
    "place_date_line",
    "sort_people",
    "sort_words",
    "split_name",
    "type_abbreviation",
    "upper_vn",
    "word_sort_key",
]
