"""The privacy and retention page quotes the configured periods, not numbers of its own."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from generation.services.sharing import MAX_SHARE_DAYS

pytestmark = pytest.mark.django_db


def test_the_periods_on_the_page_come_from_the_settings(client, settings):
    settings.GENERATION_RETENTION_DAYS = 17
    settings.REFRESH_REMEMBER_ME_LIFETIME = timedelta(days=41)
    settings.SIMPLE_JWT = {**settings.SIMPLE_JWT, "REFRESH_TOKEN_LIFETIME": timedelta(days=9)}

    response = client.get(reverse("retention"))

    html = response.content.decode()
    assert response.status_code == 200
    assert '<span id="retention-days">17</span> days' in html
    assert "9 days (41 with" in html
    assert f"at most {MAX_SHARE_DAYS}" in html


def test_the_page_says_how_to_delete_and_what_the_export_holds(client):
    html = client.get(reverse("retention")).content.decode()

    for words in ("encrypted at rest", "Delete account", "Reset generator settings", "never"):
        assert words in html
    assert "share links" in html and "generator settings" in html


def test_the_footer_and_the_profile_link_to_it(auth_client):
    target = f'href="{reverse("retention")}"'

    assert target in auth_client.get(reverse("home")).content.decode()
    assert target in auth_client.get(reverse("accounts:profile")).content.decode()
