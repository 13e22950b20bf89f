"""The PDF renderer fetches nothing but its bundled assets: no file:, no http:, no redirects,
no attachments — proven against a canary HTTP server on 127.0.0.1 and a secret file."""

from __future__ import annotations

import http.server
import re
import threading

import pytest
from weasyprint.urls import FatalURLFetchingError

from service.rendering import get_renderer
from tests.conftest import ROOT
from tests.support.documents import inflated_streams

SECRET = "CANARY-SECRET-7f3a9c"


@pytest.fixture
def canary(tmp_path):
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            if self.path.startswith("/redirect"):
                self.send_response(302)
                self.send_header("Location", "/secret")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.end_headers()
            self.wfile.write(SECRET.encode())

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    secret_file = tmp_path / "secret.txt"
    secret_file.write_text(SECRET)
    yield f"http://127.0.0.1:{server.server_address[1]}", secret_file, hits
    server.shutdown()
    server.server_close()


VECTORS = [
    '<img src="{url}/img">',
    '<link rel="stylesheet" href="{url}/css">',
    '<style>@import url("{url}/import");</style>',
    '<style>@font-face {{ font-family: x; src: url("{url}/font") }} p {{ font-family: x }}</style>',
    '<p style="background: url(\'{url}/bg\')">x</p>',
    '<link rel="attachment" href="{url}/attach">',
    '<object data="{url}/object"></object>',
    '<embed src="{url}/embed">',
    ('<svg xmlns="http://www.w3.org/2000/svg">'
     '<image href="{url}/svgimg" width="10" height="10"/></svg>'),
    '<img src="{url}/redirect">',
]


@pytest.mark.parametrize("vector", VECTORS)
@pytest.mark.parametrize("target", ["http", "file", "file-traversal"])
def test_nothing_outside_the_bundle_is_fetched(canary, vector, target, no_renderer_warnings):
    base, secret_file, hits = canary
    url = {
        "http": base,
        "file": secret_file.as_uri().rsplit("/", 1)[0],
        "file-traversal": (ROOT / "doc_templates/html/assets/../../..").as_uri()
                          + secret_file.parent.as_posix(),
    }[target]
    html = f"<html><body><p>x</p>{vector.format(url=url)}</body></html>"
    if target != "http":
        html = html.replace("/img", "/secret.txt").replace("/css", "/secret.txt")
    backend = get_renderer(ROOT / "doc_templates").pdf
    try:
        pdf = backend.html_to_pdf(html)
    except FatalURLFetchingError:
        pdf = b""
    no_renderer_warnings.records.clear()  # refusals may be logged; what matters is below
    assert hits == []
    assert SECRET.encode() not in inflated_streams(pdf)
    assert b"/EmbeddedFile" not in pdf


def test_bundled_assets_are_served(no_renderer_warnings):
    backend = get_renderer(ROOT / "doc_templates").pdf
    pdf = backend.html_to_pdf("<p>Độc lập</p>")
    assert re.search(rb"/BaseFont\s*/[A-Z]{6}\+Liberation-Serif-Bundled", inflated_streams(pdf))


def test_unknown_asset_is_fatal():
    backend = get_renderer(ROOT / "doc_templates").pdf
    with pytest.raises(FatalURLFetchingError):
        backend.html_to_pdf('<img src="asset:../../../etc/passwd">')
