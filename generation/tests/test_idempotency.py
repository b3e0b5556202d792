"""Idempotency-Key on create: the same request replays its job, a different one is refused."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from generation.models import Direction, Generation
from tests.support import encode

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("queued_only")]


def post(client, photo: bytes, key: str, **fields):
    fields.setdefault("direction", Direction.MALE_TO_FEMALE)
    payload = {"file": SimpleUploadedFile("me.jpg", photo, content_type="image/jpeg"), **fields}
    return client.post(
        "/api/generate", payload, format="multipart", headers={"Idempotency-Key": key}
    )


def test_the_same_request_again_replays_the_first_job_with_200(auth_api_client, astronaut_jpeg):
    first = post(auth_api_client, astronaut_jpeg, "k-1", variants=2, strength=0.5)
    again = post(auth_api_client, astronaut_jpeg, "k-1", variants=2, strength=0.5)

    assert (first.status_code, again.status_code) == (202, 200)
    assert again.json()["id"] == first.json()["id"]
    assert Generation.objects.count() == 1


def test_the_same_key_with_other_settings_is_refused_with_409(auth_api_client, astronaut_jpeg):
    post(auth_api_client, astronaut_jpeg, "k-2", variants=2)

    response = post(auth_api_client, astronaut_jpeg, "k-2", variants=3, strength=0.2)

    assert response.status_code == 409, response.content
    body = response.json()
    assert body["code"] == "idempotency_key_reused"
    assert set(body["fields"]) == {"variants", "strength"}
    assert Generation.objects.count() == 1


def test_the_same_key_with_another_photo_is_refused_with_409(
    auth_api_client, astronaut_jpeg, media_root
):
    post(auth_api_client, astronaut_jpeg, "k-3")
    other_photo = encode(Image.new("RGB", (300, 300), (200, 120, 90)), "JPEG")

    response = post(auth_api_client, other_photo, "k-3")

    assert response.status_code == 409
    assert set(response.json()["fields"]) == {"file"}
    assert Generation.objects.count() == 1


def test_a_key_is_only_mine(auth_api_client, astronaut_jpeg, other_user, api_login):
    from rest_framework.test import APIClient

    post(auth_api_client, astronaut_jpeg, "shared-key", variants=2)
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Bearer {api_login(other_user)['access']}")

    response = post(other, astronaut_jpeg, "shared-key", variants=5)

    assert response.status_code == 202
    assert Generation.objects.count() == 2
