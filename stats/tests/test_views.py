from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from lightsb_site.formatting import format_duration
from stats.selectors import format_ago
from stats.services import usage_stats_record

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (1.4, "1.4 s"),
        (0.04, "0.0 s"),
        (9.96, "10.0 s"),
        (42.4, "42 s"),
        (60, "1 min"),
        (75, "1 min 15 s"),
        (3720, "1 h 2 min"),
        (None, "—"),
    ],
)
def test_durations_read_like_a_person_would_say_them(seconds, text):
    assert format_duration(seconds) == text


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(seconds=5), "just now"),
        (timedelta(seconds=50), "1 minute ago"),
        (timedelta(minutes=5), "5 minutes ago"),
        (timedelta(hours=1), "1 hour ago"),
        (timedelta(hours=23, minutes=59), "23 hours ago"),
        (timedelta(days=3), "3 days ago"),
        (timedelta(days=65), "2 months ago"),
        (timedelta(days=800), "2 years ago"),
    ],
)
def test_moments_read_as_time_ago(delta, text):
    assert format_ago(NOW - delta, now=NOW) == text


def test_never_used_reads_never():
    assert format_ago(None) == "never"


@pytest.mark.django_db
def test_my_statistics_page_shows_human_readable_figures(auth_client, user):
    usage_stats_record(
        user=user,
        images_count=4,
        processing_seconds=1.4,
        used_at=timezone.now() - timedelta(days=3, minutes=1),
    )

    response = auth_client.get("/stats/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "1.4 s" in html
    assert "3 days ago" in html
    assert ">4<" in html


@pytest.mark.django_db
def test_my_statistics_page_for_a_new_user(auth_client):
    html = auth_client.get("/stats/").content.decode()

    assert "never" in html
    assert "No generations yet" in html


@pytest.mark.django_db
def test_stats_api_returns_only_the_callers_figures(auth_api_client, user, other_user):
    usage_stats_record(user=user, images_count=2, processing_seconds=3.0)
    usage_stats_record(user=other_user, images_count=9, processing_seconds=9.0)

    response = auth_api_client.get("/api/stats")

    assert response.status_code == 200
    body = response.json()
    assert (body["usage_count"], body["images_count"]) == (1, 2)
    assert body["avg_processing_seconds"] == pytest.approx(3.0)
    assert body["last_used_at"]


@pytest.mark.django_db
def test_stats_api_needs_a_token(api_client):
    assert api_client.get("/api/stats").status_code == 401
