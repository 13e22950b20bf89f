"""Hostile emblems (the certificate's data-URL image): images WeasyPrint cannot draw, images
too complex to draw in reasonable time, and one render that must not stall every other. Each
is refused at validation with a pointer to the field; no log line carries the payload."""

from __future__ import annotations

import base64
import io
import logging
import threading
import time

import pytest

from tests.conftest import load_sample
from tests.support.auth import client_as
from tests.support.problems import problem

URL = "/api/v1/documents/certificate.pdf"
SVG_NS = b'xmlns="http://www.w3.org/2000/svg"'


def svg_url(body: bytes, attrs: bytes = b'width="100" height="100"') -> str:
    raw = b"<svg " + SVG_NS + b" " + attrs + b">" + body + b"</svg>"
    return "data:image/svg+xml;base64," + base64.b64encode(raw).decode()


def png_url(size=(40, 30), cut: int = 0) -> str:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "PNG")
    raw = out.getvalue()
    return "data:image/png;base64," + base64.b64encode(raw[:len(raw) - cut]).decode()


def post_emblem(client, emblem: str):
    payload = load_sample("certificate")
    payload["emblem"] = emblem
    return client.post(URL, json=payload)


@pytest.fixture
def records():
    """Every log record of the request, whatever its logger and level."""
    captured: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            captured.append(record)

    handler, root = Keep(logging.DEBUG), logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield captured
    root.removeHandler(handler)
    root.setLevel(level)


def assert_no_payload_logged(records, emblem: str) -> None:
    payload = emblem.split(",", 1)[1]
    fragments = {payload[i:i + 40] for i in range(0, max(len(payload) - 40, 1), 20)}
    for record in records:
        text = record.getMessage() + " " + repr(record.__dict__)
        leaked = [f for f in fragments if f in text]
        assert not leaked, f"{record.name} logged the payload: {text[:200]}"


def refused_at_emblem(response, code: str) -> dict:
    body = problem(response, 422, "validation_failed")
    assert [(e["pointer"], e["code"]) for e in body["errors"]] == [("/emblem", code)], body
    return body


@pytest.mark.parametrize("emblem", [
    svg_url(b'<rect transform="rotate(abc)" width="5" height="5"/>'),
    svg_url(b'<rect transform="rotate(abc)" width="5" height="5"/>'
            + b"<!-- padding -->" * 30_000),
    svg_url(b'<rect width="5" height="5" transform="translate(1 1) skewX(q)"/>'),
    svg_url(b'<rect width="5" height="5" opacity="zz"/>'),
], ids=["bad-transform", "bad-transform-long-payload", "bad-skew", "bad-opacity"])
def test_an_svg_weasyprint_cannot_draw_is_refused_and_not_logged(client, records, emblem):
    refused_at_emblem(post_emblem(client, emblem), "invalid_image")
    assert_no_payload_logged(records, emblem)


def jpeg_url(cut: int = 0) -> str:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (300, 200), (200, 30, 30)).save(out, "JPEG")
    raw = out.getvalue()
    return "data:image/jpeg;base64," + base64.b64encode(raw[:len(raw) - cut]).decode()


@pytest.mark.parametrize("emblem", [png_url((300, 200), cut=40), png_url((300, 200), cut=300),
                                    jpeg_url(cut=100)], ids=["png-40", "png-300", "jpeg-100"])
def test_a_truncated_raster_is_refused_and_not_logged(client, records, emblem):
    """Also once WeasyPrint is loaded: it sets Pillow's LOAD_TRUNCATED_IMAGES for the whole
    process, after which a truncated file decodes without an error."""
    import weasyprint.images  # noqa: F401

    refused_at_emblem(post_emblem(client, emblem), "invalid_image")
    assert_no_payload_logged(records, emblem)


def test_weasyprint_never_logs_an_image_payload(client, records):
    """Whatever WeasyPrint logs about an image names it without its data."""
    from service.rendering import get_renderer
    from tests.conftest import ROOT

    get_renderer(ROOT / "doc_templates").pdf  # noqa: B018  installs the redaction
    payload = "data:image/svg+xml;base64," + "QUFB" * 5000
    logging.getLogger("weasyprint").info("Failed to render SVG image %s", payload)
    logging.getLogger("weasyprint").info("Failed to load image at %r: %s", payload, "x")
    assert len(records) == 2
    assert_no_payload_logged(records, payload)
    assert all("data:image/svg+xml" in r.getMessage() for r in records)


@pytest.mark.parametrize(("emblem", "words"), [
    (svg_url(b'<circle cx="5" cy="5" r="3"/>' * 18_000), "18001"),
    (svg_url(b"<g>" * 200 + b'<rect width="1" height="1"/>' + b"</g>" * 200), "32 cấp"),
    (svg_url(b'<path d="' + b"L 1 1 " * 60_000 + b'"/>'), "điểm"),
], ids=["18000-shapes", "nested-200-deep", "one-huge-path"])
def test_an_svg_too_complex_to_draw_is_refused_quickly(client, emblem, words):
    started = time.monotonic()
    body = refused_at_emblem(post_emblem(client, emblem), "image_too_complex")
    assert time.monotonic() - started < 5, "refusing took as long as drawing"
    assert words in body["errors"][0]["message"]


def test_a_raster_with_too_many_pixels_is_refused(client):
    body = refused_at_emblem(post_emblem(client, png_url((3000, 2000))), "image_too_complex")
    assert "MP" in body["errors"][0]["message"]


def test_a_good_svg_and_png_still_print(client):
    good = svg_url(b'<defs><linearGradient id="g"><stop offset="0" stop-color="red"/>'
                   b'</linearGradient></defs><rect width="50" height="50" fill="url(#g)"/>'
                   b'<text x="5" y="80" font-size="12">UBND</text>')
    for emblem in (good, png_url((400, 400))):
        response = post_emblem(client, emblem)
        assert response.status_code == 200, response.get_data(as_text=True)[:500]


def test_a_render_that_cannot_get_the_renderer_in_time_answers_503(make_app):
    from service.rendering import get_renderer

    app = make_app(SINGLE_RENDER_TIMEOUT_S=0.5)
    client = client_as(app)
    backend = get_renderer(app.config["TEMPLATES_DIR"]).pdf
    release = threading.Event()
    holder = threading.Thread(target=lambda: (backend._lock.acquire(), release.wait(30),
                                              backend._lock.release()), daemon=True)
    holder.start()
    try:
        time.sleep(0.1)
        started = time.monotonic()
        response = client.post(URL, json=load_sample("certificate"))
        assert time.monotonic() - started < 10
        problem(response, 503, "render_timeout")
        assert int(response.headers["Retry-After"]) > 0
    finally:
        release.set()
        holder.join(10)
    assert client.post(URL, json=load_sample("certificate")).status_code == 200
