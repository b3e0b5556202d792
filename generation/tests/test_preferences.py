"""Remembered generator settings: the page starts from them, a job made on it saves them, the
profile and the API reset them, and nobody sees anybody else's."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import GeneratorPreferences
from generation import services
from generation.models import Direction, ShareLink
from integrations.services import api_key_create

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("queued_only")]


def page_post(client, photo: bytes, **fields):
    payload = {
        "file": SimpleUploadedFile("me.jpg", photo, content_type="image/jpeg"),
        "direction": Direction.FEMALE_TO_MALE,
        "variants": 2,
        "strength": 0.6,
        "variation": 1.5,
        "journey": "on",
        **fields,
    }
    return client.post(reverse("generation:generator"), payload)


def saved(user) -> GeneratorPreferences:
    return GeneratorPreferences.objects.get(user=user)


def test_a_job_made_on_the_page_becomes_the_next_starting_point(auth_client, user, astronaut_jpeg):
    response = page_post(auth_client, astronaut_jpeg, remember="on")
    page = auth_client.get(reverse("generation:generator"))

    assert response.status_code == 302
    form = page.context["form"]
    assert form["direction"].value() == Direction.FEMALE_TO_MALE
    assert (form["variants"].value(), form["strength"].value()) == (2, 0.6)
    assert (form["variation"].value(), form["journey"].value()) == (1.5, True)


def test_the_page_offers_remember_ticked_and_unticking_it_saves_nothing(
    auth_client, user, astronaut_jpeg
):
    page = auth_client.get(reverse("generation:generator"))
    response = page_post(auth_client, astronaut_jpeg)  # the box left unticked

    assert page.context["form"]["remember"].value() is True
    assert response.status_code == 302
    assert not GeneratorPreferences.objects.filter(user=user).exists()
    assert (
        auth_client.get(reverse("generation:generator")).context["form"]["direction"].value()
        == Direction.ADULT_TO_CHILD
    )


def test_a_refused_job_saves_no_settings(auth_client, user):
    response = page_post(auth_client, b"not a photo at all", remember="on")

    assert response.status_code == 400
    assert not GeneratorPreferences.objects.filter(user=user).exists()


def test_the_profile_resets_the_settings_with_a_csrf_protected_post(user, astronaut_jpeg):
    services.preferences_save(
        user=user,
        direction=Direction.MALE_TO_FEMALE,
        variants=3,
        strength=0.5,
        variation=1.0,
        journey_frames=0,
    )
    client = Client(enforce_csrf_checks=True)
    client.force_login(user, backend="accounts.backends.EmailOrUsernameBackend")
    profile = client.get(reverse("accounts:profile"))
    assert "Reset generator settings" in profile.content.decode()

    forged = client.post(reverse("generation:preferences-reset"))
    assert forged.status_code == 403
    assert GeneratorPreferences.objects.filter(user=user).exists()

    token = profile.cookies["csrftoken"].value
    reset = client.post(
        reverse("generation:preferences-reset"), {"csrfmiddlewaretoken": token}, follow=True
    )
    assert reset.redirect_chain[-1][0] == reverse("accounts:profile")
    assert "default settings again" in reset.content.decode()
    assert not GeneratorPreferences.objects.filter(user=user).exists()


def test_reset_is_post_only(auth_client):
    assert auth_client.get(reverse("generation:preferences-reset")).status_code == 405


def test_the_api_reads_defaults_saves_and_forgets(auth_api_client, user):
    assert auth_api_client.get("/api/preferences").json()["saved"] is False

    put = auth_api_client.put(
        "/api/preferences", {"direction": "child_to_adult", "variants": 3}, format="json"
    )
    body = auth_api_client.get("/api/preferences").json()

    assert put.status_code == 200, put.content
    assert body["saved"] is True
    assert (body["direction"], body["variants"], body["strength"]) == ("child_to_adult", 3, 1.0)
    assert (
        auth_api_client.put("/api/preferences", {"journey": 8}, format="json").json()["variants"]
        == 3
    )  # a field left out keeps its value
    assert auth_api_client.delete("/api/preferences").status_code == 204
    assert auth_api_client.get("/api/preferences").json()["saved"] is False


def test_the_api_refuses_settings_a_job_would_refuse(auth_api_client, user):
    response = auth_api_client.put(
        "/api/preferences", {"variants": 0, "direction": "sideways", "journey": 99}, format="json"
    )

    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"variants", "direction", "journey"}
    assert not GeneratorPreferences.objects.filter(user=user).exists()


def test_an_api_key_with_read_may_look_but_not_change(user):
    services.preferences_save(
        user=user,
        direction="adult_to_child",
        variants=5,
        strength=1.0,
        variation=1.0,
        journey_frames=0,
    )
    _, raw_key = api_key_create(owner=user, name="reader", scopes=["read"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw_key}")
    _, writer_key = api_key_create(owner=user, name="writer", scopes=["generate"])
    writer = APIClient()
    writer.credentials(HTTP_AUTHORIZATION=f"Api-Key {writer_key}")

    assert client.get("/api/preferences").json()["variants"] == 5
    assert client.put("/api/preferences", {"variants": 1}, format="json").status_code == 403
    assert client.delete("/api/preferences").status_code == 403
    assert writer.get("/api/preferences").status_code == 403
    assert saved(user).variants == 5


def test_nobody_sees_or_resets_another_persons_settings(user, other_user, api_login):
    services.preferences_save(
        user=other_user,
        direction="male_to_female",
        variants=7,
        strength=0.3,
        variation=0.2,
        journey_frames=4,
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_login(user)['access']}")
    browser = Client()
    browser.force_login(user, backend="accounts.backends.EmailOrUsernameBackend")

    assert client.get("/api/preferences").json()["saved"] is False
    assert client.delete("/api/preferences").status_code == 204
    assert browser.get(reverse("generation:generator")).context["form"]["variants"].value() != 7
    browser.post(reverse("generation:preferences-reset"))
    assert saved(other_user).variants == 7


def test_a_job_made_through_the_api_does_not_change_the_pages_settings(
    auth_api_client, user, astronaut_jpeg
):
    auth_api_client.post(
        "/api/generate",
        {
            "file": SimpleUploadedFile("me.jpg", astronaut_jpeg, content_type="image/jpeg"),
            "direction": "male_to_female",
        },
        format="multipart",
    )

    assert not GeneratorPreferences.objects.filter(user=user).exists()


def test_the_export_has_the_preferences_and_share_links_but_never_a_token(
    auth_api_client, user, other_user, astronaut_jpeg
):
    services.preferences_save(
        user=user,
        direction="female_to_male",
        variants=2,
        strength=0.7,
        variation=1.0,
        journey_frames=8,
    )
    upload = SimpleUploadedFile("me.jpg", astronaut_jpeg, content_type="image/jpeg")
    mine, _ = services.generation_create(owner=user, upload=upload, direction="adult_to_child")
    upload = SimpleUploadedFile("me.jpg", astronaut_jpeg, content_type="image/jpeg")
    theirs, _ = services.generation_create(
        owner=other_user, upload=upload, direction="adult_to_child"
    )
    expires = timezone.now() + timedelta(days=7)
    link = ShareLink.objects.create(generation=mine, token_hash="a" * 64, expires_at=expires)
    ShareLink.objects.create(generation=theirs, token_hash="b" * 64, expires_at=expires)

    export = auth_api_client.get("/api/generations/export")

    archive = zipfile.ZipFile(io.BytesIO(b"".join(export.streaming_content)))
    raw = archive.read("account.json").decode()
    account = json.loads(raw)
    assert account["generator_preferences"]["direction"] == "female_to_male"
    assert account["generator_preferences"]["journey_frames"] == 8
    assert [item["id"] for item in account["share_links"]] == [str(link.pk)]
    shared = account["share_links"][0]
    assert shared["generation_id"] == str(mine.pk)
    assert shared["revoked_at"] is None and shared["expires_at"]
    assert "a" * 64 not in raw and "token" not in raw
