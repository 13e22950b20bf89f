"""What an official sees of a certificate before reading it: one rule, under the Tiêu ngữ;
room for a signature and a round seal between the signer's position and name on every
profile; the agency's emblem in its slot at the top."""

from __future__ import annotations

import base64
import io

import pdfplumber
import pytest

from service.doctypes import _certificate_layout as cert_layout
from service.registry import Format, document_types
from tests.conftest import load_sample
from tests.support.documents import render_type

MM = 72 / 25.4
SEAL_ROOM_MM = 30
PROFILES = cert_layout.profile_names()


def _certificate(profile: str, mode: str = "full", **changes) -> dict:
    payload = load_sample("certificate")
    payload.update(profile=profile, mode=mode, **changes)
    return payload


def _pdf(payload: dict) -> bytes:
    return render_type(document_types()["certificate"], payload, Format.PDF).content


def _lines_of(page, text: str) -> list[dict]:
    """The words of ``text`` as pdfplumber places them (one dict per printed line)."""
    found = [w for w in page.extract_words(keep_blank_chars=True, use_text_flow=True)
             if w["text"].strip() and w["text"].strip() in text]
    assert found, f"{text!r} not on the page"
    return found


@pytest.mark.parametrize("profile", PROFILES)
def test_every_profile_keeps_30_mm_for_signature_and_seal(profile):
    loaded = cert_layout.load_profile(profile)
    for boxes in (loaded["boxes"], {**loaded["boxes"], **loaded["blank"]["boxes"]}):
        signer, name = boxes["signer"], boxes["signer_name"]
        assert name["y"] - (signer["y"] + signer["h"]) >= SEAL_ROOM_MM, profile
        assert signer["lines"] >= 3, "the UBND block has three lines"


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("mode", ["full", "blank"])
def test_the_printed_position_and_name_stand_30_mm_apart(profile, mode):
    payload = _certificate(profile, mode)
    with pdfplumber.open(io.BytesIO(_pdf(payload))) as pdf:
        page = pdf.pages[0]
        position = _lines_of(page, " ".join([payload["signer"]["position"].upper(),
                                             *(payload["signer"].get("on_behalf_of") or "")
                                             .upper().split()]))
        name = _lines_of(page, payload["signer"]["name"])
        gap_mm = (min(w["top"] for w in name) - max(w["bottom"] for w in position)) / MM
    assert gap_mm >= SEAL_ROOM_MM, f"{profile}/{mode}: {gap_mm:.1f} mm"


def _horizontal_rules(page, band: tuple[float, float], span: tuple[float, float]) -> list[float]:
    """y (pt) of every drawn horizontal rule in a band of the page: rows of the rasterised
    page where dark pixels run unbroken over most of ``span`` (x0, x1). However the PDF draws
    a rule (a line, a bar, two nested rectangles), this is what a reader sees."""
    dpi = 150
    image = page.crop((0, band[0], page.width, band[1])).to_image(resolution=dpi).original
    gray = image.convert("L")
    scale = dpi / 72
    x0, x1 = round(span[0] * scale), round(span[1] * scale)
    rows = []
    for y in range(gray.height):
        run = best = 0
        for x in range(x0, x1):
            run = run + 1 if gray.getpixel((x, y)) < 128 else 0
            best = max(best, run)
        if best >= 0.6 * (x1 - x0):
            rows.append(band[0] + y / scale)
    # adjacent pixel rows are one rule
    return [y for i, y in enumerate(rows) if i == 0 or y - rows[i - 1] > 1.5]


@pytest.mark.parametrize("profile", PROFILES)
def test_one_rule_under_the_tieu_ngu(profile):
    with pdfplumber.open(io.BytesIO(_pdf(_certificate(profile)))) as pdf:
        page = pdf.pages[0]
        national = _lines_of(page, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
        motto = _lines_of(page, "Độc lập - Tự do - Hạnh phúc")
        authority_top = min(w["top"] for w in _lines_of(page, "GIÁM ĐỐC SỞ GIÁO DỤC VÀ ĐÀO "
                                                              "TẠO TỈNH THANH HÓA"))
        band = (min(w["top"] for w in national) - 3, authority_top - 1)
        rules = _horizontal_rules(page, band, (min(w["x0"] for w in motto),
                                               max(w["x1"] for w in motto)))
        assert len(rules) == 1, rules
        assert rules[0] >= max(w["bottom"] for w in motto) - 0.5


def _png(width: int = 40, height: int = 40) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def agency_profiles(tmp_path, monkeypatch):
    """A profiles directory with an agency profile naming its own emblem file."""
    for src in cert_layout.PROFILES_DIR.glob("*.toml"):
        (tmp_path / src.name).write_bytes(src.read_bytes())
    (tmp_path / "emblems").mkdir()
    (tmp_path / "emblems" / "logo.png").write_bytes(_png())
    (tmp_path / "co-quan.toml").write_text(
        'title = "Cơ quan"\ndescription = "Có biểu trưng"\nextends = "a4-landscape"\n'
        '[emblem]\nfile = "emblems/logo.png"\n', encoding="utf-8")
    monkeypatch.setattr(cert_layout, "PROFILES_DIR", tmp_path)
    cert_layout.load_profile.cache_clear()
    yield tmp_path
    cert_layout.load_profile.cache_clear()


def _images(pdf: bytes) -> list[dict]:
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return list(doc.pages[0].images)


def test_every_profile_has_an_emblem_slot_at_the_top():
    for name in PROFILES:
        profile = cert_layout.load_profile(name)
        slot, national = profile["emblem"], profile["boxes"]["national"]
        assert slot["w"] > 0, name
        assert slot["h"] > 0, name
        assert slot["y"] + slot["h"] <= national["y"] + 0.01, name
        assert slot["x"] > 0, name
        assert slot["x"] + slot["w"] < profile["page"]["width_mm"], name


def test_the_agency_emblem_of_a_profile_prints_in_its_slot(agency_profiles):
    pdf = _pdf(_certificate("co-quan"))
    images = _images(pdf)
    assert len(images) == 1
    slot = cert_layout.load_profile("co-quan")["emblem"]
    image = images[0]
    assert slot["y"] * MM - 1 <= image["top"]
    assert image["bottom"] <= (slot["y"] + slot["h"]) * MM + 1
    # the request's own emblem wins; print-on-blank prints none (the stock carries it)
    own = "data:image/png;base64," + base64.b64encode(_png(80, 40)).decode()
    assert len(_images(_pdf(_certificate("co-quan", emblem=own)))) == 1
    assert _images(_pdf(_certificate("co-quan", mode="blank"))) == []
    # and the shipped profiles print none of their own: the service bundles no emblem
    assert _images(_pdf(_certificate("a4-landscape"))) == []


def test_a_profile_naming_a_missing_or_outside_emblem_is_refused(agency_profiles):
    (agency_profiles / "sai.toml").write_text(
        'title = "Sai"\ndescription = "x"\nextends = "a4-landscape"\n'
        '[emblem]\nfile = "../../etc/passwd.png"\n', encoding="utf-8")
    with pytest.raises(cert_layout.ProfileError):
        cert_layout.load_profile("sai")
    (agency_profiles / "thieu.toml").write_text(
        'title = "Thiếu"\ndescription = "x"\nextends = "a4-landscape"\n'
        '[emblem]\nfile = "emblems/khong-co.png"\n', encoding="utf-8")
    with pytest.raises(cert_layout.ProfileError):
        cert_layout.load_profile("thieu")
