"""Share links: public, expiring, revocable, hashed, and only ever for one's own results."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from generation.models import ShareLink

pytestmark = pytest.mark.django_db


def share(auth_api_client, generation, **data):
    return auth_api_client.post(
        f"/api/generations/{generation.pk}/share-links", data, format="json"
    )


def token_path(url: str) -> str:
    return url[url.index("/s/") :]


def test_anyone_can_open_a_shared_result_without_an_account(
    make_generation, user, auth_api_client, client
):
    generation = make_generation(owner=user, run=True)

    created = share(auth_api_client, generation, with_before=True)

    assert created.status_code == 201, created.content
    page = client.get(token_path(created.json()["url"]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'property="og:image"' in html
    assert user.username not in html and user.email not in html
    after = client.get(token_path(created.json()["url"]) + "image/after/")
    assert after.status_code == 200
    assert b"".join(after.streaming_content)[:3] == b"\xff\xd8\xff"
    assert client.get(token_path(created.json()["url"]) + "image/before/").status_code == 200


def test_the_token_is_stored_hashed(make_generation, user, auth_api_client):
    generation = make_generation(owner=user, run=True)

    url = share(auth_api_client, generation).json()["url"]

    token = url.rstrip("/").rsplit("/", 1)[1]
    assert len(token) >= 40
    assert not ShareLink.objects.filter(token_hash=token).exists()


def test_a_revoked_link_answers_404_at_once(make_generation, user, auth_api_client, client):
    generation = make_generation(owner=user, run=True)
    created = share(auth_api_client, generation).json()
    path = token_path(created["url"])
    assert client.get(path).status_code == 200

    assert auth_api_client.delete(f"/api/share-links/{created['id']}").status_code == 204

    assert client.get(path).status_code == 404
    assert client.get(path + "image/after/").status_code == 404


def test_an_expired_link_answers_404(make_generation, user, auth_api_client, client):
    generation = make_generation(owner=user, run=True)
    created = share(auth_api_client, generation).json()
    ShareLink.objects.filter(pk=created["id"]).update(expires_at=timezone.now() - timedelta(1))

    assert client.get(token_path(created["url"])).status_code == 404


def test_deleting_the_generation_kills_its_links(make_generation, user, auth_api_client, client):
    generation = make_generation(owner=user, run=True)
    created = share(auth_api_client, generation).json()

    generation.delete()

    assert client.get(token_path(created["url"])).status_code == 404
    assert not ShareLink.objects.exists()


def test_another_users_generation_can_never_be_shared(make_generation, user, other_user, api_login):
    generation = make_generation(owner=user, run=True)
    intruder = APIClient()
    intruder.credentials(HTTP_AUTHORIZATION=f"Bearer {api_login(other_user)['access']}")

    assert share(intruder, generation).status_code == 404
    assert not ShareLink.objects.exists()


def test_another_user_cannot_revoke_a_link(
    make_generation, user, other_user, auth_api_client, api_login
):
    generation = make_generation(owner=user, run=True)
    created = share(auth_api_client, generation).json()
    intruder = APIClient()
    intruder.credentials(HTTP_AUTHORIZATION=f"Bearer {api_login(other_user)['access']}")

    assert intruder.delete(f"/api/share-links/{created['id']}").status_code == 404
    assert ShareLink.objects.get(pk=created["id"]).revoked_at is None


def test_the_public_page_is_rate_limited(make_generation, user, auth_api_client, client, settings):
    from rest_framework.settings import api_settings

    generation = make_generation(owner=user, run=True)
    path = token_path(share(auth_api_client, generation).json()["url"])
    rates = {**api_settings.DEFAULT_THROTTLE_RATES, "share": "2/min"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}

    statuses = [client.get(path).status_code for _ in range(3)]

    assert statuses == [200, 200, 429]
