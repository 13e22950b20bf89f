"""The certificate form in clerk terms (issue 16): the emblem is an image picker, the layout
profile a list of the installed profiles by name, the print options folded away."""

from __future__ import annotations

import pytest

from tests.support.browser import NARROW, WIDE, screenshot
from tests.web.test_browser import expect, field, open_form

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_emblem_picker_profile_list_and_folded_print_options(page):
    open_form(page, "certificate", sample=True)
    expect()(page.locator('input[type="file"][accept*="image"]').first).to_be_attached()
    profile = field(page, "/profile")
    assert profile.evaluate("e => e.tagName") == "SELECT"
    labels = profile.locator("option").all_inner_texts()
    assert "A4 ngang" in labels
    assert not any("-" in label and label == label.lower() for label in labels)  # no file names
    offset = field(page, "/offset_x_mm")
    expect()(offset).to_be_hidden()  # folded away
    page.get_by_text("Tùy chọn in (in lên phôi, chỉnh lệch)").click()
    expect()(offset).to_be_visible()
    for size in (WIDE, NARROW):
        page.set_viewport_size(size)
        screenshot(page, "certificate-form")
