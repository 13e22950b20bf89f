"""The clerks' page in a real browser: Debian's Chromium driven by Playwright against
``python -m service serve``. Every document type is made from its generated form and
downloaded (the files open and carry what was typed); errors appear next to their fields;
JSON goes out and comes back; a batch runs from an XLSX with a bad row first.

Screenshots of every page at 1366×768 and 390×844 are written to build/screenshots/.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

from service import registry
from service.jsonschema import document_schema
from tests.conftest import load_sample
from tests.support.browser import NARROW, WIDE, screenshot
from tests.support.documents import docx_lines, pdf_pages_text, pdf_words_without_page_numbers

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TYPES = list(registry.document_types())
TYPED = "Sở Kiểm thử Trình duyệt"
SKIP_KEYS = {"abbreviation", "symbol_suffix", "date", "profile"}


def expect():
    from playwright.sync_api import expect as _expect

    return _expect


def field(page, pointer: str):
    return page.locator(f'[data-pointer="{pointer}"]')


def open_form(page, type_id: str, sample: bool = False) -> None:
    page.goto(f"/van-ban/{type_id}")
    expect()(page.locator("#form-root [data-pointer]").first).to_be_visible()
    if sample:
        page.click("#btn-sample")
        expect()(page.locator("#notice")).to_contain_text("Đã điền dữ liệu mẫu")


def download(page, selector: str):
    with page.expect_download() as info:
        page.click(selector)
    item = info.value
    return item.suggested_filename, Path(item.path()).read_bytes()


def flat_text(content: bytes, fmt: str) -> str:
    text = " ".join(docx_lines(content)) if fmt == "docx" else " ".join(
        pdf_words_without_page_numbers(content))
    return re.sub(r"\s+", " ", text)


def carries(text: str, value: str) -> bool:
    from service import vn

    return value in text or vn.upper_vn(value) in text


def typing_target(type_id: str) -> str:
    """The first printed free-text field the sample fills (outside lists): the test types
    into it and looks for the words in the files."""
    doc_type = registry.get(type_id)
    ignored = set(doc_type.not_printed) | SKIP_KEYS

    def walk(schema, value, pointer):
        for key in schema["x-property-order"]:
            sub, current = schema["properties"][key], (value or {}).get(key)
            types = sub.get("type") if isinstance(sub.get("type"), list) else [sub.get("type")]
            if "object" in types and isinstance(current, dict):
                yield from walk(sub, current, f"{pointer}/{key}")
            elif isinstance(current, str) and "string" in types and key not in ignored and not (
                    {"enum", "pattern", "format"} & set(sub)) and sub.get("maxLength", 0) >= 60:
                yield f"{pointer}/{key}"

    return next(walk(document_schema(doc_type.schema, doc_type.title), load_sample(type_id), ""))


def set_pointer(data: dict, pointer: str, value) -> dict:
    out = json.loads(json.dumps(data))
    node = out
    *path, last = pointer.strip("/").split("/")
    for token in path:
        node = node[int(token)] if isinstance(node, list) else node[token]
    node[last] = value
    return out


def api_json(web_service, path: str):
    """GET from the API as the test's admin key (tests.support.processes sends it)."""
    from tests.support.processes import http_json

    status, _, body = http_json("GET", web_service.base + path, timeout=30)
    assert status == 200, body
    return body


# ---------------------------------------------------------------------------- documents


@pytest.mark.parametrize("type_id", TYPES)
def test_each_type_is_made_from_its_form_and_downloaded(page, type_id):
    doc_type = registry.get(type_id)
    target = typing_target(type_id)
    open_form(page, type_id, sample=True)
    field(page, target).fill(TYPED)

    # Preview: the API's PDF, shown from a blob: URL in the page.
    with page.expect_response(f"**/api/v1/documents/{type_id}.pdf") as answer:
        page.click("#btn-preview")
    assert answer.value.status == 200
    assert answer.value.headers["content-type"] == "application/pdf"
    preview = page.locator("#preview object")
    expect()(preview).to_have_attribute("type", "application/pdf")
    blob = page.evaluate("""async () => {
        const url = document.querySelector('#preview object').data;
        const response = await fetch(url);
        const bytes = new Uint8Array(await response.arrayBuffer());
        return {url, type: response.headers.get('content-type'),
                head: String.fromCharCode(...bytes.slice(0, 5))};
    }""")
    assert blob["url"].startswith("blob:")
    assert blob["type"] == "application/pdf"
    assert blob["head"] == "%PDF-"

    # The form's JSON is the payload the API validates: the sample, with what was typed.
    _, exported = download(page, "#btn-export")
    schema = doc_type.schema()
    expected = set_pointer(load_sample(type_id), target, TYPED)
    assert schema.load(json.loads(exported)) == schema.load(expected)

    for fmt in (f.value for f in doc_type.formats):
        name, content = download(page, f"#btn-{fmt}")
        assert name.endswith(f".{fmt}")
        assert carries(flat_text(content, fmt), TYPED), (fmt, target)
    expect()(page.locator("#action-status")).to_contain_text("Đã tải về")
    screenshot(page, f"form-{type_id}-preview")


def test_directive_lists_are_added_removed_and_reordered(page):
    open_form(page, "directive", sample=True)
    sections = page.locator('[data-field="/sections"]')
    sections.locator(":scope > .button--add").click()
    page.keyboard.type("Khen thưởng kịp thời")  # the new section's heading has the focus
    assert page.evaluate("document.activeElement.dataset.pointer") == "/sections/2/heading"
    items = page.locator('[data-field="/sections/2/items"]')
    for text in ("Mục thứ nhất của phần ba", "Mục thứ hai của phần ba"):
        items.locator(":scope > .button--add").click()
        page.keyboard.type(text)
    items.get_by_role("button", name="Chuyển Mục 2 lên", exact=True).click()
    expect()(field(page, "/sections/2/items/0/text")).to_have_value("Mục thứ hai của phần ba")
    sections.get_by_role("button", name="Chuyển Phần 3 lên", exact=True).click()
    expect()(field(page, "/sections/1/heading")).to_have_value("Khen thưởng kịp thời")
    expect()(field(page, "/sections/2/heading")).to_have_value("Tổ chức thực hiện")

    recipients = page.locator('[data-field="/recipients"]')
    recipients.get_by_role("button", name="Xóa Nơi nhận 3", exact=True).click()
    recipients.locator(":scope > .button--add").click()
    page.keyboard.type("Sở Nội vụ (để phối hợp)")

    _, content = download(page, "#btn-docx")
    lines = docx_lines(content)
    text = "\n".join(lines)
    heading = next(i for i, line in enumerate(lines) if "KHEN THƯỞNG KỊP THỜI" in line)
    closing = next(i for i, line in enumerate(lines) if "TỔ CHỨC THỰC HIỆN" in line)
    assert lines[heading].startswith("II.")
    assert lines[closing].startswith("III.")
    first = next(i for i, line in enumerate(lines) if "Mục thứ hai của phần ba" in line)
    second = next(i for i, line in enumerate(lines) if "Mục thứ nhất của phần ba" in line)
    assert heading < first < second < closing
    assert lines[first].startswith("1.")
    assert lines[second].startswith("2.")
    assert "Các Thứ trưởng" not in text
    assert "Sở Nội vụ (để phối hợp)" in text


def test_validation_errors_are_shown_next_to_their_fields_and_corrected(page):
    open_form(page, "directive", sample=True)
    summary = "Về công tác thi đua, khen thưởng năm 2027 (bản kiểm thử)"
    field(page, "/summary").fill(summary)
    field(page, "/issuer/abbreviation").fill("abc")
    field(page, "/signer/name").fill("")
    deep = "/sections/0/items/1/items/1/items/0/text"
    field(page, deep).fill("")

    with page.expect_response("**/api/v1/documents/directive.pdf") as answer:
        page.click("#btn-pdf")
    assert answer.value.status == 422
    box = page.locator("#error-summary")
    expect()(box).to_be_visible()
    expect()(box).to_contain_text("Có 3 lỗi")
    expect()(box.locator("li")).to_have_count(3)
    for pointer, words in (("/issuer/abbreviation", "Viết hoa"), ("/signer/name", "bắt buộc"),
                           (deep, "bắt buộc")):
        control = field(page, pointer)
        expect()(control).to_have_attribute("aria-invalid", "true")
        error_id = next(i for i in control.get_attribute("aria-describedby").split()
                        if i.endswith("-err"))
        message = page.locator(f"#{error_id}")
        expect()(message).to_be_visible()
        text = message.text_content()
        assert "⚠" in text, (pointer, text)
        assert "Lỗi:" in text, (pointer, text)
        assert words in text, (pointer, text)
    # the first error in the page has the focus; nothing typed was lost
    assert page.evaluate("document.activeElement.dataset.pointer") == "/issuer/abbreviation"
    expect()(field(page, "/summary")).to_have_value(summary)
    expect()(field(page, "/issuer/abbreviation")).to_have_value("abc")
    expect()(field(page, "/place")).to_have_value("Hà Nội")
    for size in (WIDE, NARROW):
        page.set_viewport_size(size)
        box.scroll_into_view_if_needed()
        screenshot(page, "form-directive-errors")
    page.set_viewport_size(WIDE)

    # a link in the summary takes the clerk to the field
    box.get_by_role("link", name=re.compile("Họ và tên người ký")).click()
    assert page.evaluate("document.activeElement.dataset.pointer") == "/signer/name"
    page.keyboard.type("Nguyễn Mạnh Hùng")
    expect()(page.locator("#" + error_id_of(field(page, "/signer/name")))).to_be_hidden()
    field(page, "/issuer/abbreviation").fill("BKHCN")
    field(page, deep).fill("chú trọng cá nhân trực tiếp lao động, công tác;")
    _, content = download(page, "#btn-pdf")
    expect()(box).to_be_hidden()
    expect()(page.locator('[aria-invalid="true"]')).to_have_count(0)
    assert carries(flat_text(content, "pdf"), summary)


def error_id_of(control) -> str:
    return next(i for i in control.get_attribute("aria-describedby").split() if i.endswith("-err"))


def test_json_is_imported_into_the_form(page, tmp_path):
    data = load_sample("directive")
    data["summary"] = "Về thi đua năm 2028 (dùng lại chỉ thị năm trước)"
    data["signer"]["name"] = "Trần Văn Nhập"
    data["date"] = "2026-12-30"  # within THIDUA_MAX_DATE_AHEAD_DAYS of any day after it
    hostile = '<img src=x onerror="window.__xss=1">'
    file = tmp_path / "chi-thi-nam-truoc.json"
    file.write_text(json.dumps({**data, hostile: 1}, ensure_ascii=False), encoding="utf-8")

    open_form(page, "directive")
    page.set_input_files("#import-file", str(file))
    notice = page.locator("#notice")
    expect()(notice).to_contain_text("Đã mở tệp “chi-thi-nam-truoc.json”")
    expect()(notice).to_contain_text(hostile)  # shown as text, never as markup
    assert notice.locator("img").count() == 0
    assert page.evaluate("window.__xss") is None
    expect()(field(page, "/summary")).to_have_value(data["summary"])
    expect()(field(page, "/date")).to_have_value("30/12/2026")
    expect()(field(page, "/sections/0/items/1/items/1/items/1/text")).to_have_value(
        data["sections"][0]["items"][1]["items"][1]["items"][1]["text"])

    broken = tmp_path / "hong.json"
    broken.write_text('{"summary": ', encoding="utf-8")
    page.set_input_files("#import-file", str(broken))
    expect()(notice).to_contain_text("không phải bản nháp đọc được")
    expect()(field(page, "/summary")).to_have_value(data["summary"])  # the form is untouched

    _, exported = download(page, "#btn-export")
    schema = registry.get("directive").schema()
    assert schema.load(json.loads(exported)) == schema.load(data)
    _, content = download(page, "#btn-pdf")
    text = flat_text(content, "pdf")
    assert carries(text, "Trần Văn Nhập")
    assert "ngày 30 tháng 12 năm 2026" in text


# ---------------------------------------------------------------------------- batches


def _fill_list(template: bytes, rows: list[dict], path: Path) -> Path:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(template))
    sheet = book.worksheets[0]
    headers = [c.value for c in sheet[1]]
    for number, row in enumerate(rows, start=2):
        for title, value in row.items():
            sheet.cell(row=number, column=headers.index(title) + 1, value=value)
    book.save(path)
    return path


def test_batch_from_xlsx_rejects_the_bad_row_then_runs_to_the_result(page, web_service,
                                                                     tmp_path):
    if registry.get("certificate") is None or registry.get("certificate").batch is None:
        pytest.fail("the batch test needs the certificate type with its batch columns")
    page.goto("/hang-loat?loai=certificate")
    expect()(page.locator("#batch-type")).to_have_value("certificate")
    _, template = download(page, "#template-link")
    people = [
        {"Danh xưng": "Ông", "Họ và tên": "Nguyễn Văn Minh", "Chức vụ": "Trưởng phòng",
         "Đơn vị": "Phòng Bưu chính, Viễn thông"},
        {"Danh xưng": "Ngài", "Họ và tên": "Trần Thị Thúy Hằng", "Chức vụ": "Chuyên viên",
         "Đơn vị": "Văn phòng Sở Nội vụ"},
        {"Đối tượng": "Tập thể", "Họ và tên": "Phòng Tổ chức cán bộ",
         "Đơn vị": "Sở Giáo dục và Đào tạo"},
    ]
    bad = _fill_list(template, people, tmp_path / "danh-sach.xlsx")
    jobs_before = api_json(web_service, "/api/v1/batches?limit=100")

    page.click("#btn-common-sample")
    expect()(field(page, "/decision_number")).to_have_value("125/QĐ-UBND")
    page.set_input_files("#batch-file", str(bad))
    expect()(page.locator("#batch-file-name")).to_have_text("danh-sach.xlsx")
    page.check("#output-pdf")
    with page.expect_response("**/api/v1/batches") as answer:
        page.click("#btn-submit")
    assert answer.value.status == 422
    problems = page.locator("#problems")
    expect()(problems).to_be_visible()
    expect()(problems).to_be_focused()
    rows = problems.locator("tbody tr")
    expect()(rows).to_have_count(1)
    cells = rows.first.locator("td")
    expect()(cells.nth(0)).to_have_text("3")  # spreadsheet row: header is row 1
    expect()(cells.nth(1)).to_have_text("Danh xưng")
    expect()(page.locator("#job")).to_be_hidden()
    assert api_json(web_service, "/api/v1/batches?limit=100") == jobs_before  # nothing ran
    for size in (WIDE, NARROW):
        page.set_viewport_size(size)
        problems.scroll_into_view_if_needed()
        screenshot(page, "batch-rejected")
    page.set_viewport_size(WIDE)

    people[1]["Danh xưng"] = "Bà"
    good = _fill_list(template, people, tmp_path / "danh-sach-da-sua.xlsx")
    page.set_input_files("#batch-file", str(good))
    with page.expect_response("**/api/v1/batches") as answer:
        page.click("#btn-submit")
    assert answer.value.status == 202
    expect()(problems).to_be_hidden()
    expect()(page.locator("#job-percent")).to_have_text("100 %", timeout=120_000)
    progress = page.locator("#job-progress")
    assert progress.evaluate("p => [p.value, p.max]") == [3, 3]
    expect()(page.locator("#job-status")).to_contain_text("Hoàn thành")
    expect()(page.locator("#job-counts")).to_contain_text("3/3")
    name, result = download(page, "#job-download")
    assert name.endswith(".pdf")
    pages = pdf_pages_text(result)
    assert len(pages) == 3
    for person, text in zip(people, pages, strict=True):
        assert carries(re.sub(r"\s+", " ", text), person["Họ và tên"])
    recent = page.locator("#recent-body tr").first
    expect()(recent).to_contain_text("Hoàn thành")
    expect()(recent).to_contain_text("3/3")
    for size in (WIDE, NARROW):
        page.set_viewport_size(size)
        page.locator("#job").scroll_into_view_if_needed()
        screenshot(page, "batch-finished")


# ---------------------------------------------------------------------------- access


PAGES = ["/", *(f"/van-ban/{t}" for t in TYPES), "/hang-loat", "/khong-co-trang-nay"]

UNNAMED = """() => {
    const bad = [];
    for (const el of document.querySelectorAll('input:not([type=hidden]), select, textarea')) {
        const named = (el.labels && el.labels.length) || el.getAttribute('aria-label');
        if (!named) bad.push(el.id || el.name || el.type);
    }
    for (const el of document.querySelectorAll('button, a[href]')) {
        const name = (el.getAttribute('aria-label') || el.textContent || '').trim();
        if (!name) bad.push(el.id || el.className);
    }
    for (const set of document.querySelectorAll('fieldset')) {
        const legend = set.querySelector(':scope > legend');
        if (!legend || !legend.textContent.trim()) bad.push('fieldset ' + set.dataset.field);
    }
    return bad;
}"""


def test_every_page_fits_a_narrow_screen_with_labelled_controls(page):
    page.set_viewport_size(NARROW)
    for url in PAGES:
        page.goto(url)
        if url.startswith("/van-ban/"):
            page.click("#btn-sample")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= NARROW["width"], (url, width)
        assert page.evaluate(UNNAMED) == [], url
        assert page.evaluate("document.documentElement.lang") == "vi"


def test_keyboard_only_use(page):
    page.set_viewport_size(NARROW)
    open_form(page, "directive")
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    expect()(skip).to_be_focused()
    box = skip.bounding_box()
    assert box
    assert box["y"] >= 0
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("Tab")
    expect()(page.locator("#btn-sample")).to_be_focused()
    page.keyboard.press("Enter")
    expect()(field(page, "/issuer/name")).to_have_value("Bộ Khoa học và Công nghệ")
    add = page.locator('[data-field="/recipients"] > .button--add')
    add.focus()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.dataset.pointer") == "/recipients/5"
    page.keyboard.type("Văn phòng Chính phủ")
    expect()(field(page, "/recipients/5")).to_have_value("Văn phòng Chính phủ")
    # a move keeps the focus on the entry's button, so it can be pressed again
    up = page.locator('[data-field="/recipients"]').get_by_role(
        "button", name="Chuyển Nơi nhận 6 lên", exact=True)
    up.focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    expect()(field(page, "/recipients/3")).to_have_value("Văn phòng Chính phủ")
    focused = page.evaluate("document.activeElement.getAttribute('aria-label')")
    assert focused == "Chuyển Nơi nhận 4 lên"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"  # the focus is visible


def test_screenshots_of_every_page(page):
    """build/screenshots/: what a clerk sees first and the whole page, at both sizes."""
    for size in (WIDE, NARROW):
        page.set_viewport_size(size)
        for url in PAGES:
            page.goto(url)
            name = {"/": "home", "/hang-loat": "batch"}.get(url) or (
                "form-" + url.rsplit("/", 1)[1] if url.startswith("/van-ban/") else "not-found")
            shots = screenshot(page, name)
            if url.startswith("/van-ban/"):
                page.click("#btn-sample")
                shots += screenshot(page, f"{name}-sample")
            if url == "/hang-loat":
                page.click("#btn-common-sample")
                shots += screenshot(page, "batch-sample")
            assert all(p.stat().st_size > 5000 for p in shots)


def test_header_lines_are_typed_in_a_multi_line_box_and_kept_in_both_files(page):
    """The agency name is a multi-line box whose help says how to break a line; the line the
    clerk breaks is the line both files print."""
    from tests.test_header_lines import header_lines

    open_form(page, "directive", sample=True)
    box = field(page, "/issuer/name")
    expect()(box).to_be_visible()
    assert box.evaluate("el => el.tagName") == "TEXTAREA"
    expect()(page.locator('[data-field="/issuer/name"]')).to_contain_text("nhấn Enter")
    box.fill("Sở Tư pháp\ntỉnh Quảng Trị")
    for fmt in ("docx", "pdf"):
        _, content = download(page, f"#btn-{fmt}")
        lines = docx_lines(content)[:2] if fmt == "docx" else header_lines(content)
        assert lines == ["SỞ TƯ PHÁP", "TỈNH QUẢNG TRỊ"], (fmt, lines)
