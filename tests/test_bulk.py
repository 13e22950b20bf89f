"""The batch pipeline: validation of every row first, register numbers, merged PDF in order with
one page per row, ZIPs of PDFs and DOCX, streaming assembly, worker processes."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from pypdf import PdfReader

from service import bulk, registry
from service.core_errors import BatchTooLarge, InvalidPayload
from service.errors import as_problem
from service.registry import Format
from service.rendering import get_renderer, validate
from tests.conftest import ROOT, SAMPLES
from tests.support.documents import docx_lines, pdf_pages_text, words

CERT = registry.get("certificate")
TEMPLATES = ROOT / "doc_templates"
NAMES = ["Nguyễn Văn An", "Trần Thị Bích Ngọc", "Lê Hoàng Phúc", "Phạm Thị Thu Hà",
         "Đặng Quốc Bảo", "Võ Thị Sáu", "Hoàng Minh Tuấn"]


@pytest.fixture(scope="module")
def renderer():
    return get_renderer(TEMPLATES)


def example() -> dict:
    return json.loads((SAMPLES / "certificate_batch.json").read_text(encoding="utf-8"))


def people(count: int) -> list[dict]:
    return [{"honorific": "ong" if i % 2 else "ba",
             "recipient_name": f"{NAMES[i % len(NAMES)]} {i + 1}",
             "position": "Chuyên viên", "unit": f"Phòng {i % 5 + 1}, Sở Nội vụ"}
            for i in range(count)]


def test_merged_pdf_has_one_page_per_row_in_order_with_its_own_name_and_number(tmp_path):
    common = {**example()["common"], "register_start": "0098"}
    items = people(23)
    items[5]["register_no"] = "RIÊNG-05"  # a row with its own number keeps it
    dest = tmp_path / "out.pdf"
    seen = []
    count = bulk.render_batch(CERT, common, items, "pdf", dest, templates_dir=TEMPLATES,
                              chunk_size=10, progress=lambda done, total: seen.append(done))
    assert count == 23
    assert seen == [10, 20, 23]
    pages = pdf_pages_text(dest.read_bytes())
    assert len(pages) == 23
    expected_numbers = iter(range(98, 200))
    for index, (item, text) in enumerate(zip(items, pages, strict=True)):
        assert item["recipient_name"] in text, index
        number = "RIÊNG-05" if index == 5 else f"{next(expected_numbers):04d}"
        assert f"Số sổ vàng: {number}" in text, index
        others = [i["recipient_name"] for i in items if i is not item]
        assert not any(f"{name}\n" in text + "\n" for name in others)
        assert "CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH QUẢNG TRỊ" in text  # the shared background
    assert not list(tmp_path.glob("batch-*")), "chunk files are removed"


def test_a_bulk_page_prints_what_the_single_document_prints(renderer, tmp_path):
    common = example()["common"]
    items = people(3)
    dest = tmp_path / "out.pdf"
    bulk.render_batch(CERT, common, items, "pdf", dest, templates_dir=TEMPLATES)
    pages = pdf_pages_text(dest.read_bytes())
    prepared = bulk.prepare(CERT, common, items)
    for item, text in zip(prepared, pages, strict=True):
        single = renderer.render(CERT, item.data, Format.PDF).content
        assert sorted(words(text)) == sorted(words(pdf_pages_text(single)[0]))


def test_bulk_pdf_keeps_real_text_and_subset_fonts(tmp_path):
    dest = tmp_path / "out.pdf"
    bulk.render_batch(CERT, example()["common"], people(12), "pdf", dest,
                      templates_dir=TEMPLATES, chunk_size=5)
    reader = PdfReader(str(dest))
    assert len(reader.pages) == 12
    for page in reader.pages:
        assert float(page.mediabox.width) == pytest.approx(841.89, abs=0.1)
        fonts = page["/Resources"]["/Font"]
        background = page["/Resources"]["/XObject"]["/ThiduaBackground"].get_object()
        fonts = [*fonts.values(), *background["/Resources"]["/Font"].values()]
        for font in fonts:
            font = font.get_object()
            assert font["/BaseFont"].lstrip("/")[6] == "+"
            assert "Liberation-Serif-Bundled" in font["/BaseFont"]
            assert "/ToUnicode" in font


def test_every_invalid_row_is_reported_at_once_and_nothing_is_written(tmp_path):
    items = people(6)
    items[1]["honorific"] = "cô"
    del items[3]["recipient_name"]
    items[4]["recipient_name"] = "W" * 120
    items.append("not an object")
    dest = tmp_path / "out.pdf"
    with pytest.raises(InvalidPayload) as info:
        bulk.render_batch(CERT, example()["common"], items, "pdf", dest, templates_dir=TEMPLATES,
                          rows=[r + 2 for r in range(len(items))])
    found = {(e.row, e.pointer, e.code) for e in info.value.errors}
    assert found == {(3, "/items/1/honorific", "invalid_choice"),
                     (5, "/items/3/recipient_name", "required"),
                     (6, "/items/4/recipient_name", "too_long_for_sheet"),
                     (8, "/items/6", "invalid_type")}
    assert not dest.exists()
    assert not list(tmp_path.iterdir())


def test_a_bad_common_field_is_reported_once_at_common_not_on_every_row():
    common = example()["common"] | {"place": "Quảng\x07Trị"}
    items = people(4)
    items[2]["recipient_name"] = ""
    items[3]["place"] = "Hà\x07Nội"  # this row's own value: its own error, with its row
    with pytest.raises(InvalidPayload) as info:
        bulk.prepare(CERT, common, items, rows=[r + 2 for r in range(len(items))])
    found = {(e.row, e.column, e.pointer, e.code) for e in info.value.errors}
    assert found == {(None, None, "/common/place", "control_character"),
                     (4, "recipient_name", "/items/2/recipient_name", "too_short"),
                     (5, "place", "/items/3/place", "control_character")}
    assert "thông tin chung" in info.value.detail


def test_duplicate_register_numbers_are_refused_naming_the_first_row():
    items = people(4)
    items[0]["register_no"] = "12"
    items[2]["register_no"] = "12"
    common = {k: v for k, v in example()["common"].items() if k != "register_start"}
    with pytest.raises(InvalidPayload) as info:
        bulk.prepare(CERT, common, items, rows=[10, 11, 12, 13])
    [error] = info.value.errors
    assert (error.row, error.pointer, error.code) == (12, "/items/2/register_no", "duplicate")
    assert "dòng 10" in error.message


def test_numbering_that_collides_with_a_row_s_own_number_is_refused():
    items = people(3)
    items[2]["register_no"] = "1094"  # the start 1093 numbers rows 0 and 1 as 1093, 1094
    with pytest.raises(InvalidPayload) as info:
        bulk.prepare(CERT, example()["common"], items)
    assert [e.pointer for e in info.value.errors] == ["/items/2/register_no"]


def test_a_bad_register_start_is_reported():
    with pytest.raises(InvalidPayload) as info:
        bulk.prepare(CERT, {**example()["common"], "register_start": "A1"}, people(2))
    assert [e.pointer for e in info.value.errors] == ["/common/register_start"]


def test_file_names_are_readable_unique_and_vietnamese():
    items = [*people(2), {"honorific": "ong", "recipient_name": "Nguyễn Văn An 1",
                          "position": "Chuyên viên"}]
    names = [p.name for p in bulk.prepare(CERT, example()["common"], items)]
    assert names[0] == "00001 Bằng khen Nguyễn Văn An 1"
    assert len(set(names)) == 3


def test_zip_of_pdfs_one_standalone_single_page_file_per_row(tmp_path):
    items = people(7)
    dest = tmp_path / "out.zip"
    bulk.render_batch(CERT, example()["common"], items, "zip-pdf", dest,
                      templates_dir=TEMPLATES, chunk_size=3)
    with zipfile.ZipFile(dest) as archive:
        infos = archive.infolist()
        assert [i.filename for i in infos] == [
            f"{n:05d} Bằng khen {item['recipient_name']}.pdf" for n, item in
            enumerate(items, start=1)]
        for info, item in zip(infos, items, strict=True):
            assert info.flag_bits & 0x800  # UTF-8 names
            content = archive.read(info)
            [text] = pdf_pages_text(content)
            assert item["recipient_name"] in text
            assert "BẰNG KHEN" in text


def test_zip_of_docx_matches_the_single_document_renderer(renderer, tmp_path):
    items = people(4)
    dest = tmp_path / "out.zip"
    bulk.render_batch(CERT, example()["common"], items, "zip-docx", dest,
                      templates_dir=TEMPLATES, chunk_size=3)
    prepared = bulk.prepare(CERT, example()["common"], items)
    with zipfile.ZipFile(dest) as archive:
        assert len(archive.namelist()) == 4
        for item in prepared:
            content = archive.read(f"{item.name}.docx")
            single = renderer.render(CERT, item.data, Format.DOCX).content
            fast_xml = zipfile.ZipFile(io.BytesIO(content)).read("word/document.xml")
            slow_xml = zipfile.ZipFile(io.BytesIO(single)).read("word/document.xml")
            assert fast_xml == slow_xml
            assert docx_lines(content) == docx_lines(single)


def test_worker_processes_produce_the_same_merged_pdf(tmp_path):
    items = people(9)
    one, two = tmp_path / "one.pdf", tmp_path / "two.pdf"
    bulk.render_batch(CERT, example()["common"], items, "pdf", one, templates_dir=TEMPLATES,
                      chunk_size=3)
    bulk.render_batch(CERT, example()["common"], items, "pdf", two, templates_dir=TEMPLATES,
                      chunk_size=3, workers=2)
    assert pdf_pages_text(one.read_bytes()) == pdf_pages_text(two.read_bytes())


def test_a_type_without_a_fast_renderer_uses_the_generic_chunks(renderer, sample, tmp_path):
    """Other document types go through the generic path: one PDF per item, merged."""
    directive = registry.get("directive")
    data = sample("directive")
    items = [{"closing": f"Mục {i} thực hiện nghiêm túc Chỉ thị này."} for i in range(3)]
    dest = tmp_path / "directives.pdf"
    bulk.render_batch(directive, data, items, "pdf", dest, templates_dir=TEMPLATES,
                      chunk_size=2)
    expected = sum(len(PdfReader(io.BytesIO(renderer.render(
        directive, validate(directive, {**data, **item}), Format.PDF).content)).pages)
        for item in items)
    assert len(PdfReader(str(dest)).pages) == expected
    text = "".join(pdf_pages_text(dest.read_bytes()))
    assert all(f"Mục {i} thực hiện" in text for i in range(3))


def test_assemble_streams_many_chunks_into_one_file(tmp_path):
    from service.pdf_merge import concatenate

    parts = []
    for i in range(30):
        buffer = io.BytesIO()
        concatenate([bulk.merge_pdfs([_one_page_pdf(f"Trang {i}")])], buffer)
        path = tmp_path / f"c{i}.pdf"
        bulk.write_atomic(path, buffer.getvalue())
        parts.append(path)
    dest = tmp_path / "all.pdf"
    bulk.assemble(parts, "pdf", dest)
    texts = pdf_pages_text(dest.read_bytes())
    assert [t.strip() for t in texts] == [f"Trang {i}" for i in range(30)]


def _one_page_pdf(text: str) -> bytes:
    from weasyprint import HTML

    style = "font-family: 'Liberation Serif Bundled'"
    return HTML(string=f'<p style="{style}">{text}</p>').write_pdf()


def test_output_kind_and_batch_size_are_checked(tmp_path):
    with pytest.raises(InvalidPayload) as info:
        bulk.render_batch(CERT, {}, [{}], "xlsx", tmp_path / "x", templates_dir=TEMPLATES)
    assert info.value.errors[0].pointer == "/output"
    with pytest.raises(BatchTooLarge) as info:
        bulk.prepare(CERT, {}, [{}] * 5, max_items=4)
    assert as_problem(info.value).status == 413
    with pytest.raises(InvalidPayload) as info:
        bulk.prepare(CERT, {}, [])
    assert info.value.errors[0].code == "too_few_items"
