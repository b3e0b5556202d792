from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from accounts.models import LoginSession

pytestmark = pytest.mark.django_db

LOGIN = "/api/auth/login"


def login(client, identifier, password, **extra):
    return client.post(
        LOGIN, {"identifier": identifier, "password": password, **extra}, format="json"
    )


@pytest.mark.parametrize("identifier", ["alice", "ALICE", "alice@example.com", "Alice@Example.COM"])
def test_login_accepts_username_or_email_in_any_case(api_client, user, password, identifier):
    response = login(api_client, identifier, password)

    assert response.status_code == 200
    body = response.json()
    assert body["user"] == {
        "id": str(user.id),
        "username": "alice",
        "email": "alice@example.com",
        "role": "user",
        "created_at": body["user"]["created_at"],
    }
    assert body["access"] and body["refresh"] and body["session_id"]


def test_login_returns_a_15_minute_access_token_and_7_day_refresh(api_client, user, password):
    before = timezone.now()
    body = login(api_client, "alice", password).json()

    access_expiry = parse_datetime(body["access_expires_at"]) - before
    refresh_expiry = parse_datetime(body["refresh_expires_at"]) - before
    assert timedelta(minutes=14) < access_expiry <= timedelta(minutes=15, seconds=5)
    assert timedelta(days=7) - timedelta(minutes=1) < refresh_expiry <= timedelta(days=7, seconds=5)


def test_remember_me_makes_the_refresh_token_last_30_days(api_client, user, password):
    before = timezone.now()
    response = login(api_client, "alice", password, remember_me=True)

    refresh_expiry = parse_datetime(response.json()["refresh_expires_at"]) - before
    assert (
        timedelta(days=30) - timedelta(minutes=1) < refresh_expiry <= timedelta(days=30, seconds=5)
    )
    cookie = response.cookies[settings.REFRESH_COOKIE_NAME]
    assert "2592000" in str(cookie["max-age"]) or cookie["expires"]
    assert LoginSession.objects.get().remember_me is True


def test_login_sets_the_refresh_token_as_a_strict_httponly_cookie(api_client, user, password):
    response = login(api_client, "alice", password)

    cookie = response.cookies[settings.REFRESH_COOKIE_NAME]
    assert cookie.value == response.json()["refresh"]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Strict"
    assert cookie["path"] == "/api/auth/"
    assert cookie["expires"]


def test_refresh_cookie_is_secure_outside_debug(api_client, user, password, settings):
    settings.DEBUG = False
    response = login(api_client, "alice", password)

    assert response.cookies[settings.REFRESH_COOKIE_NAME]["secure"] is True


def test_login_records_a_session_with_user_agent_and_ip(api_client, user, password):
    api_client.post(
        LOGIN,
        {"identifier": "alice", "password": password},
        format="json",
        HTTP_USER_AGENT="pytest-agent/1.0",
        REMOTE_ADDR="203.0.113.7",
    )

    session = LoginSession.objects.get()
    assert session.user == user
    assert session.user_agent == "pytest-agent/1.0"
    assert session.ip == "203.0.113.7"
    assert session.revoked_at is None


def test_access_token_opens_the_user_endpoint(api_client, user, password):
    access = login(api_client, "alice", password).json()["access"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")

    response = api_client.get("/api/user")

    assert response.status_code == 200
    assert response.json()["username"] == "alice"


def test_wrong_password_and_unknown_account_get_the_same_answer(api_client, user):
    wrong = login(api_client, "alice", "not-the-password")
    unknown = login(api_client, "nobody@example.com", "not-the-password")

    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["code"] == "invalid_credentials"


def test_inactive_user_gets_the_same_answer_as_a_wrong_password(api_client, user, password):
    user.is_active = False
    user.save()

    response = login(api_client, "alice", password)

    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials"


def test_unknown_account_costs_one_password_hash_like_a_wrong_password(api_client, user, settings):
    settings.PASSWORD_HASHERS = ["accounts.tests.hashers.CountingHasher"]
    from accounts.tests import hashers

    user.set_password("x" * 12)
    user.save()
    hashers.CountingHasher.calls = 0
    login(api_client, "alice", "wrong-password-1")
    wrong_calls = hashers.CountingHasher.calls

    hashers.CountingHasher.calls = 0
    login(api_client, "ghost", "wrong-password-1")
    unknown_calls = hashers.CountingHasher.calls

    assert wrong_calls == unknown_calls == 1


@pytest.mark.parametrize(
    "payload",
    [{}, {"identifier": "alice"}, {"password": "x"}, {"identifier": "", "password": ""}],
)
def test_login_with_missing_fields_is_a_400_with_field_errors(api_client, payload):
    response = api_client.post(LOGIN, payload, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert response.json()["fields"]


def test_login_is_throttled_per_scope(api_client, user, throttle_rates):
    throttle_rates(login="3/min")
    statuses = [
        login(api_client, f"ghost{i}", "whatever-pass", REMOTE_ADDR="198.51.100.9").status_code
        for i in range(4)
    ]

    assert statuses == [401, 401, 401, 429]


def test_api_login_does_not_open_a_browser_session(api_client, user, password):
    response = login(api_client, "alice", password)

    assert settings.SESSION_COOKIE_NAME not in response.cookies
    user.refresh_from_db()
    assert user.last_login is not None
