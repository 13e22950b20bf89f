"""Unbroken tokens longer than a line (a URL, a code, a careless paste) in a directive, plan or
decision: the PDF wraps them inside the page (never cut at the margin), the DOCX keeps them
whole, and a token longer than MAX_TOKEN characters is refused with its field and position."""

from __future__ import annotations

import io
import random
import shutil
import subprocess

import pytest

from service.vn.hygiene import MAX_TOKEN
from tests.conftest import load_sample
from tests.support.documents import docx_lines
from tests.support.problems import problem

ALNUM = "abcdefghijkmnpqrstuvwxyz23456789ABCDEFGHJKLMNPQRSTUVWXYZ"

# (document type, path, the field's max length, a name field)
FIELDS = {
    "directive": [(["summary"], 300), (["preamble", 0], 6000),
                  (["sections", 0, "items", 0, "text"], 4000), (["closing"], 3000),
                  (["issuer", "name"], 120), (["place"], 60), (["recipients", 0], 200),
                  (["signer", "name"], 80)],
    "emulation_plan": [(["summary"], 300), (["opening", 0], 6000),
                       (["sections", 0, "items", 0, "text"], 4000),
                       (["sections", 2, "tables", 0, "rows", 0, 1], 2000),
                       (["sections", 2, "tables", 0, "columns", 1], 200),
                       (["sections", 2, "tables", 0, "caption"], 300)],
    "commendation_decision": [(["legal_bases", 0], 1500), (["proposal"], 1000),
                              (["authority"], 200), (["award_title"], 300),
                              (["entries", 0, "name"], 200), (["entries", 1, "unit"], 300),
                              (["executors"], 1000)],
}


def token(seed: str, length: int) -> str:
    rng = random.Random(seed)
    body = "".join(rng.choice(ALNUM) for _ in range(length))
    return ("https://vb.example.vn/" + body)[:length] if "url" in seed else "T" + body[1:]


def _set(payload: dict, path: list, value) -> None:
    target = payload
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value


def payload_with_tokens(type_id: str, length: int) -> tuple[dict, list[str]]:
    payload = load_sample(type_id)
    tokens = []
    for index, (path, max_length) in enumerate(FIELDS[type_id]):
        kind = "url" if index % 2 else "code"
        value = token(f"{type_id}-{index}-{kind}", min(length, max_length))
        _set(payload, path, value)
        tokens.append(value)
    return payload, tokens


def _squeezed(text: str) -> str:
    return "".join(text.split())


def pdf_problems(pdf: bytes, tokens: list[str]) -> list[str]:
    """What is wrong with ``pdf``: a character outside its page box, a token not found whole.
    Tokens are compared in capitals (headers print names so). A token wrapped in a table cell
    or the signature block is interleaved with the cells beside it in the page's reading
    order, so the characters in drawing order (cell by cell) are searched too."""
    import pdfplumber

    problems, reading, drawing = [], [], []
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        for number, page in enumerate(document.pages, start=1):
            outside = [c["text"] for c in page.chars
                       if c["x0"] < -0.5 or c["x1"] > page.width + 0.5
                       or c["top"] < -0.5 or c["bottom"] > page.height + 0.5]
            if outside:
                problems.append(f"page {number}: {len(outside)} characters off the page: "
                                f"{''.join(outside)[:60]}")
            reading.append(page.extract_text() or "")
            drawing.append("".join(c["text"] for c in page.chars))  # page number drawn last
    texts = [_squeezed("".join(t)).upper() for t in (reading, drawing)]
    return problems + [f"not found whole: {tok[:30]}… ({len(tok)})" for tok in tokens
                       if not any(tok.upper() in text for text in texts)]


def render(client, type_id: str, fmt: str, payload: dict) -> bytes:
    response = client.post(f"/api/v1/documents/{type_id}.{fmt}", json=payload)
    assert response.status_code == 200, response.get_data(as_text=True)[:600]
    return response.data


@pytest.mark.parametrize("length", [80, 150, MAX_TOKEN])
@pytest.mark.parametrize("type_id", list(FIELDS))
def test_long_tokens_appear_whole_inside_the_pdf_page_and_in_the_docx(client, type_id, length):
    payload, tokens = payload_with_tokens(type_id, length)
    assert pdf_problems(render(client, type_id, "pdf", payload), tokens) == []
    docx = _squeezed("".join(docx_lines(render(client, type_id, "docx", payload)))).upper()
    assert [t[:30] for t in tokens if t.upper() not in docx] == []


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is a test tool")
@pytest.mark.parametrize("type_id", list(FIELDS))
def test_a_word_processor_wraps_long_tokens_in_the_docx(client, tmp_path, type_id):
    """LibreOffice lays the DOCX out: every token wraps inside the page and reads whole."""
    payload, tokens = payload_with_tokens(type_id, 150)
    path = tmp_path / "long.docx"
    path.write_bytes(render(client, type_id, "docx", payload))
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/profile", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(path)],
                   check=True, capture_output=True, timeout=180)
    assert pdf_problems((tmp_path / "long.pdf").read_bytes(), tokens) == []


@pytest.mark.parametrize(("type_id", "path", "length"), [
    ("directive", ["preamble", 0], 5990),
    ("emulation_plan", ["sections", 2, "tables", 0, "rows", 0, 1], 1990),
    ("commendation_decision", ["legal_bases", 0], 1490),
    ("directive", ["summary"], MAX_TOKEN + 1)])
def test_a_token_longer_than_the_limit_is_refused_with_its_position(client, type_id, path,
                                                                    length):
    payload = load_sample(type_id)
    value = "Xem tại " + token("refused-url", length)
    _set(payload, path, value)
    body = problem(client.post(f"/api/v1/documents/{type_id}.pdf", json=payload), 422)
    [error] = body["errors"]
    assert (error["pointer"], error["code"]) == ("/" + "/".join(map(str, path)),
                                                 "token_too_long")
    assert "vị trí 9" in error["message"]
    assert str(MAX_TOKEN) in error["message"]
    _set(payload, path, "Xem tại " + token("accepted-url", MAX_TOKEN))
    assert client.post(f"/api/v1/documents/{type_id}.pdf", json=payload).status_code == 200
