"""Certificates: schema rules, one page whatever the accepted text, inside the frame, both modes,
profiles, the emblem upload, and the API's batch example."""

from __future__ import annotations

import base64
import io

import pdfplumber
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from service import registry
from service.core_errors import InvalidPayload
from service.doctypes import _certificate_layout as cert_layout
from service.errors import as_problem
from service.registry import Format
from service.rendering import get_renderer, validate
from tests.conftest import ROOT, load_sample
from tests.support.documents import docx_lines, pdf_pages_text

CERT = registry.get("certificate")
MM = 72 / 25.4


@pytest.fixture(scope="module")
def renderer():
    return get_renderer(ROOT / "doc_templates")


def payload(**changes):
    data = load_sample("certificate")
    data.update(changes)
    return data


def errors_of(payload_data) -> dict[str, str]:
    with pytest.raises(InvalidPayload) as info:
        validate(CERT, payload_data)
    return {e.pointer: e.code for e in info.value.errors}


def png_data_url(size=(40, 30)) -> str:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


# ---------------------------------------------------------------- schema

def test_an_individual_needs_an_honorific_and_a_collective_has_none():
    assert errors_of(payload(honorific=None)) == {"/honorific": "required"}
    assert errors_of(payload(recipient_kind="tap_the")) == {"/honorific": "not_allowed"}
    data = validate(CERT, payload(recipient_kind="Tập thể", honorific=None,
                                  recipient_name="Phòng Tổ chức cán bộ"))
    assert data["recipient_kind"] == "tap_the"


def test_choices_accept_the_words_a_clerk_types():
    assert validate(CERT, payload(honorific="BÀ"))["honorific"] == "ba"
    assert validate(CERT, payload(honorific="Ông"))["honorific"] == "ong"
    assert validate(CERT, payload(award="Bằng khen"))["award"] == "bang_khen"
    assert errors_of(payload(honorific="cô")) == {"/honorific": "invalid_choice"}


def test_a_title_certificate_needs_the_title_and_prints_it():
    assert errors_of(payload(award="danh_hieu")) == {"/title": "required"}
    assert errors_of(payload(title="Chiến sĩ thi đua cơ sở")) == {"/title": "not_allowed"}
    data = validate(CERT, payload(award="danh_hieu", title="Chiến sĩ thi đua cơ sở"))
    words = [line for b in cert_layout.layout(data)["boxes"] for line in b["lines"]]
    assert "CHIẾN SĨ THI ĐUA CƠ SỞ" in words
    assert "TẶNG DANH HIỆU" in words


def test_unknown_profile_and_offsets_out_of_range_are_refused():
    assert errors_of(payload(profile="a5-doc")) == {"/profile": "invalid_choice"}
    assert errors_of(payload(offset_x_mm=45)) == {"/offset_x_mm": "out_of_range"}
    assert errors_of(payload(offset_y_mm="3")) == {"/offset_y_mm": "invalid_type"}


def test_legacy_encoded_names_are_refused():
    from service.vn.legacy import encode_tcvn3

    mojibake = encode_tcvn3("Nguyễn Văn Thắng").decode("cp1252")
    code = errors_of(payload(recipient_name=mojibake))["/recipient_name"]
    assert code.startswith("legacy_encoding")


# ---------------------------------------------------------------- emblem upload

def test_a_png_emblem_is_accepted_and_printed(renderer):
    data = validate(CERT, payload(emblem=png_data_url()))
    pdf = renderer.render(CERT, data, Format.PDF).content
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    xobjects = page["/Resources"]["/XObject"]
    assert any(x.get_object()["/Subtype"] == "/Image" for x in xobjects.values())


def test_a_png_emblem_goes_into_the_docx_at_its_position(renderer):
    import zipfile

    import docx

    url = png_data_url((60, 30))
    data = validate(CERT, payload(emblem=url))
    content = renderer.render(CERT, data, Format.DOCX).content
    package = zipfile.ZipFile(io.BytesIO(content))
    assert package.read("word/media/emblem.png") == base64.b64decode(url.split(",", 1)[1])
    xml = package.read("word/document.xml").decode()
    assert 'r:embed="rIdThiduaEmblem"' in xml
    # 60 × 30 px fits the 24 × 17 mm box as 24 × 12 mm, centred vertically
    assert '<wp:extent cx="864000" cy="432000"/>' in xml
    document = docx.Document(io.BytesIO(content))  # a valid package python-docx can open
    assert document.part.related_parts["rIdThiduaEmblem"].content_type == "image/png"
    assert docx_lines(content) == docx_lines(renderer.render(
        CERT, validate(CERT, payload()), Format.DOCX).content)


@pytest.mark.parametrize("url", [
    "http://example.invalid/logo.png",
    "file:///etc/passwd",
    "/etc/passwd",
    "data:image/png;base64," + base64.b64encode(b"\x89PNG\r\n\x1a\nnot really").decode(),
    "data:image/gif;base64,R0lGODlhAQABAAAAACw=",
    "data:text/html;base64,PGgxPmhpPC9oMT4=",
])
def test_emblems_that_are_not_real_images_are_refused(url):
    assert errors_of(payload(emblem=url)) == {"/emblem": "invalid_image"}


def test_a_jpeg_labelled_png_is_refused():
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (10, 10)).save(buffer, "JPEG")
    url = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
    assert errors_of(payload(emblem=url)) == {"/emblem": "invalid_image"}


def test_svg_emblems_must_be_self_contained():
    good = (b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">'
            b'<circle cx="5" cy="5" r="4" fill="red"/></svg>')
    validate(CERT, payload(emblem="data:image/svg+xml;base64," + base64.b64encode(good).decode()))
    for bad in (b'<svg xmlns="http://www.w3.org/2000/svg"><image href="http://x.invalid/a.png"/></svg>',
                b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
                b'<svg xmlns="http://www.w3.org/2000/svg" onload="x()"></svg>',
                b'<!DOCTYPE svg [<!ENTITY e SYSTEM "file:///etc/passwd">]><svg>&e;</svg>'):
        url = "data:image/svg+xml;base64," + base64.b64encode(bad).decode()
        assert errors_of(payload(emblem=url)) == {"/emblem": "invalid_image"}


def test_an_oversized_emblem_is_refused():
    big = "data:image/png;base64," + "A" * (800 * 1024)
    assert errors_of(payload(emblem=big)) == {"/emblem": "too_large"}


# ---------------------------------------------------------------- one page, inside the frame

def longest(profile="a4-landscape", mode="full", **extra):
    """The longest texts the schema accepts, written as real Vietnamese."""
    filler = ("Đã có thành tích xuất sắc trong phong trào thi đua yêu nước, hoàn thành xuất sắc "
              "nhiệm vụ được giao năm 2025 và các năm trước đó, ")
    return payload(
        authority=("Chủ tịch Ủy ban nhân dân tỉnh Quảng Trị kiêm Trưởng Ban Thi đua - Khen "
                   "thưởng của tỉnh và các cơ quan, đơn vị trực thuộc tỉnh")[:140],
        recipient_kind="tap_the", honorific=None,
        recipient_name=("Phòng Cảnh sát phòng cháy, chữa cháy và cứu nạn, cứu hộ Công an tỉnh "
                        "Quảng Trị cùng các đội, tổ công tác phối hợp trực thuộc")[:120],
        position="Tập thể tiêu biểu xuất sắc trong phong trào thi đua vì an ninh Tổ quốc giai "
                 "đoạn 2020 - 2025"[:120],
        unit=("Công an tỉnh Quảng Trị, Bộ Công an; đơn vị đạt thành tích tiêu biểu trong phong "
              "trào thi đua vì an ninh Tổ quốc giai đoạn 2020 - 2025 của tỉnh nhà")[:160],
        achievement=(filler * 4)[:400].strip(),
        place="Thành phố Đông Hà, tỉnh Quảng Trị",
        decision_number="12345/QĐ-UBND-TĐKT-VP-2025"[:40],
        register_no="BK-2025/00012345-QT-TĐKT-VP"[:30],
        signer={"prefix": "KT.", "on_behalf_of": "Chủ tịch Ủy ban nhân dân tỉnh",
                "position": "Phó Chủ tịch Thường trực Ủy ban nhân dân tỉnh",
                "name": "Nguyễn Thị Phương Thảo Hoàng Trần Lê"},
        profile=profile, mode=mode, **extra)


def inner_frame_pt(profile_name: str) -> tuple[float, float, float, float]:
    profile = cert_layout.load_profile(profile_name)
    inner = profile["frame"]["inner_mm"]
    w, h = profile["page"]["width_mm"], profile["page"]["height_mm"]
    return inner * MM, inner * MM, (w - inner) * MM, (h - inner) * MM


@pytest.mark.parametrize(("profile", "mode"), [
    ("a4-landscape", "full"), ("a3-landscape", "full"), ("a4-landscape", "blank"),
    ("phoi-mau-a4", "blank")])
def test_the_longest_accepted_certificate_is_one_page_inside_its_frame(renderer, profile, mode):
    data = validate(CERT, longest(profile, mode))
    context = CERT.build_context(data)
    pdf = renderer.render(CERT, data, Format.PDF).content
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        assert len(document.pages) == 1
        page = document.pages[0]
        width_mm = cert_layout.load_profile(profile)["page"]["width_mm"]
        assert page.width == pytest.approx(width_mm * MM, abs=1)
        left, top, right, bottom = inner_frame_pt(profile)
        chars = page.chars
        assert chars
        for ch in chars:
            assert left <= ch["x0"], ch["text"]
            assert ch["x1"] <= right, ch["text"]
            assert top <= ch["top"], ch["text"]
            assert ch["bottom"] <= bottom, ch["text"]
        # every box's text stays inside its own box (no box runs into the next one)
        for box in context["boxes"]:
            first_word = box["lines"][0].split()[0]
            x0, y0 = box["x"] * MM - 1, box["y"] * MM - 3
            x1, y1 = (box["x"] + box["w"]) * MM + 1, (box["y"] + box["h"]) * MM + 3
            inside = page.crop((x0, y0, x1, y1), strict=False).extract_text() or ""
            assert first_word in inside, (box["name"], first_word)
    docx = renderer.render(CERT, data, Format.DOCX).content
    assert data["recipient_name"].split()[0] in " ".join(docx_lines(docx))


def test_text_too_wide_for_its_box_is_refused_not_overflowed():
    assert errors_of(payload(recipient_name="W" * 120)) == {
        "/recipient_name": "too_long_for_sheet"}
    wide = "WM" * 100 + " " + "WM" * 99  # two runs of at most MAX_TOKEN (200) characters
    assert errors_of(payload(achievement=wide)) == {"/achievement": "too_long_for_sheet"}


VIETNAMESE = "aăâbcdđeêghiklmnoôơpqrstuưvxyAĂÂĐÊÔƠƯWMàáảãạằắẳẵặầấẩẫậềếểễệộờớởỡợừứửữự"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.text(alphabet=VIETNAMESE + "   ", min_size=1, max_size=120),
       achievement=st.text(alphabet=VIETNAMESE + "  ,.", min_size=1, max_size=400))
def test_every_accepted_text_is_laid_out_inside_its_boxes(name, achievement):
    """Property: a payload the schema accepts has every line narrower than its box and every
    box's lines within its height; anything else is refused with too_long_for_sheet."""
    try:
        data, refused = validate(CERT, payload(recipient_name=name, achievement=achievement)), None
    except InvalidPayload as problem:  # refused (too long for the sheet, odd text): never a crash
        refused = problem
    if refused is not None:
        assert as_problem(refused).status == 422
        return
    line_height = cert_layout.load_profile("a4-landscape")["page"]["line_height"]
    for box in CERT.build_context(data)["boxes"]:
        source = cert_layout.load_profile("a4-landscape")["boxes"][box["name"]]
        for line in box["lines"]:
            width = cert_layout.width_em(line, box["bold"], box["italic"]) * box["size"] / MM
            assert width <= source["w"] + 0.01
        assert len(box["lines"]) * box["size"] * line_height / MM <= source["h"] + 0.02


@pytest.mark.slow
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.text(alphabet=VIETNAMESE + " ", min_size=40, max_size=120))
def test_random_long_names_render_on_one_page(name):
    try:
        data = validate(CERT, payload(recipient_name=name))
    except InvalidPayload:
        return
    pdf = get_renderer(ROOT / "doc_templates").render(CERT, data, Format.PDF).content
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1


# ---------------------------------------------------------------- modes and profiles

def test_print_on_blank_prints_only_the_variable_fields_shifted_by_the_offset(renderer):
    full = renderer.render(CERT, validate(CERT, payload()), Format.PDF).content
    blank = renderer.render(CERT, validate(CERT, payload(mode="blank")), Format.PDF).content
    shifted = renderer.render(CERT, validate(CERT, payload(mode="blank", offset_x_mm=4,
                                                           offset_y_mm=-2.5)), Format.PDF).content
    full_text, blank_text = pdf_pages_text(full)[0], pdf_pages_text(blank)[0]
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in full_text
    assert "CỘNG HÒA" not in blank_text
    assert "GIẤY KHEN" not in blank_text
    assert "Bà Lê Thị Thu Hà" in blank_text
    assert "GK-2025/0317" in blank_text
    with pdfplumber.open(io.BytesIO(blank)) as document:  # no frame drawn
        assert not document.pages[0].rects
        assert not document.pages[0].curves
    with pdfplumber.open(io.BytesIO(full)) as document:
        assert document.pages[0].rects

    def name_position(pdf):
        with pdfplumber.open(io.BytesIO(pdf)) as document:
            word = next(w for w in document.pages[0].extract_words() if w["text"] == "Thu")
            return word["x0"], word["top"]

    (x0, y0), (x1, y1) = name_position(blank), name_position(shifted)
    assert x1 - x0 == pytest.approx(4 * MM, abs=0.3)
    assert y1 - y0 == pytest.approx(-2.5 * MM, abs=0.3)


def test_the_blank_profile_moves_fields_to_its_own_positions():
    default = CERT.build_context(validate(CERT, payload(mode="blank")))
    agency = CERT.build_context(validate(CERT, payload(mode="blank", profile="phoi-mau-a4")))
    by_name = {b["name"]: b for b in default["boxes"]}
    moved = {b["name"]: b for b in agency["boxes"]}
    assert set(by_name) == set(moved) == set(cert_layout.load_profile("phoi-mau-a4")["blank"]
                                             ["fields"])
    assert moved["recipient"]["x"] == 40
    assert by_name["recipient"]["x"] == 30


def test_a3_is_the_a4_layout_scaled():
    a4 = CERT.build_context(validate(CERT, payload()))
    a3 = CERT.build_context(validate(CERT, payload(profile="a3-landscape")))
    assert a3["page"]["width_mm"] == pytest.approx(420, abs=0.1)
    assert a3["page"]["height_mm"] == pytest.approx(297, abs=0.1)
    assert [b["lines"] for b in a3["boxes"]] == [b["lines"] for b in a4["boxes"]]


def test_docx_page_matches_the_profile_and_the_mode(renderer):
    import zipfile

    for mode, border in (("full", 'w:val="double"'), ("blank", 'w:val="nil"')):
        docx = renderer.render(CERT, validate(CERT, payload(mode=mode,
                                                            profile="a3-landscape")),
                               Format.DOCX).content
        xml = zipfile.ZipFile(io.BytesIO(docx)).read("word/document.xml").decode()
        assert 'w:w="23811"' in xml
        assert 'w:h="16838"' in xml
        assert f"<w:top {border}" in xml
        assert "w:framePr" in xml


def test_pdf_fonts_are_the_bundled_font_embedded_and_subset(renderer):
    pdf = renderer.render(CERT, validate(CERT, payload()), Format.PDF).content
    reader = PdfReader(io.BytesIO(pdf))
    fonts = reader.pages[0]["/Resources"]["/Font"]
    for font in fonts.values():
        font = font.get_object()
        base = font["/BaseFont"].lstrip("/")
        assert base[6] == "+"
        assert "Liberation-Serif-Bundled" in base
        descendant = font["/DescendantFonts"][0].get_object()
        assert "/FontFile2" in descendant["/FontDescriptor"]
        assert "/ToUnicode" in font


# ---------------------------------------------------------------- API

def test_the_type_detail_carries_a_batch_example_that_validates(client):
    from service.bulk import prepare

    response = client.get("/api/v1/document-types/certificate")
    assert response.status_code == 200
    body = response.get_json()
    example = body["batch_example"]
    assert set(example) == {"common", "items"}
    assert len(example["items"]) >= 3
    assert "render_chunk" not in body
    prepared = prepare(CERT, example["common"], example["items"])
    numbers = [p.data["register_no"] for p in prepared]
    assert numbers == [str(int(numbers[0]) + i) for i in range(len(numbers))]


def test_the_api_renders_a_certificate_and_reports_fit_problems(client):
    response = client.post("/api/v1/documents/certificate.pdf", json=load_sample("certificate"))
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    response = client.post("/api/v1/documents/certificate.pdf",
                           json=payload(recipient_name="W" * 120))
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["pointer"] == "/recipient_name"
