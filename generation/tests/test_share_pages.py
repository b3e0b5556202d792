"""The result page's Share controls: make a link (shown once), list the live ones, revoke."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from generation.models import ShareLink

pytestmark = pytest.mark.django_db


@pytest.fixture
def finished(make_generation, user):
    return make_generation(owner=user, run=True)


def share(client, generation, **data):
    return client.post(
        f"/generate/{generation.pk}/share/", {"variant": 0, "days": 7, **data}, follow=True
    )


def shown_link(html: str) -> str:
    return re.search(r'id="share-new-url" value="([^"]+)"', html).group(1)


def test_the_owner_makes_a_link_that_is_shown_once_and_opens_for_anyone(
    finished, auth_client, client
):
    page = share(auth_client, finished, variant=1, days=1, with_before="on")

    assert page.redirect_chain[-1][0] == f"/generate/{finished.pk}/#share"
    html = page.content.decode()
    url = shown_link(html)
    assert "Variant 2 with the before photo" in html  # in the list of active links
    link = ShareLink.objects.get()
    assert (link.variant_index, link.with_before) == (1, True)
    assert link.expires_at - timezone.now() == pytest.approx(
        timedelta(days=1), abs=timedelta(minutes=1)
    )
    public = client.get(url[url.index("/s/") :])
    assert public.status_code == 200
    assert "share-new-url" not in auth_client.get(f"/generate/{finished.pk}/").content.decode()


def test_the_result_page_offers_a_share_control_per_variant(finished, auth_client):
    html = auth_client.get(f"/generate/{finished.pk}/").content.decode()

    assert html.count('class="share-control"') == finished.results.count()
    assert all(f'<option value="{days}"' in html for days in (1, 7, 30))
    assert "No active links" in html


def test_a_revoked_link_404s_at_once_and_leaves_the_list(finished, auth_client, client):
    url = shown_link(share(auth_client, finished).content.decode())
    link = ShareLink.objects.get()

    page = auth_client.post(f"/generate/{finished.pk}/share/{link.pk}/revoke/", follow=True)

    assert "The link was revoked" in page.content.decode()
    assert f"/share/{link.pk}/revoke/" not in page.content.decode()
    assert client.get(url[url.index("/s/") :]).status_code == 404


def test_another_user_can_neither_share_nor_revoke_your_generation(
    finished, auth_client, other_user
):
    stranger = Client()
    stranger.force_login(other_user)
    share(auth_client, finished)
    link = ShareLink.objects.get()

    assert share(stranger, finished).status_code == 404
    assert stranger.post(f"/generate/{finished.pk}/share/{link.pk}/revoke/").status_code == 404
    assert ShareLink.objects.count() == 1
    assert ShareLink.objects.get().revoked_at is None


def test_a_link_of_another_generation_is_not_revoked_through_this_one(
    finished, make_generation, user, auth_client
):
    other = make_generation(owner=user)
    share(auth_client, finished)
    link = ShareLink.objects.get()

    response = auth_client.post(f"/generate/{other.pk}/share/{link.pk}/revoke/")

    assert response.status_code == 404
    assert ShareLink.objects.get().revoked_at is None


def test_a_bad_expiry_or_an_unfinished_job_makes_no_link(
    make_generation, finished, user, auth_client
):
    bad = share(auth_client, finished, days=5).content.decode()
    assert "Pick a variant and how long the link should work." in bad
    queued = make_generation(owner=user)
    not_ready = share(auth_client, queued).content.decode()
    assert "share-new-url" not in not_ready
    assert "This generation has no results yet." in not_ready
    assert share(auth_client, finished, variant=7).status_code == 404  # no such variant
    assert not ShareLink.objects.exists()


def test_making_a_link_needs_the_csrf_token(finished, user):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)

    response = browser.post(f"/generate/{finished.pk}/share/", {"variant": 0, "days": 7})

    assert response.status_code == 403
    assert not ShareLink.objects.exists()
