"""RateLimit-* on every answer that a limit counted, per kind of limit; Retry-After on every
429 and 503."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError
from rest_framework.test import APIClient

from generation.models import Direction
from integrations.services import api_key_create

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("queued_only", "media_root")]

FIELDS = ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "RateLimit-Policy")


def limits(response) -> tuple[int, int, str]:
    assert all(name in response for name in FIELDS), dict(response.items())
    assert int(response["RateLimit-Reset"]) > 0
    return (
        int(response["RateLimit-Limit"]),
        int(response["RateLimit-Remaining"]),
        response["RateLimit-Policy"],
    )


def generate(client: APIClient, photo: bytes, headers=None):
    payload = {
        "file": SimpleUploadedFile("me.jpg", photo, content_type="image/jpeg"),
        "direction": Direction.MALE_TO_FEMALE,
    }
    return client.post("/api/generate", payload, format="multipart", headers=headers or {})


def test_a_successful_login_carries_the_login_limit(user, password, throttle_rates):
    throttle_rates(login="5/min")
    client = APIClient()

    first = client.post(
        "/api/auth/login", {"identifier": user.username, "password": password}, format="json"
    )
    second = client.post(
        "/api/auth/login", {"identifier": user.username, "password": password}, format="json"
    )

    assert first.status_code == second.status_code == 200
    assert limits(first) == (5, 4, "5;w=60")
    assert limits(second)[1] == 3
    assert "Retry-After" not in first


def test_register_and_refresh_carry_their_limits(api_login, user, throttle_rates):
    throttle_rates(register="20/hour", refresh="120/min")
    registered = APIClient().post(
        "/api/auth/register",
        {
            "username": "carol",
            "email": "carol@example.com",
            "password": "correct-horse-7-battery",
            "password_confirm": "correct-horse-7-battery",
        },
        format="json",
    )
    refreshed = APIClient().post(
        "/api/auth/refresh", {"refresh": api_login(user)["refresh"]}, format="json"
    )

    assert registered.status_code == 201, registered.content
    assert limits(registered) == (20, 19, "20;w=3600")
    assert refreshed.status_code == 200, refreshed.content
    assert limits(refreshed) == (120, 119, "120;w=60")


def test_a_refused_login_has_retry_after_and_no_requests_left(user, throttle_rates):
    throttle_rates(login="1/min")
    client = APIClient()
    client.post("/api/auth/login", {"identifier": "x", "password": "y"}, format="json")

    refused = client.post("/api/auth/login", {"identifier": "x", "password": "y"}, format="json")

    assert refused.status_code == 429
    assert limits(refused)[:2] == (1, 0)
    assert int(refused["Retry-After"]) == int(refused["RateLimit-Reset"])


def test_the_estimate_endpoint_carries_its_limit_even_on_a_bad_request(
    auth_api_client, throttle_rates
):
    throttle_rates(estimate="30/min")

    response = auth_api_client.post("/api/estimate", {}, format="multipart")

    assert response.status_code == 400
    assert limits(response) == (30, 29, "30;w=60")


def test_a_created_job_tells_the_daily_quota_left(auth_api_client, astronaut_jpeg, settings):
    settings.GENERATION_DAILY_LIMIT = 3

    created = generate(auth_api_client, astronaut_jpeg)
    second = generate(auth_api_client, astronaut_jpeg)

    assert created.status_code == 202, created.content
    assert limits(created) == (3, 2, "3;w=86400")
    assert limits(second)[1] == 1


def test_a_job_refused_by_the_quota_has_retry_after_and_zero_left(
    auth_api_client, astronaut_jpeg, settings
):
    settings.GENERATION_DAILY_LIMIT = 1
    generate(auth_api_client, astronaut_jpeg)

    refused = generate(auth_api_client, astronaut_jpeg)

    assert refused.status_code == 429
    assert limits(refused)[:2] == (1, 0)
    assert int(refused["Retry-After"]) == refused.json()["retry_after"]


def test_an_api_key_with_its_own_limit_reports_the_tighter_one(user, astronaut_jpeg, settings):
    settings.GENERATION_DAILY_LIMIT = 100
    _, raw_key = api_key_create(owner=user, name="k", scopes=["generate"], daily_limit=2)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw_key}")

    created = generate(client, astronaut_jpeg)
    generate(client, astronaut_jpeg)
    refused = generate(client, astronaut_jpeg)

    assert created.status_code == 202, created.content
    assert limits(created) == (2, 1, "2;w=86400, 100;w=86400")
    assert refused.status_code == 429 and refused.json()["code"] == "api_key_limit_reached"
    assert limits(refused)[:2] == (2, 0)
    assert int(refused["Retry-After"]) > 0


def test_the_public_share_page_carries_its_limit(client, throttle_rates):
    throttle_rates(share="4/min")

    page = client.get("/s/no-such-token/")
    for _ in range(3):
        client.get("/s/no-such-token/")
    refused = client.get("/s/no-such-token/")

    assert page.status_code == 404
    assert limits(page) == (4, 3, "4;w=60")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0


def test_an_endpoint_without_a_limit_sends_no_ratelimit_fields(auth_api_client):
    response = auth_api_client.get("/api/generations")

    assert response.status_code == 200
    assert not any(name in response for name in FIELDS)


def test_a_503_always_says_when_to_come_back(auth_api_client, monkeypatch):
    def broken(**_kwargs):
        raise DatabaseError("down")

    monkeypatch.setattr("generation.selectors.generation_list", broken)

    response = auth_api_client.get("/api/generations")

    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
