"""Deleting an account (API, profile page, admin) and downloading everything first."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import LoginSession, Profile, User
from accounts.services import profile_update, user_delete
from generation.models import Generation, GenerationResult
from stats.models import UsageStats

pytestmark = pytest.mark.django_db

ACCOUNT = "/api/user"


@pytest.fixture(autouse=True)
def _queued_jobs_in_private_media(media_root, queued_only):
    """Jobs are queued without running (the tests run them)."""


def files_of(root: Path, user) -> list[Path]:
    return [path for path in (root / "generations" / str(user.pk)).rglob("*") if path.is_file()]


def bearer(access: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def browser_login(user, password: str) -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"identifier": user.username, "password": password})
    assert response.status_code == 302
    return client


def test_deleting_the_account_through_the_api_removes_everything_it_owns(
    user,
    other_user,
    password,
    api_login,
    make_generation,
    media_root,
    django_capture_on_commit_callbacks,
):
    make_generation(owner=user, run=True)
    make_generation(owner=user, run=False)
    kept = make_generation(owner=other_user, run=False)
    assert files_of(media_root, user)
    tokens = api_login(user)
    browser = browser_login(user, password)
    browser_key = browser.session.session_key

    with django_capture_on_commit_callbacks(execute=True):
        response = bearer(tokens["access"]).delete(ACCOUNT, {"password": password}, format="json")

    assert response.status_code == 204, response.content
    assert not User.objects.filter(pk=user.pk).exists()
    for model in (Profile, UsageStats, LoginSession, Generation):
        field = "owner" if model is Generation else "user"
        assert not model.objects.filter(**{f"{field}_id": user.pk}).exists(), model
    assert GenerationResult.objects.count() == 0
    assert files_of(media_root, user) == []
    # The other person keeps everything.
    assert Generation.objects.filter(pk=kept.pk).exists()
    assert files_of(media_root, other_user)
    # Every token and every browser of the deleted account is dead.
    assert bearer(tokens["access"]).get(ACCOUNT).status_code == 401
    refresh = APIClient().post("/api/auth/refresh", {"refresh": tokens["refresh"]}, format="json")
    assert refresh.status_code == 401
    assert not Session.objects.filter(session_key=browser_key).exists()
    assert browser.get("/accounts/profile/").status_code == 302


@pytest.mark.parametrize("body", [{}, {"password": ""}, {"password": "not-my-password-1"}])
def test_a_missing_or_wrong_password_deletes_nothing(user, api_login, body):
    tokens = api_login(user)

    response = bearer(tokens["access"]).delete(ACCOUNT, body, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "password" in response.json()["fields"]
    assert User.objects.filter(pk=user.pk).exists()
    assert bearer(tokens["access"]).get(ACCOUNT).status_code == 200


def test_deleting_the_account_needs_a_token(user, password):
    response = APIClient().delete(ACCOUNT, {"password": password}, format="json")

    assert response.status_code == 401
    assert User.objects.filter(pk=user.pk).exists()


def test_deleting_an_account_leaves_other_accounts_alone(user, other_user, password, api_login):
    other_tokens = api_login(other_user)

    response = bearer(api_login(user)["access"]).delete(
        ACCOUNT, {"password": password}, format="json"
    )

    assert response.status_code == 204
    assert bearer(other_tokens["access"]).get(ACCOUNT).json()["username"] == "bob"


def test_the_schema_documents_deleting_the_account(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    operation = schema["paths"]["/api/user"]["delete"]
    assert {"204", "400", "401", "429"} <= set(operation["responses"])
    assert '{"password": "..."}' in operation["description"]


def test_the_profile_page_offers_download_and_deletion(auth_client):
    page = auth_client.get("/accounts/profile/").content.decode()

    assert 'href="/accounts/delete/"' in page
    assert f'href="{reverse("generation:export")}"' in page


def test_the_delete_page_asks_for_the_password(auth_client):
    response = auth_client.get("/accounts/delete/")

    assert response.status_code == 200
    assert 'type="password"' in response.content.decode()


def test_a_wrong_password_on_the_delete_page_keeps_the_account(auth_client, user):
    response = auth_client.post("/accounts/delete/", {"password": "not-my-password-1"})

    assert response.status_code == 400
    assert "The password is incorrect." in response.content.decode()
    assert User.objects.filter(pk=user.pk).exists()
    assert auth_client.get("/accounts/profile/").status_code == 200


def test_deleting_in_the_browser_logs_out_and_says_so_on_the_home_page(
    user, password, make_generation, media_root, django_capture_on_commit_callbacks
):
    make_generation(owner=user, run=False)
    browser = browser_login(user, password)
    other_browser = browser_login(user, password)

    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post("/accounts/delete/", {"password": password})

    assert response.status_code == 302
    assert response["Location"] == "/"
    home = browser.get("/")
    assert "Your account, your photos and all your data have been deleted." in home.content.decode()
    assert not User.objects.filter(pk=user.pk).exists()
    assert files_of(media_root, user) == []
    assert browser.get("/accounts/profile/").status_code == 302
    assert other_browser.get("/accounts/profile/").status_code == 302


def test_the_delete_page_refuses_a_post_without_its_csrf_token(user, password):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user, backend="accounts.backends.EmailOrUsernameBackend")

    response = browser.post("/accounts/delete/", {"password": password})

    assert response.status_code == 403
    assert User.objects.filter(pk=user.pk).exists()


def test_the_delete_page_needs_login():
    response = Client().get("/accounts/delete/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_an_admin_deleting_a_user_removes_their_files_too(
    admin_user, user, make_generation, media_root, django_capture_on_commit_callbacks
):
    make_generation(owner=user, run=False)
    admin = Client()
    admin.force_login(admin_user, backend="accounts.backends.EmailOrUsernameBackend")

    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(f"/admin/accounts/user/{user.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not User.objects.filter(pk=user.pk).exists()
    assert files_of(media_root, user) == []


def test_the_admin_bulk_delete_action_goes_through_the_service_too(
    admin_user, user, other_user, make_generation, media_root, django_capture_on_commit_callbacks
):
    make_generation(owner=user, run=False)
    make_generation(owner=other_user, run=False)
    admin = Client()
    admin.force_login(admin_user, backend="accounts.backends.EmailOrUsernameBackend")

    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(
            "/admin/accounts/user/",
            {
                "action": "delete_selected",
                "_selected_action": [str(user.pk), str(other_user.pk)],
                "post": "yes",
            },
        )

    assert response.status_code == 302
    assert not User.objects.filter(pk__in=[user.pk, other_user.pk]).exists()
    assert files_of(media_root, user) == files_of(media_root, other_user) == []


def test_the_service_deletes_a_user_without_generations(user):
    user_delete(user=user)

    assert not User.objects.filter(username="alice").exists()


def test_the_export_holds_the_account_profile_and_statistics(
    user, api_login, auth_client, make_generation
):
    profile_update(user=user, data={"full_name": "Alice Liddell", "position": "Explorer"})
    job = make_generation(owner=user, run=True)
    tokens = api_login(user)

    api_zip = bearer(tokens["access"]).get("/api/generations/export")
    page_zip = auth_client.get(reverse("generation:export"))

    for response in (api_zip, page_zip):
        assert response.status_code == 200
        archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
        account = json.loads(archive.read("account.json"))
        assert account["user"]["username"] == "alice"
        assert account["user"]["email"] == "alice@example.com"
        assert account["profile"]["full_name"] == "Alice Liddell"
        assert account["usage_stats"]["usage_count"] == 1
        assert account["usage_stats"]["images_count"] == 2
        assert tokens["session_id"] in {row["id"] for row in account["login_sessions"]}
        assert [item["id"] for item in json.loads(archive.read("index.json"))] == [str(job.pk)]
        assert any(name.endswith("variant-1.jpg") for name in archive.namelist())
