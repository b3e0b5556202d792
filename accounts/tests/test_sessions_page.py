"""The sessions page: every browser and API login, with revoke and "log out everywhere"."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client

from accounts.devices import device_label
from accounts.models import LoginSession

pytestmark = pytest.mark.django_db

FIREFOX_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
CHROME_ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0 Mobile Safari/537.36"
)


def browser_login(user, password: str, agent: str) -> Client:
    client = Client(HTTP_USER_AGENT=agent)
    response = client.post("/accounts/login/", {"identifier": user.email, "password": password})
    assert response.status_code == 302
    return client


def test_it_lists_browser_and_api_sessions_with_device_address_and_last_use(
    user, password, api_login
):
    mine = browser_login(user, password, FIREFOX_WINDOWS)
    browser_login(user, password, CHROME_ANDROID)
    api_login(user)

    page = mine.get("/accounts/sessions/").content.decode()

    assert "Firefox on Windows" in page and "(this browser)" in page
    assert "Chrome on Android" in page
    assert "API tokens" in page
    assert "127.0.0.1" in page
    assert page.count("<time datetime=") == 3


def test_ending_another_session_logs_that_browser_out(user, password):
    mine = browser_login(user, password, FIREFOX_WINDOWS)
    other = browser_login(user, password, CHROME_ANDROID)
    other_id = other.session["lightsb_login_session"]

    response = mine.post(f"/accounts/sessions/{other_id}/revoke/")

    assert response["Location"] == "/accounts/sessions/"
    assert other.get("/accounts/profile/").status_code == 302  # sent to log in
    assert mine.get("/accounts/profile/").status_code == 200
    assert LoginSession.objects.get(id=other_id).revoke_reason == "user"


def test_someone_elses_session_is_not_found(user, password, other_user):
    mine = browser_login(user, password, FIREFOX_WINDOWS)
    theirs = browser_login(other_user, password, CHROME_ANDROID)

    response = mine.post(f"/accounts/sessions/{theirs.session['lightsb_login_session']}/revoke/")

    assert response.status_code == 404
    assert theirs.get("/accounts/profile/").status_code == 200
    assert mine.post(f"/accounts/sessions/{uuid.uuid4()}/revoke/").status_code == 404


def test_log_out_everywhere_ends_every_session_this_one_included(user, password, api_login):
    mine = browser_login(user, password, FIREFOX_WINDOWS)
    other = browser_login(user, password, CHROME_ANDROID)
    api_login(user)

    response = mine.post("/accounts/sessions/revoke-all/")

    assert response["Location"] == "/accounts/login/"
    assert mine.get("/accounts/profile/").status_code == 302
    assert other.get("/accounts/profile/").status_code == 302
    assert not LoginSession.objects.filter(user=user, revoked_at__isnull=True).exists()


def test_the_profile_links_to_the_sessions_page(auth_client):
    assert 'href="/accounts/sessions/"' in auth_client.get("/accounts/profile/").content.decode()


@pytest.mark.parametrize(
    ("agent", "label"),
    [
        (FIREFOX_WINDOWS, "Firefox on Windows"),
        (CHROME_ANDROID, "Chrome on Android"),
        ("curl/8.5.0", "curl"),
        ("", "Unknown device"),
    ],
)
def test_device_labels_read_like_a_person_would_say_them(agent, label):
    assert device_label(agent) == label
