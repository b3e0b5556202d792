from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from accounts.models import LoginSession, Profile, User

pytestmark = pytest.mark.django_db


def test_register_page_creates_the_account_and_logs_in():
    client = Client()
    response = client.post(
        "/accounts/register/",
        {
            "username": "harriet",
            "email": "Harriet@Example.com",
            "password": "plum-orchard-1987",
            "password_confirm": "plum-orchard-1987",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == "/accounts/profile/"
    user = User.objects.get(username="harriet")
    assert client.session["_auth_user_id"] == str(user.id)
    assert Profile.objects.filter(user=user).exists()


def test_register_page_shows_errors_next_to_their_fields(user):
    response = Client().post(
        "/accounts/register/",
        {
            "username": "ALICE",
            "email": "someone@example.com",
            "password": "plum-orchard-1987",
            "password_confirm": "plum-orchard-1987",
        },
    )

    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["username"] == ["An account with this username already exists."]


def test_register_page_reports_weak_password_and_mismatch():
    response = Client().post(
        "/accounts/register/",
        {"username": "ivan", "email": "bad", "password": "short", "password_confirm": "other"},
    )

    form = response.context["form"]
    assert "email" in form.errors
    assert form.errors["password_confirm"] == ["The passwords do not match."]
    html = response.content.decode()
    assert 'aria-invalid="true"' in html
    assert not User.objects.exists()


def test_register_page_reports_the_password_rules_from_the_service():
    response = Client().post(
        "/accounts/register/",
        {
            "username": "ivan",
            "email": "ivan@example.com",
            "password": "1234567890",
            "password_confirm": "1234567890",
        },
    )

    assert "password" in response.context["form"].errors
    assert not User.objects.exists()


@pytest.mark.parametrize("identifier", ["alice", "ALICE@example.com"])
def test_login_without_remember_me_ends_with_the_browser(user, password, identifier):
    client = Client()
    response = client.post("/accounts/login/", {"identifier": identifier, "password": password})

    assert response.status_code == 302
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == "" and cookie["expires"] == ""
    assert client.session.get_expire_at_browser_close() is True


def test_login_with_remember_me_lasts_30_days(user, password):
    client = Client()
    response = client.post(
        "/accounts/login/", {"identifier": "alice", "password": password, "remember_me": "on"}
    )

    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert int(cookie["max-age"]) == 30 * 24 * 3600
    assert client.session.get_expire_at_browser_close() is False


def test_login_follows_a_safe_next_and_ignores_an_external_one(user, password):
    safe = Client().post(
        "/accounts/login/?next=/stats/", {"identifier": "alice", "password": password}
    )
    evil = Client().post(
        "/accounts/login/",
        {"identifier": "alice", "password": password, "next": "https://evil.example/"},
    )

    assert safe["Location"] == "/stats/"
    assert evil["Location"] == "/accounts/profile/"


def test_login_failure_shows_one_message_for_any_reason(user):
    wrong = Client().post("/accounts/login/", {"identifier": "alice", "password": "nope-nope-1"})
    unknown = Client().post("/accounts/login/", {"identifier": "zed", "password": "nope-nope-1"})

    message = "The email/username or password is incorrect."
    assert message in wrong.content.decode()
    assert message in unknown.content.decode()
    assert wrong.status_code == unknown.status_code


def test_logged_in_visitor_is_sent_from_login_and_register_to_the_profile(auth_client):
    assert auth_client.get("/accounts/login/")["Location"] == "/accounts/profile/"
    assert auth_client.get("/accounts/register/")["Location"] == "/accounts/profile/"


def test_logout_needs_post(auth_client):
    assert auth_client.get("/accounts/logout/").status_code == 405

    response = auth_client.post("/accounts/logout/")

    assert response.status_code == 302
    assert "_auth_user_id" not in auth_client.session


def test_pages_need_login():
    client = Client()
    for url in ["/accounts/profile/", "/accounts/profile/edit/", "/accounts/password/", "/stats/"]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")


def test_navigation_adapts_to_login_state(auth_client):
    anonymous = Client().get("/").content.decode()
    logged_in = auth_client.get("/").content.decode()

    assert "Log in" in anonymous and "Sign up" in anonymous and "Log out" not in anonymous
    assert "Log out" in logged_in and "My statistics" in logged_in and "Sign up" not in logged_in
    assert "Admin" not in logged_in


def test_staff_see_the_admin_link(staff_client):
    assert 'href="/admin/"' in staff_client.get("/").content.decode()


def test_home_and_about_pages_render():
    about = Client().get("/about/")

    assert Client().get("/").status_code == 200
    assert about.status_code == 200
    assert "Schrödinger" in about.content.decode()


def test_profile_page_shows_my_details(auth_client, user):
    Profile.objects.filter(user=user).update(full_name="Alice Liddell")

    html = auth_client.get("/accounts/profile/").content.decode()

    assert "Alice Liddell" in html and "alice@example.com" in html


def test_edit_profile_saves_valid_input(auth_client, user):
    response = auth_client.post(
        "/accounts/profile/edit/",
        {"full_name": "Алиса Лидделл", "position": "Explorer", "date_of_birth": "1990-05-04"},
    )

    assert response.status_code == 302
    profile = Profile.objects.get(user=user)
    assert profile.full_name == "Алиса Лидделл"
    assert profile.date_of_birth.isoformat() == "1990-05-04"


def test_edit_profile_shows_errors_and_keeps_old_values(auth_client, user):
    Profile.objects.filter(user=user).update(full_name="Alice Liddell")

    response = auth_client.post(
        "/accounts/profile/edit/", {"full_name": "4lice", "date_of_birth": "2999-01-01"}
    )

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "full_name" in errors and "date_of_birth" in errors
    assert Profile.objects.get(user=user).full_name == "Alice Liddell"


def test_edit_profile_form_is_prefilled(auth_client, user):
    Profile.objects.filter(user=user).update(position="Queen")

    assert 'value="Queen"' in auth_client.get("/accounts/profile/edit/").content.decode()


def test_change_password_keeps_this_browser_and_ends_api_sessions(
    auth_client, user, password, api_login
):
    tokens = api_login(user)

    response = auth_client.post(
        "/accounts/password/",
        {
            "old_password": password,
            "new_password": "a-brand-new-secret-5",
            "new_password_confirm": "a-brand-new-secret-5",
        },
    )

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a-brand-new-secret-5")
    assert auth_client.get("/accounts/profile/").status_code == 200
    assert LoginSession.objects.get(id=tokens["session_id"]).revoke_reason == "password_changed"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"old_password": "wrong-one-123"}, "old_password"),
        ({"new_password": "short", "new_password_confirm": "short"}, "new_password"),
        ({"new_password_confirm": "different-secret-9"}, "new_password_confirm"),
    ],
)
def test_change_password_rejects_bad_input(auth_client, user, password, data, field):
    base = {
        "old_password": password,
        "new_password": "a-brand-new-secret-5",
        "new_password_confirm": "a-brand-new-secret-5",
    }

    response = auth_client.post("/accounts/password/", {**base, **data})

    assert response.status_code == 400
    assert field in response.context["form"].errors
    user.refresh_from_db()
    assert user.check_password(password)
