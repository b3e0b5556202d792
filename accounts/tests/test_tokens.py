from __future__ import annotations

import base64
import json
import threading
import uuid
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken
from rest_framework_simplejwt.tokens import AccessToken

from accounts.models import LoginSession
from accounts.services import session_refresh, user_change_password
from accounts.tokens import SessionRefreshToken

REFRESH = "/api/auth/refresh"


def refresh(client, token):
    return client.post(REFRESH, {"refresh": token}, format="json")


def bearer(access):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def rotated_long_ago(session_id) -> None:
    """Move the session's last rotation out of the reuse grace window."""
    grace = timedelta(seconds=settings.REFRESH_REUSE_GRACE_SECONDS + 1)
    session = LoginSession.objects.get(id=session_id)
    LoginSession.objects.filter(id=session_id).update(rotated_at=session.rotated_at - grace)


@pytest.mark.django_db
class TestRotation:
    def test_refresh_returns_a_new_pair_and_spends_the_old_token(self, api_client, user, api_login):
        first = api_login(user)

        response = refresh(api_client, first["refresh"])

        assert response.status_code == 200
        second = response.json()
        assert second["refresh"] != first["refresh"]
        assert second["access"] != first["access"]
        assert second["session_id"] == first["session_id"]
        old_jti = SessionRefreshToken(first["refresh"])["jti"]
        assert BlacklistedToken.objects.filter(token__jti=old_jti).exists()
        assert bearer(second["access"]).get("/api/user").status_code == 200

    def test_refresh_reads_the_cookie_when_the_body_has_no_token(self, user, password):
        client = APIClient()
        login = client.post(
            "/api/auth/login", {"identifier": "alice", "password": password}, format="json"
        )

        response = client.post(REFRESH, {}, format="json")

        assert response.status_code == 200
        new_cookie = response.cookies[settings.REFRESH_COOKIE_NAME].value
        assert new_cookie == response.json()["refresh"] != login.json()["refresh"]

    def test_refresh_without_any_token_is_401(self, api_client):
        response = api_client.post(REFRESH, {}, format="json")

        assert response.status_code == 401
        assert response.json()["code"] == "not_authenticated"

    def test_reusing_a_rotated_token_revokes_the_whole_session(self, api_client, user, api_login):
        first = api_login(user)
        second = refresh(api_client, first["refresh"]).json()
        rotated_long_ago(first["session_id"])

        reuse = refresh(api_client, first["refresh"])

        assert reuse.status_code == 401
        assert reuse.json()["code"] == "token_reused"
        session = LoginSession.objects.get(id=first["session_id"])
        assert session.revoke_reason == "reuse"
        # Every descendant of that login is dead now, the thief's and the owner's alike.
        assert refresh(api_client, second["refresh"]).json()["code"] == "session_revoked"
        assert bearer(second["access"]).get("/api/user").status_code == 401

    def test_reuse_in_one_session_leaves_other_sessions_alone(self, api_client, user, api_login):
        stolen = api_login(user)
        other = api_login(user)
        refresh(api_client, stolen["refresh"])
        rotated_long_ago(stolen["session_id"])
        refresh(api_client, stolen["refresh"])

        assert refresh(api_client, other["refresh"]).status_code == 200

    def test_refresh_keeps_the_remember_me_lifetime(self, api_client, user, api_login):
        first = api_login(user, remember_me=True)

        second = refresh(api_client, first["refresh"]).json()

        token = SessionRefreshToken(second["refresh"])
        lifetime = token["exp"] - token["iat"]
        assert lifetime == pytest.approx(timedelta(days=30).total_seconds(), abs=5)

    def test_an_empty_refresh_token_is_an_invalid_field(self, api_client):
        response = refresh(api_client, "")

        assert response.status_code == 400
        assert response.json()["code"] == "invalid"
        assert "refresh" in response.json()["fields"]

    @pytest.mark.parametrize(
        "token",
        ["garbage", "a.b.c", "x" * 4000, "eyJhbGciOiJIUzI1NiJ9.e30.", "Ω≈ç√∫"],
    )
    def test_malformed_refresh_tokens_are_401_not_500(self, api_client, token):
        response = refresh(api_client, token)

        assert response.status_code == 401
        assert response.json()["code"] == "token_invalid"

    def test_an_access_token_is_not_accepted_as_a_refresh_token(self, api_client, user, api_login):
        tokens = api_login(user)

        response = refresh(api_client, tokens["access"])

        assert response.status_code == 401
        assert response.json()["code"] == "token_invalid"

    def test_a_token_for_a_session_that_does_not_exist_is_invalid(self, user):
        from accounts.tokens import token_pair_issue

        pair = token_pair_issue(user=user, session_id=uuid.uuid4(), remember_me=False)

        assert refresh(APIClient(), pair.refresh).json()["code"] == "token_invalid"


def _forge(payload: dict) -> str:
    """A correctly signed token with arbitrary claims, as if the signing key had leaked."""
    token = AccessToken()
    token.payload = payload
    return str(token)


@pytest.mark.django_db
class TestAccessTokens:
    def test_no_token_is_401_not_authenticated(self, api_client):
        response = api_client.get("/api/user")

        assert response.status_code == 401
        assert response.json()["code"] == "not_authenticated"

    @pytest.mark.parametrize(
        ("header", "code"),
        [
            ("Bearer", "bad_authorization_header"),
            ("Bearer a b", "bad_authorization_header"),
            ("Bearer garbage", "token_invalid"),
            ("Bearer eyJhbGciOiJub25lIn0.eyJ1c2VyX2lkIjoxfQ.", "token_invalid"),
            ("Bearer " + "A" * 5000, "token_invalid"),
            ("Bearer ÿÿÿ", "token_invalid"),
        ],
    )
    def test_malformed_authorization_headers_are_401_never_500(self, api_client, header, code):
        api_client.credentials(HTTP_AUTHORIZATION=header)

        response = api_client.get("/api/user")

        assert response.status_code == 401
        assert response.json()["code"] == code

    @pytest.mark.parametrize(
        "claims",
        [
            {},
            {"user_id": 1, "sid": 2},
            {"user_id": "not-a-uuid", "sid": "nope"},
            {"user_id": ["x"], "sid": {"a": 1}},
            {"user_id": str(uuid.uuid4()), "sid": str(uuid.uuid4())},
        ],
    )
    def test_signed_tokens_with_bad_claims_are_401(self, api_client, claims):
        token = AccessToken()
        payload = {**{k: token[k] for k in ("token_type", "exp", "iat", "jti")}, **claims}

        response = bearer(_forge(payload)).get("/api/user")

        assert response.status_code == 401

    def test_a_refresh_token_is_not_an_access_token(self, user, api_login):
        tokens = api_login(user)

        assert bearer(tokens["refresh"]).get("/api/user").status_code == 401

    def test_a_tampered_token_is_401(self, user, api_login):
        access = api_login(user)["access"]
        header, payload, signature = access.split(".")
        claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
        claims["user_id"] = str(uuid.uuid4())
        forged_payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=")

        response = bearer(f"{header}.{forged_payload.decode()}.{signature}").get("/api/user")

        assert response.status_code == 401

    def test_logout_kills_the_access_token_at_once(self, user, api_login):
        tokens = api_login(user)
        client = bearer(tokens["access"])

        assert client.post("/api/auth/logout").status_code == 204

        response = client.get("/api/user")
        assert response.status_code == 401
        assert response.json()["code"] == "session_revoked"

    def test_changing_the_password_kills_access_tokens(self, user, api_login, password):
        tokens = api_login(user)
        user_change_password(user=user, old_password=password, new_password="a-new-secret-77")

        response = bearer(tokens["access"]).get("/api/user")

        assert response.status_code == 401
        assert response.json()["code"] == "session_revoked"

    def test_a_password_set_elsewhere_also_kills_access_tokens(self, user, api_login):
        tokens = api_login(user)
        user.set_password("set-by-an-admin-55")  # e.g. manage.py changepassword
        user.save()

        response = bearer(tokens["access"]).get("/api/user")

        assert response.json()["code"] == "password_changed"
        assert refresh(APIClient(), tokens["refresh"]).json()["code"] == "session_revoked"

    def test_deactivating_the_user_kills_access_and_refresh(self, user, api_login):
        tokens = api_login(user)
        user.is_active = False
        user.save()

        response = bearer(tokens["access"]).get("/api/user")

        assert response.status_code == 401
        assert response.json()["code"] == "user_inactive"
        assert refresh(APIClient(), tokens["refresh"]).status_code == 401

    def test_deleting_the_user_kills_the_token(self, user, api_login):
        tokens = api_login(user)
        user.delete()

        response = bearer(tokens["access"]).get("/api/user")

        assert response.status_code == 401
        assert refresh(APIClient(), tokens["refresh"]).status_code == 401

    def test_using_a_token_updates_last_used_at(self, user, api_login):
        tokens = api_login(user)
        session = LoginSession.objects.get(id=tokens["session_id"])
        LoginSession.objects.filter(id=session.id).update(
            last_used_at=session.last_used_at - timedelta(hours=1)
        )

        bearer(tokens["access"]).get("/api/user")

        session.refresh_from_db()
        assert session.last_used_at > session.created_at


def parallel(count: int, action) -> list:
    """Run ``action`` in ``count`` threads released together; their results in any order."""
    barrier = threading.Barrier(count)
    outcomes: list = []
    lock = threading.Lock()

    def worker():
        try:
            barrier.wait()
            try:
                result = action()
            except Exception as exc:
                result = getattr(exc, "code", repr(exc))
            with lock:
                outcomes.append(result)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_ten_parallel_refreshes_of_one_token_all_get_the_same_successor(user, api_login):
    if connection.vendor != "postgresql":
        pytest.skip("row locking is exercised on PostgreSQL (set DATABASE_URL)")
    login = api_login(user)

    outcomes = parallel(10, lambda: session_refresh(raw_refresh=login["refresh"]))

    assert [outcome for outcome in outcomes if isinstance(outcome, str)] == []
    successors = {outcome.tokens.refresh for outcome in outcomes}
    assert len(successors) == 1  # one rotation; the other nine got its result again
    session = LoginSession.objects.get(id=login["session_id"])
    assert session.revoked_at is None
    # The session lives on: the successor refreshes, and every access token handed out works.
    assert refresh(APIClient(), successors.pop()).status_code == 200
    for outcome in outcomes:
        assert bearer(outcome.tokens.access).get("/api/user").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_ten_parallel_refreshes_over_http_all_succeed(user, api_login, live_server):
    if connection.vendor != "postgresql":
        pytest.skip("row locking is exercised on PostgreSQL (set DATABASE_URL)")
    import requests

    login = api_login(user)

    def post():
        return requests.post(
            f"{live_server.url}{REFRESH}", json={"refresh": login["refresh"]}, timeout=30
        ).status_code

    assert parallel(10, post) == [200] * 10
    assert LoginSession.objects.get(id=login["session_id"]).revoked_at is None


@pytest.mark.django_db
def test_a_rotated_token_replayed_after_the_grace_window_still_revokes_the_session(
    api_client, user, api_login
):
    login = api_login(user)
    successor = refresh(api_client, login["refresh"]).json()
    assert refresh(api_client, login["refresh"]).status_code == 200  # within the window
    rotated_long_ago(login["session_id"])

    replay = refresh(api_client, login["refresh"])

    assert replay.json()["code"] == "token_reused"
    assert refresh(api_client, successor["refresh"]).json()["code"] == "session_revoked"
