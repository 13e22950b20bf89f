"""Prometheus metrics: requests by route and status, render time by type and format."""

from __future__ import annotations

from tests.conftest import load_sample


def test_metrics_count_requests_and_renders(admin_client):
    client = admin_client
    client.get("/healthz")
    client.get("/nowhere")
    assert client.post("/api/v1/documents/directive.docx",
                       json=load_sample("directive")).status_code == 200
    text = client.get("/metrics").get_data(as_text=True)
    assert 'thidua_http_requests_total{method="GET",route="/healthz",status="200"} 1.0' in text
    assert 'route="<unmatched>",status="404"' in text
    assert 'thidua_render_seconds_count{doc_type="directive",format="docx"} 1.0' in text


def test_each_app_has_its_own_registry(tmp_path):
    from service import create_app

    a = create_app({"DATA_DIR": str(tmp_path / "a")})
    b = create_app({"DATA_DIR": str(tmp_path / "b")})
    from tests.support.auth import client_as

    a.test_client().get("/healthz")
    assert "/healthz" not in client_as(b, "admin").get("/metrics").get_data(as_text=True)
