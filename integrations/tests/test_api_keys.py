"""API keys: made once, stored hashed, scoped, limited per key, revoked at once."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from generation.models import Direction, Generation
from integrations.models import ApiKey
from integrations.services import api_key_create

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("queued_only")]


def key_client(raw_key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw_key}")
    return client


def upload(client: APIClient, photo: bytes, headers=None):
    payload = {
        "file": SimpleUploadedFile("me.jpg", photo, content_type="image/jpeg"),
        "direction": Direction.MALE_TO_FEMALE,
    }
    return client.post("/api/generate", payload, format="multipart", headers=headers or {})


def test_a_key_made_through_the_api_is_shown_once_and_stored_hashed(auth_api_client):
    response = auth_api_client.post(
        "/api/keys", {"name": "script", "scopes": ["read", "generate"]}, format="json"
    )

    assert response.status_code == 201, response.content
    raw_key = response.json()["key"]
    stored = ApiKey.objects.get(id=response.json()["id"])
    assert stored.secret_hash == hashlib.sha256(raw_key.encode()).hexdigest()
    assert raw_key not in str(ApiKey.objects.values().get(id=stored.id))
    listed = auth_api_client.get("/api/keys").json()
    assert [item["name"] for item in listed] == ["script"]
    assert "key" not in listed[0]
    assert listed[0]["scopes"] == ["generate", "read"]


def test_a_key_with_generate_can_upload_and_read_its_job(user, astronaut_jpeg):
    _, raw_key = api_key_create(owner=user, name="k", scopes=["generate", "read"])
    client = key_client(raw_key)

    created = upload(client, astronaut_jpeg)

    assert created.status_code == 202, created.content
    assert client.get(f"/api/generations/{created.json()['id']}").status_code == 200
    assert client.get("/api/stats").status_code == 200


def test_a_read_only_key_gets_403_scope_missing_on_generate(user, astronaut_jpeg):
    _, raw_key = api_key_create(owner=user, name="reader", scopes=["read"])

    response = upload(key_client(raw_key), astronaut_jpeg)

    assert response.status_code == 403
    assert response.json()["code"] == "scope_missing"
    assert not Generation.objects.exists()


def test_delete_needs_the_delete_scope(user, astronaut_jpeg):
    _, writer = api_key_create(owner=user, name="w", scopes=["generate", "read"])
    job_id = upload(key_client(writer), astronaut_jpeg).json()["id"]

    refused = key_client(writer).delete(f"/api/generations/{job_id}")
    _, deleter = api_key_create(owner=user, name="d", scopes=["delete"])
    accepted = key_client(deleter).delete(f"/api/generations/{job_id}")

    assert refused.status_code == 403 and refused.json()["code"] == "scope_missing"
    assert accepted.status_code == 204, accepted.content


def test_a_revoked_key_gets_401_at_once(auth_api_client, user):
    key, raw_key = api_key_create(owner=user, name="k", scopes=["read"])
    assert key_client(raw_key).get("/api/generations").status_code == 200

    revoked = auth_api_client.delete(f"/api/keys/{key.id}")
    response = key_client(raw_key).get("/api/generations")

    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert response.status_code == 401
    assert response.json()["code"] == "api_key_invalid"


def test_a_wrong_secret_with_a_real_prefix_is_refused(user):
    _, raw_key = api_key_create(owner=user, name="k", scopes=["read"])

    response = key_client(raw_key[:-2] + "xx").get("/api/generations")

    assert response.status_code == 401


def test_keys_cannot_manage_keys_or_the_account(user):
    _, raw_key = api_key_create(owner=user, name="k", scopes=["generate", "read", "delete"])
    client = key_client(raw_key)

    for response in (
        client.get("/api/keys"),
        client.post("/api/keys", {"name": "x", "scopes": ["read"]}, format="json"),
        client.get("/api/user"),
        client.delete("/api/user", {"password": "x"}, format="json"),
    ):
        assert response.status_code == 403
        assert response.json()["code"] == "api_key_not_allowed"


def test_a_key_has_its_own_daily_limit(user, astronaut_jpeg):
    _, raw_key = api_key_create(owner=user, name="k", scopes=["generate"], daily_limit=1)
    client = key_client(raw_key)

    first = upload(client, astronaut_jpeg)
    second = upload(client, astronaut_jpeg)

    assert first.status_code == 202
    assert second.status_code == 429
    assert second.json()["code"] == "api_key_limit_reached"
    assert Generation.objects.count() == 1


def test_an_idempotent_replay_does_not_spend_the_keys_limit(user, astronaut_jpeg):
    _, raw_key = api_key_create(owner=user, name="k", scopes=["generate"], daily_limit=1)
    client = key_client(raw_key)

    first = upload(client, astronaut_jpeg, headers={"Idempotency-Key": "abc"})
    replay = upload(client, astronaut_jpeg, headers={"Idempotency-Key": "abc"})

    assert (first.status_code, replay.status_code) == (202, 200)


def test_the_account_quota_still_applies_to_keys(user, astronaut_jpeg, settings):
    settings.GENERATION_DAILY_LIMIT = 1
    _, raw_key = api_key_create(owner=user, name="k", scopes=["generate"], daily_limit=10)
    client = key_client(raw_key)

    upload(client, astronaut_jpeg)
    response = upload(client, astronaut_jpeg)

    assert response.status_code == 429
    assert response.json()["code"] == "daily_limit_reached"


def test_last_use_is_written_at_most_once_a_minute(user, django_assert_num_queries):
    key, raw_key = api_key_create(owner=user, name="k", scopes=["read"])
    client = key_client(raw_key)
    client.get("/api/stats")
    key.refresh_from_db()
    first_use = key.last_used_at

    client.get("/api/stats")
    key.refresh_from_db()
    assert key.last_used_at == first_use

    ApiKey.objects.filter(id=key.id).update(last_used_at=timezone.now() - timedelta(minutes=2))
    client.get("/api/stats")
    key.refresh_from_db()
    assert key.last_used_at is not None and key.last_used_at > first_use


def test_deleting_the_account_removes_its_keys(user):
    from accounts.services import user_delete

    api_key_create(owner=user, name="k", scopes=["read"])

    user_delete(user=user)

    assert not ApiKey.objects.exists()


def test_jwt_still_works_next_to_keys(auth_api_client):
    assert auth_api_client.get("/api/generations").status_code == 200


def test_the_keys_page_creates_shows_once_and_revokes(auth_client, user):
    page = auth_client.get("/accounts/profile/")
    assert b"/integrations/keys/" in page.content

    created = auth_client.post(
        "/integrations/keys/", {"name": "laptop", "scopes": ["read"], "daily_limit": ""}
    )
    key = ApiKey.objects.get(owner=user)
    assert created.status_code == 200
    assert f"lsb_{key.prefix}.".encode() in created.content
    assert f"lsb_{key.prefix}.".encode() not in auth_client.get("/integrations/keys/").content

    auth_client.post(f"/integrations/keys/{key.id}/revoke/")
    key.refresh_from_db()
    assert key.revoked_at is not None


def test_another_persons_key_cannot_be_revoked(auth_api_client, other_user):
    key, _ = api_key_create(owner=other_user, name="theirs", scopes=["read"])

    response = auth_api_client.delete(f"/api/keys/{key.id}")

    assert response.status_code == 404
    key.refresh_from_db()
    assert key.revoked_at is None
