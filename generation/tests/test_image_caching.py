"""Private HTTP caching of images: strong ETag, immutable names, 304 on a repeated view."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_a_repeated_view_of_a_result_answers_304(make_generation, user, auth_client):
    generation = make_generation(owner=user, run=True)
    url = f"/generate/{generation.pk}/image/composite/0/"

    first = auth_client.get(url)
    assert first.status_code == 200
    assert first["Cache-Control"] == "private, max-age=31536000, immutable"
    etag = first["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")

    again = auth_client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag


def test_another_persons_etag_is_no_key_to_their_image(make_generation, user, other_user, client):
    generation = make_generation(owner=user, run=True)
    url = f"/generate/{generation.pk}/image/composite/0/"
    client.force_login(other_user)

    assert client.get(url, HTTP_IF_NONE_MATCH="*").status_code == 404


def test_the_api_answers_304_too(make_generation, user, auth_api_client):
    generation = make_generation(owner=user, run=True)
    url = f"/api/generations/{generation.pk}/results/0"

    first = auth_api_client.get(url)
    assert first.status_code == 200
    assert auth_api_client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
