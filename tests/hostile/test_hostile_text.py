"""Text that looks like markup, template syntax, WordprocessingML, CSS or URLs is printed
literally in both formats — never interpreted, never fetched."""

from __future__ import annotations

import pytest

from tests.conftest import load_sample
from tests.support.documents import docx_lines, inflated_streams, pdf_pages_text

HOSTILE = [
    "A & B <C> \"D\" 'E'",
    "{{ 7*7 }} và {{ config }}",
    "{% for x in range(10) %}x{% endfor %}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{_{ 7*7 }_} và {_% if %_}",
    "{{r x }} {%p if x %} {%tr for y in z %}",
    "</w:t></w:r><w:r><w:t>CHÈN",
    "<w:p><w:r><w:t>đoạn chèn</w:t></w:r></w:p>",
    "]]><![CDATA[ x ]]>",
    "<script>alert(1)</script>",
    "<img src=\"http://127.0.0.1:1/x\">",
    "<link rel=attachment href=\"file:///etc/passwd\">",
    "red; background: url(http://127.0.0.1:1/css)",
    "@import url(http://127.0.0.1:1/i.css);",
    "url(file:///etc/passwd)",
    "http://127.0.0.1:1/phishing?x=<b>",
    "&lt;b&gt; &amp;amp; &#x41;",
    "%s %d %(x)s {0} {x}",
    "=HYPERLINK(\"http://evil\")",
    "\\\\server\\share ../../etc/passwd",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_printed_literally_in_docx_and_pdf(client, text):
    payload = load_sample("directive")
    payload["summary"] = text
    payload["sections"][0]["items"][0]["text"] = text
    docx = client.post("/api/v1/documents/directive.docx", json=payload)
    assert docx.status_code == 200, docx.get_data(as_text=True)[:300]
    lines = docx_lines(docx.data)
    assert text in lines
    assert f"1. {text}" in lines
    pdf = client.post("/api/v1/documents/directive.pdf", json=payload)
    assert pdf.status_code == 200
    flat = " ".join(" ".join(pdf_pages_text(pdf.data)).split())
    assert " ".join(text.split()) in flat
    assert b"/EmbeddedFile" not in pdf.data
    assert b"root:x:0:0" not in inflated_streams(pdf.data)
