"""Logins through the HTML pages are login sessions too: listed and ended like API sessions."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import LoginSession
from accounts.tokens import token_pair_issue

pytestmark = pytest.mark.django_db

SESSIONS = "/api/auth/sessions"
NEW_PASSWORD = "a-brand-new-secret-5"


def bearer(access: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def browser_login(user, password: str, *, remember_me: bool = False, agent: str = "Firefox"):
    client = Client(HTTP_USER_AGENT=agent)
    data = {"identifier": user.email, "password": password}
    if remember_me:
        data["remember_me"] = "on"
    response = client.post("/accounts/login/", data)
    assert response.status_code == 302
    return client


def logged_in(client: Client) -> bool:
    return client.get("/accounts/profile/").status_code == 200


def browser_row(client: Client) -> LoginSession:
    return LoginSession.objects.get(id=client.session["lightsb_login_session"])


def test_a_login_through_the_page_is_listed_with_the_api_sessions(user, password, api_login):
    browser_login(user, password, remember_me=True, agent="Firefox on the laptop")
    tokens = api_login(user)

    rows = bearer(tokens["access"]).get(SESSIONS).json()

    by_kind = {row["kind"]: row for row in rows}
    assert set(by_kind) == {"api", "browser"}
    assert by_kind["browser"]["user_agent"] == "Firefox on the laptop"
    assert by_kind["browser"]["remember_me"] is True
    assert by_kind["browser"]["current"] is False
    assert by_kind["api"]["current"] is True


def test_the_browser_session_row_names_the_browsers_django_session(user, password):
    browser = browser_login(user, password)

    row = browser_row(browser)

    assert row.kind == LoginSession.Kind.BROWSER
    assert row.session_key == browser.session.session_key
    assert row.refresh_jti == ""
    # The server keeps the Django session this long even when its cookie ends with the browser.
    assert row.expires_at > timezone.now() + timedelta(days=29)


def test_logging_in_again_in_the_same_browser_leaves_one_session(user, password, api_login):
    browser = browser_login(user, password)
    first = browser_row(browser)

    browser.post("/accounts/login/", {"identifier": user.username, "password": password})

    second = browser_row(browser)
    assert second.id != first.id
    assert second.session_key == browser.session.session_key
    first.refresh_from_db()
    assert first.revoked_at is not None
    rows = bearer(api_login(user)["access"]).get(SESSIONS).json()
    assert [row["id"] for row in rows if row["kind"] == "browser"] == [str(second.id)]
    assert logged_in(browser)


def test_registering_through_the_page_records_a_browser_session():
    browser = Client()
    browser.post(
        "/accounts/register/",
        {
            "username": "harriet",
            "email": "harriet@example.com",
            "password": "plum-orchard-1987",
            "password_confirm": "plum-orchard-1987",
        },
    )

    row = browser_row(browser)
    assert row.user.username == "harriet"
    assert row.kind == LoginSession.Kind.BROWSER
    assert row.remember_me is False


def test_revoking_a_browser_session_logs_that_browser_out(user, password, api_login):
    laptop = browser_login(user, password)
    phone = browser_login(user, password)
    tokens = api_login(user)

    response = bearer(tokens["access"]).delete(f"{SESSIONS}/{browser_row(laptop).id}")

    assert response.status_code == 204
    assert not logged_in(laptop)
    assert logged_in(phone)
    assert bearer(tokens["access"]).get(SESSIONS).status_code == 200


def test_revoke_all_logs_out_every_browser_too(user, other_user, password, api_login):
    laptop = browser_login(user, password)
    phone = browser_login(user, password)
    someone_else = browser_login(other_user, password)
    tokens = api_login(user)

    response = bearer(tokens["access"]).post(f"{SESSIONS}/revoke-all")

    assert response.json() == {"revoked": 3}
    assert not logged_in(laptop)
    assert not logged_in(phone)
    assert logged_in(someone_else)
    assert bearer(tokens["access"]).get(SESSIONS).status_code == 401


def test_logging_out_in_the_browser_ends_its_session(user, password, api_login):
    browser = browser_login(user, password)
    row = browser_row(browser)

    browser.post("/accounts/logout/")

    row.refresh_from_db()
    assert row.revoke_reason == LoginSession.RevokeReason.LOGOUT
    listed = bearer(api_login(user)["access"]).get(SESSIONS).json()
    assert str(row.id) not in {item["id"] for item in listed}


def test_logging_out_anonymously_changes_nothing(user, password):
    browser = browser_login(user, password)

    Client().post("/accounts/logout/")

    assert logged_in(browser)


def test_changing_the_password_keeps_this_browser_and_logs_out_the_others(user, password):
    laptop = browser_login(user, password)
    phone = browser_login(user, password)
    phone_row = browser_row(phone)
    old_key = laptop.session.session_key

    response = laptop.post(
        "/accounts/password/",
        {
            "old_password": password,
            "new_password": NEW_PASSWORD,
            "new_password_confirm": NEW_PASSWORD,
        },
    )

    assert response.status_code == 302
    assert logged_in(laptop)
    assert not logged_in(phone)
    kept = browser_row(laptop)
    assert kept.revoked_at is None
    # Django gave this browser a new session key; the row follows it, so revoking still works.
    assert kept.session_key == laptop.session.session_key != old_key
    phone_row.refresh_from_db()
    assert phone_row.revoke_reason == LoginSession.RevokeReason.PASSWORD
    tokens = APIClient().post(
        "/api/auth/login", {"identifier": user.username, "password": NEW_PASSWORD}, format="json"
    )
    bearer(tokens.json()["access"]).delete(f"{SESSIONS}/{kept.id}")
    assert not logged_in(laptop)


def test_another_user_cannot_end_my_browser_session(user, other_user, password, api_login):
    browser = browser_login(user, password)

    response = bearer(api_login(other_user)["access"]).delete(
        f"{SESSIONS}/{browser_row(browser).id}"
    )

    assert response.status_code == 404
    assert logged_in(browser)


def test_a_browser_session_cannot_carry_api_tokens(user, password):
    browser = browser_login(user, password)
    forged = token_pair_issue(user=user, session_id=browser_row(browser).id, remember_me=False)

    access = bearer(forged.access).get("/api/user")
    refresh = APIClient().post("/api/auth/refresh", {"refresh": forged.refresh}, format="json")

    assert access.status_code == 401
    assert refresh.status_code == 401
    assert logged_in(browser)  # and the refresh attempt did not count as reuse of it
    assert browser_row(browser).revoked_at is None


def test_revoking_a_browser_session_whose_django_session_is_gone_still_works(
    user, password, api_login
):
    browser = browser_login(user, password)
    row = browser_row(browser)
    Session.objects.filter(session_key=row.session_key).delete()

    response = bearer(api_login(user)["access"]).delete(f"{SESSIONS}/{row.id}")

    assert response.status_code == 204
    row.refresh_from_db()
    assert row.revoke_reason == LoginSession.RevokeReason.USER


def test_an_unknown_session_id_in_the_browser_is_ignored_on_logout(user, password):
    browser = browser_login(user, password)
    session = browser.session
    session["lightsb_login_session"] = str(uuid.uuid4())
    session.save()

    response = browser.post("/accounts/logout/")

    assert response.status_code == 302
    assert not logged_in(browser)
