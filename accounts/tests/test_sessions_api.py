from __future__ import annotations

import uuid

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from accounts.models import LoginSession

pytestmark = pytest.mark.django_db

SESSIONS = "/api/auth/sessions"


def bearer(access):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def test_sessions_lists_only_my_active_sessions_and_marks_the_current_one(
    user, other_user, api_login
):
    mine = api_login(user)
    second = api_login(user)
    api_login(other_user)
    LoginSession.objects.filter(id=second["session_id"]).update(user_agent="Firefox test")

    response = bearer(mine["access"]).get(SESSIONS)

    assert response.status_code == 200
    rows = response.json()
    assert {row["id"] for row in rows} == {mine["session_id"], second["session_id"]}
    current = {row["id"]: row["current"] for row in rows}
    assert current == {mine["session_id"]: True, second["session_id"]: False}
    assert {row["kind"] for row in rows} == {"api"}
    assert set(rows[0]) == {
        "id",
        "kind",
        "created_at",
        "last_used_at",
        "expires_at",
        "user_agent",
        "ip",
        "remember_me",
        "current",
    }


def test_deleting_a_session_revokes_it_and_its_tokens(user, api_login):
    keeper = api_login(user)
    doomed = api_login(user)

    response = bearer(keeper["access"]).delete(f"{SESSIONS}/{doomed['session_id']}")

    assert response.status_code == 204
    assert bearer(doomed["access"]).get("/api/user").status_code == 401
    assert (
        APIClient()
        .post("/api/auth/refresh", {"refresh": doomed["refresh"]}, format="json")
        .status_code
        == 401
    )
    ids = [row["id"] for row in bearer(keeper["access"]).get(SESSIONS).json()]
    assert ids == [keeper["session_id"]]


def test_another_users_session_is_404_and_stays_alive(user, other_user, api_login):
    mine = api_login(user)
    theirs = api_login(other_user)

    response = bearer(mine["access"]).delete(f"{SESSIONS}/{theirs['session_id']}")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert bearer(theirs["access"]).get("/api/user").status_code == 200


def test_unknown_session_id_is_404(user, api_login):
    tokens = api_login(user)

    response = bearer(tokens["access"]).delete(f"{SESSIONS}/{uuid.uuid4()}")

    assert response.status_code == 404


def test_revoke_all_ends_every_session_including_this_one(user, other_user, api_login):
    first = api_login(user)
    second = api_login(user)
    theirs = api_login(other_user)

    response = bearer(first["access"]).post(f"{SESSIONS}/revoke-all")

    assert response.status_code == 200
    assert response.json() == {"revoked": 2}
    assert bearer(first["access"]).get("/api/user").status_code == 401
    assert bearer(second["access"]).get("/api/user").status_code == 401
    assert bearer(theirs["access"]).get("/api/user").status_code == 200


def test_sessions_need_a_token(api_client):
    assert api_client.get(SESSIONS).status_code == 401
    assert api_client.post(f"{SESSIONS}/revoke-all").status_code == 401


def test_logout_with_the_cookie_revokes_the_session_and_clears_the_cookie(user, password):
    client = APIClient()
    login = client.post(
        "/api/auth/login", {"identifier": "alice", "password": password}, format="json"
    ).json()

    response = client.post("/api/auth/logout")

    assert response.status_code == 204
    cookie = response.cookies[settings.REFRESH_COOKIE_NAME]
    assert cookie.value == ""
    assert cookie["path"] == "/api/auth/"
    assert LoginSession.objects.get(id=login["session_id"]).revoke_reason == "logout"
    assert client.post("/api/auth/refresh").status_code == 401


def test_logout_with_a_refresh_token_in_the_body(user, api_login):
    tokens = api_login(user)

    response = APIClient().post("/api/auth/logout", {"refresh": tokens["refresh"]}, format="json")

    assert response.status_code == 204
    assert bearer(tokens["access"]).get("/api/user").status_code == 401


def test_logout_with_a_dead_or_missing_token_is_still_204(user, api_login):
    tokens = api_login(user)
    client = bearer(tokens["access"])
    client.post("/api/auth/logout")

    assert client.post("/api/auth/logout").status_code == 204
    assert APIClient().post("/api/auth/logout").status_code == 204
    assert bearer("garbage").post("/api/auth/logout").status_code == 204
