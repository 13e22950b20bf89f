"""The clerks' page shows the hardening messages (scripts, formulas, dates, long tokens)
next to their fields, like any other validation error, in a real browser."""

from __future__ import annotations

import pytest

from tests.web.test_browser import error_id_of, expect, field, open_form

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_script_formula_date_and_token_messages_are_shown_next_to_their_fields(page):
    open_form(page, "directive", sample=True)
    field(page, "/signer/name").fill("Nguy\u0435n Mạnh Hùng")   # a Cyrillic е
    field(page, "/issuer/name").fill("=HYPERLINK(\"http://x\")")
    field(page, "/date").fill("01/01/2099")
    field(page, "/closing").fill("Xem " + "x" * 250)

    with page.expect_response("**/api/v1/documents/directive.pdf") as answer:
        page.click("#btn-pdf")
    assert answer.value.status == 422
    box = page.locator("#error-summary")
    expect()(box).to_contain_text("Có 4 lỗi")
    for pointer, words in (("/signer/name", "“\u0435” (chữ Kirin"),
                           ("/issuer/name", "công thức bảng tính"),
                           ("/date", "quá xa trong tương lai"),
                           ("/closing", "250 ký tự liền nhau")):
        control = field(page, pointer)
        expect()(control).to_have_attribute("aria-invalid", "true")
        message = page.locator("#" + error_id_of(control))
        expect()(message).to_be_visible()
        assert words in message.text_content(), (pointer, message.text_content())
