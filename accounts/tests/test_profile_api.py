from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import Profile

pytestmark = pytest.mark.django_db


def years_ago(years: int, days: int = 0) -> str:
    today = timezone.localdate()
    return (today.replace(year=today.year - years) - dt.timedelta(days=days)).isoformat()


def test_profile_starts_empty(auth_api_client):
    response = auth_api_client.get("/api/profile")

    assert response.status_code == 200
    body = response.json()
    assert (body["full_name"], body["position"], body["date_of_birth"]) == ("", "", None)


@pytest.mark.parametrize(
    "changes",
    [
        {"full_name": "Zoë O'Neil-Brontë"},
        {"full_name": "Владимир Набоков"},
        {"full_name": "李小龙"},
        {"full_name": "محمد علي"},
        {"full_name": "Jo"},
        {"full_name": "A" * 150},
        {"full_name": ""},
        {"position": "Research engineer"},
        {"position": "x" * 100},
        {"date_of_birth": years_ago(13)},
        {"date_of_birth": years_ago(120)},
        {"date_of_birth": None},
    ],
)
def test_patch_accepts_valid_values(auth_api_client, user, changes):
    response = auth_api_client.patch("/api/profile", changes, format="json")

    assert response.status_code == 200, response.json()
    profile = Profile.objects.get(user=user)
    for field, value in changes.items():
        stored = getattr(profile, field)
        assert (stored.isoformat() if isinstance(stored, dt.date) else stored) == value


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"full_name": "J"}, "full_name"),
        ({"full_name": "A" * 151}, "full_name"),
        ({"full_name": "R2-D2"}, "full_name"),
        ({"full_name": "Robert'); DROP TABLE--"}, "full_name"),
        ({"full_name": "Anna 🙂"}, "full_name"),
        ({"full_name": "---"}, "full_name"),
        ({"position": "x" * 101}, "position"),
        ({"date_of_birth": "2999-01-01"}, "date_of_birth"),
        ({"date_of_birth": years_ago(12, days=-1)}, "date_of_birth"),
        ({"date_of_birth": years_ago(121, days=1)}, "date_of_birth"),
        ({"date_of_birth": "31/12/1990"}, "date_of_birth"),
        ({"date_of_birth": "not a date"}, "date_of_birth"),
    ],
)
def test_patch_rejects_invalid_values_and_writes_nothing(auth_api_client, user, changes, field):
    Profile.objects.filter(user=user).update(full_name="Alice Original", position="Before")

    response = auth_api_client.patch(
        "/api/profile", {**changes, "position": changes.get("position", "After")}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert field in response.json()["fields"]
    profile = Profile.objects.get(user=user)
    assert (profile.full_name, profile.position) == ("Alice Original", "Before")


def test_patch_changes_only_the_fields_sent(auth_api_client, user):
    auth_api_client.patch("/api/profile", {"full_name": "Alice Liddell"}, format="json")
    auth_api_client.patch("/api/profile", {"position": "Explorer"}, format="json")

    profile = Profile.objects.get(user=user)
    assert (profile.full_name, profile.position) == ("Alice Liddell", "Explorer")


def test_profile_user_and_stats_are_always_the_callers_own(auth_api_client, user, other_user):
    Profile.objects.filter(user=other_user).update(full_name="Bob Secret")

    auth_api_client.patch("/api/profile", {"full_name": "Alice Mine"}, format="json")

    assert auth_api_client.get("/api/profile").json()["full_name"] == "Alice Mine"
    assert auth_api_client.get("/api/user").json()["username"] == "alice"
    assert Profile.objects.get(user=other_user).full_name == "Bob Secret"
    # No endpoint takes a user id: there is simply no way to address Bob's data.
    assert auth_api_client.get(f"/api/profile/{other_user.id}").status_code == 404


def test_profile_needs_a_token(api_client):
    assert api_client.get("/api/profile").status_code == 401
    assert api_client.patch("/api/profile", {}, format="json").status_code == 401


def test_user_made_by_createsuperuser_gets_an_empty_profile(api_client, api_login):
    from accounts.models import User

    root = User.objects.create_superuser("rooty", "rooty@example.com", "correct-horse-battery-42")
    tokens = api_login(root)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")

    assert api_client.get("/api/profile").json()["full_name"] == ""
    assert api_client.get("/api/stats").json()["usage_count"] == 0
