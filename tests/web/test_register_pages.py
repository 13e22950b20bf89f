"""The register's page and the "Ban hành" action without a browser: what each role is shown,
how a search address is read, which forms can issue."""

from __future__ import annotations

import re

from tests.support.auth import client_as, user_client
from tests.support.register import draft


def issue(app, summary: str, day: str = "2026-03-02", type_id: str = "directive") -> dict:
    api = client_as(app, "clerk", "issuer")
    response = api.post("/api/v1/issued", json={
        "document_type": type_id, "payload": draft(type_id, day=day, summary=summary)})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def rows(html: str) -> list[str]:
    return re.findall(r'<tr id="vb-([0-9a-f]+)"', html)


def test_the_forms_that_issue_have_ban_hanh_and_the_others_do_not(client):
    for type_id in ("directive", "emulation_plan", "commendation_decision"):
        html = client.get(f"/van-ban/{type_id}").get_data(as_text=True)
        assert 'id="btn-issue"' in html, type_id
        assert 'id="issue-dialog"' in html, type_id
        assert "register.css" in html, type_id
    html = client.get("/van-ban/certificate").get_data(as_text=True)
    assert "btn-issue" not in html
    assert "register.css" not in html
    assert 'href="/so-dang-ky"' in html  # the menu, for everyone signed in


def test_a_clerk_reads_and_searches_the_register_without_hủy(app, client):
    first = issue(app, "Về công tác thi đua năm 2026")
    second = issue(app, "Về tăng cường kỷ luật hành chính", day="2025-05-05")
    html = client.get("/so-dang-ky").get_data(as_text=True)
    assert rows(html) == [second["id"], first["id"]]  # newest first
    assert "Tìm thấy 2 văn bản" in html
    assert "register-void" not in html
    assert "void-dialog" not in html
    assert f'href="/api/v1/issued/{first["id"]}.pdf"' in html
    assert rows(client.get("/so-dang-ky?tu-khoa=thi dua").get_data(as_text=True)) == [
        first["id"]]
    assert rows(client.get("/so-dang-ky?nam=2025").get_data(as_text=True)) == [second["id"]]
    assert rows(client.get("/so-dang-ky?so=1&nam=2026&loai=directive").get_data(
        as_text=True)) == [first["id"]]
    assert rows(client.get("/so-dang-ky?tinh-trang=da-huy").get_data(as_text=True)) == []
    filtered = client.get("/so-dang-ky?nam=2025&tu-khoa=ky luat").get_data(as_text=True)
    assert 'href="/api/v1/issued.xlsx?q=ky+luat&amp;year=2025"' in filtered
    assert 'href="/api/v1/issued/register.pdf?year=2025"' in filtered


def test_what_cannot_be_read_in_the_address_is_ignored(app, client):
    issue(app, "Về công tác thi đua năm 2026")
    response = client.get("/so-dang-ky?so=abc&nam=99&loai=nope&tinh-trang=x&trang=0")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert len(rows(html)) == 1
    assert 'value="abc"' not in html


def test_an_admin_sees_hủy_and_a_voided_entry_shows_its_reason(app):
    doc = issue(app, "Về công tác thi đua năm 2026")
    admin = user_client(app, "admin", "quan.tri.thu")
    html = admin.get("/so-dang-ky").get_data(as_text=True)
    assert f'data-id="{doc["id"]}"' in html
    assert 'id="void-dialog"' in html
    client_as(app, "admin", "voider").post(f"/api/v1/issued/{doc['id']}/void",
                                           json={"reason": "Ban hành nhầm"})
    html = admin.get("/so-dang-ky").get_data(as_text=True)
    assert "Đã hủy" in html
    assert "Lý do: Ban hành nhầm" in html
    assert f'data-id="{doc["id"]}"' not in html


def test_pages(app, client, monkeypatch):
    from service.web import register_page

    monkeypatch.setattr(register_page, "PER_PAGE", 2)
    for n in range(3):
        issue(app, f"Về công tác thi đua số {n}")
    first = client.get("/so-dang-ky").get_data(as_text=True)
    assert len(rows(first)) == 2
    assert 'href="/so-dang-ky?trang=2"' in first
    second = client.get("/so-dang-ky?trang=2").get_data(as_text=True)
    assert len(rows(second)) == 1
    assert 'href="/so-dang-ky" rel="prev"' in second
    assert "trang 2/2" in second
