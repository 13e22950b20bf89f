"""The ``vn_*`` Jinja filters: plain values in, Decree 30 text out, in a plain, a sandboxed
and a docxtpl environment, without any application context."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from jinja2 import Environment, StrictUndefined
from jinja2.sandbox import ImmutableSandboxedEnvironment

from service.vn import jinja as vn_jinja
from service.vn.jinja import FILTERS, register_filters

EXPECTED_FILTERS = {"vn_date", "vn_place_date", "vn_date_short", "vn_number", "vn_amount_words",
                    "vn_upper", "vn_number_line", "vn_honorific"}


@pytest.fixture(params=["plain", "sandbox"])
def env(request):
    if request.param == "plain":
        return register_filters(Environment(autoescape=True, undefined=StrictUndefined))
    return register_filters(ImmutableSandboxedEnvironment(autoescape=True))


def render(env, source: str, **context) -> str:
    return env.from_string(source).render(**context)


def test_filter_set():
    assert set(FILTERS) >= EXPECTED_FILTERS
    assert all(name.startswith("vn_") and callable(f) for name, f in FILTERS.items())


def test_register_returns_the_environment():
    env = Environment()
    assert register_filters(env) is env
    assert set(FILTERS) <= set(env.filters)


@pytest.mark.parametrize(("source", "context", "expected"), [
    ("{{ d|vn_date }}", {"d": dt.date(2020, 1, 5)}, "ngày 05 tháng 01 năm 2020"),
    ("{{ d|vn_date }}", {"d": dt.date(2019, 6, 29)}, "ngày 29 tháng 6 năm 2019"),
    ("{{ d|vn_date }}", {"d": None}, "ngày      tháng      năm      "),
    ("{{ d|vn_date(2027) }}", {"d": None}, "ngày      tháng      năm 2027"),
    ("{{ d|vn_place_date('Hà Nội') }}", {"d": dt.date(2020, 1, 5)},
     "Hà Nội, ngày 05 tháng 01 năm 2020"),
    ("{{ d|vn_place_date(place, year) }}",
     {"d": dt.date(2019, 6, 29), "place": "Thành phố Hồ Chí Minh", "year": 2019},
     "Thành phố Hồ Chí Minh, ngày 29 tháng 6 năm 2019"),
    ("{{ d|vn_place_date('Hà Nội', 2020) }}", {"d": None}, "Hà Nội, ngày      tháng      năm 2020"),
    ("{{ d|vn_date_short }}", {"d": dt.date(2020, 1, 5)}, "05/01/2020"),
    ("{{ d|vn_date_short }}", {"d": None}, "…/…/…"),
    ("{{ n|vn_number }}", {"n": 1870000}, "1.870.000"),
    ("{{ n|vn_number }}", {"n": Decimal("0.3")}, "0,3"),
    ("{{ n|vn_number(2) }}", {"n": Decimal("1234.567")}, "1.234,57"),
    ("{{ n|vn_number }}", {"n": None}, ""),
    ("{{ n|vn_amount_words }}", {"n": 1870000}, "Một triệu tám trăm bảy mươi nghìn đồng"),
    ("{{ n|vn_amount_words(true) }}", {"n": 1800000}, "Một triệu tám trăm nghìn đồng chẵn"),
    ("{{ n|vn_amount_words(even=true) }}", {"n": Decimal(702000)},
     "Bảy trăm linh hai nghìn đồng chẵn"),
    ("{{ n|vn_amount_words(zero_tens='lẻ', thousand='ngàn') }}", {"n": 1008},
     "Một ngàn không trăm lẻ tám đồng"),
    ("{{ n|vn_amount_words(four='bốn') }}", {"n": 24}, "Hai mươi bốn đồng"),
    ("{{ n|vn_amount_words }}", {"n": None}, ""),
    ("{{ n|vn_number_words }}", {"n": 2024}, "hai nghìn không trăm hai mươi tư"),
    ("{{ s|vn_upper }}", {"s": "Sở Tài chính"}, "SỞ TÀI CHÍNH"),
    ("{{ s|vn_upper }}", {"s": "Nguyễn Thị Thanh Thúy"}, "NGUYỄN THỊ THANH THÚY"),
    ("{{ s|vn_upper }}", {"s": None}, ""),
    ("{{ n|vn_number_line('QĐ-UBND') }}", {"n": 5}, "Số: 05/QĐ-UBND"),
    ("{{ n|vn_number_line(symbol) }}", {"n": 67, "symbol": "CT-BTTTT"}, "Số: 67/CT-BTTTT"),
    ("{{ n|vn_number_line('QĐ-UBND') }}", {"n": None}, "Số:       /QĐ-UBND"),
    ("{{ k|vn_honorific }} {{ name }}", {"k": "ba", "name": "Lê Thị Thu Hà"}, "Bà Lê Thị Thu Hà"),
    ("tặng {{ k|vn_honorific(false) }} Bùi Thị A", {"k": "ba"}, "tặng bà Bùi Thị A"),
    ("{{ k|vn_honorific }}", {"k": "dong_chi"}, "Đồng chí"),
    ("[{{ k|vn_honorific }}]", {"k": "none"}, "[]"),
    ("[{{ k|vn_honorific }}]", {"k": None}, "[]"),
    ("{{ people|vn_sort_people('name')|map(attribute='name')|join(', ') }}",
     {"people": [{"name": "Trần Thị Ánh"}, {"name": "Nguyễn Văn An"}]},
     "Nguyễn Văn An, Trần Thị Ánh"),
    ("{{ words|vn_sort_words|join(' ') }}", {"words": ["Zoan", "Đỗ", "Ánh", "Anh"]},
     "Anh Ánh Đỗ Zoan"),
])
def test_filters(env, source, context, expected):
    assert render(env, source, **context) == expected


def test_output_is_escaped_like_any_other_value(env):
    assert render(env, "{{ s|vn_upper }}", s="a & <b>") == "A &amp; &lt;B&gt;"


@pytest.mark.parametrize(("source", "context", "error"), [
    ("{{ n|vn_amount_words }}", {"n": -5}, ValueError),
    ("{{ n|vn_amount_words }}", {"n": 1.5}, ValueError),
    ("{{ n|vn_number_line('qđ-ubnd') }}", {"n": 5}, ValueError),
    ("{{ d|vn_place_date('Hà Nội') }}", {"d": None}, ValueError),
    ("{{ k|vn_honorific }}", {"k": "Thị"}, ValueError),
    ("{{ d|vn_date }}", {"d": "2020-01-05"}, TypeError),
])
def test_bad_values_raise_instead_of_printing_a_guess(env, source, context, error):
    with pytest.raises(error):
        render(env, source, **context)


def test_functions_need_no_app_context():
    assert vn_jinja.vn_place_date(dt.date(2020, 1, 5), "Hà Nội") == \
        "Hà Nội, ngày 05 tháng 01 năm 2020"
    assert vn_jinja.vn_amount_words(2024) == "Hai nghìn không trăm hai mươi tư đồng"


def test_docxtpl_uses_the_same_filters():
    docx = pytest.importorskip("docx")
    docxtpl = pytest.importorskip("docxtpl")
    document = docx.Document()
    document.add_paragraph("{{ number|vn_number_line(symbol) }}")
    document.add_paragraph("{{ date|vn_place_date(place) }}")
    document.add_paragraph("{{ amount|vn_amount_words(even=true) }}")
    document.add_paragraph("{{ agency|vn_upper }}")
    buffer = io.BytesIO()
    document.save(buffer)
    buffer.seek(0)
    template = docxtpl.DocxTemplate(buffer)
    template.render({"number": 5, "symbol": "QĐ-UBND", "date": dt.date(2020, 1, 5),
                     "place": "Hà Nội", "amount": 1_800_000, "agency": "Sở Tài chính"},
                    register_filters(Environment(autoescape=True)), autoescape=True)
    out = io.BytesIO()
    template.save(out)
    out.seek(0)
    texts = [p.text for p in docx.Document(out).paragraphs]
    assert texts == ["Số: 05/QĐ-UBND", "Hà Nội, ngày 05 tháng 01 năm 2020",
                     "Một triệu tám trăm nghìn đồng chẵn", "SỞ TÀI CHÍNH"]
