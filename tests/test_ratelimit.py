"""Per-client rate limit: 429 with Retry-After, in the one error shape."""

from __future__ import annotations

from service.ratelimit import TokenBuckets


def test_bucket_refills_over_time():
    buckets = TokenBuckets(rate=1.0, burst=2)
    assert buckets.take("a", now=0) == 0
    assert buckets.take("a", now=0) == 0
    assert buckets.take("a", now=0) > 0
    assert buckets.take("b", now=0) == 0  # another client is not affected
    assert buckets.take("a", now=1.01) == 0


def test_api_answers_429_with_retry_after(tmp_path):
    from service import create_app

    app = create_app({"DATA_DIR": str(tmp_path), "RATE_LIMIT_PER_MINUTE": 60,
                      "RATE_LIMIT_BURST": 3})
    from tests.support.auth import client_as

    client = client_as(app)
    statuses = [client.get("/api/v1/document-types").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = client.get("/api/v1/document-types")
    assert response.status_code == 429
    assert response.mimetype == "application/problem+json"
    assert int(response.headers["Retry-After"]) >= 1
    body = response.get_json()
    assert body["code"] == "too_many_requests"
    assert body["request_id"]
    assert client.get("/healthz").status_code == 200  # only the API is limited


def test_limit_can_be_turned_off(tmp_path):
    from service import create_app

    app = create_app({"DATA_DIR": str(tmp_path), "RATE_LIMIT_PER_MINUTE": 0})
    from tests.support.auth import client_as

    client = client_as(app)
    assert all(client.get("/api/v1/document-types").status_code == 200 for _ in range(100))


def test_sign_in_attempts_from_one_address_are_limited(tmp_path):
    from service import create_app
    from tests.support.auth import login

    app = create_app({"DATA_DIR": str(tmp_path), "RATE_LIMIT_PER_MINUTE": 1,
                      "RATE_LIMIT_BURST": 3})
    client = app.test_client()
    statuses = [login(client, f"khong.co.{i}", "sai-mat-khau-1").status_code for i in range(4)]
    assert statuses[:3] == [401, 401, 401]
    assert statuses[3] == 429
    assert client.get("/dang-nhap").status_code == 200  # the page itself is not limited
