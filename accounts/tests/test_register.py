from __future__ import annotations

import threading

import pytest
from django.db import IntegrityError, connection

from accounts.errors import DuplicateUser
from accounts.models import Profile, User
from accounts.services import user_register
from stats.models import UsageStats

REGISTER = "/api/auth/register"
GOOD = {
    "username": "carol",
    "email": "Carol@Example.com",
    "password": "plum-orchard-1987",
    "password_confirm": "plum-orchard-1987",
}


def register(client, **changes):
    return client.post(REGISTER, {**GOOD, **changes}, format="json")


@pytest.mark.django_db
class TestApiRegistration:
    def test_it_creates_user_profile_and_stats_and_answers_201(self, api_client):
        response = register(api_client)

        assert response.status_code == 201
        user = User.objects.get()
        assert response.json() == {
            "user_id": str(user.id),
            "username": "carol",
            "email": "carol@example.com",
        }
        assert user.email == "carol@example.com"  # stored lower-cased
        assert user.check_password("plum-orchard-1987")
        assert user.password.startswith("md5$") or user.password.startswith("argon2")
        assert Profile.objects.filter(user=user).exists()
        assert UsageStats.objects.get(user=user).usage_count == 0
        assert user.role == "user" and not user.is_staff and not user.is_superuser

    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            ({"password_confirm": "plum-orchard-1988"}, "password_confirm"),
            ({"password": "short1", "password_confirm": "short1"}, "password"),
            ({"password": "password123", "password_confirm": "password123"}, "password"),
            ({"password": "1234567890123", "password_confirm": "1234567890123"}, "password"),
            (
                {
                    "username": "carolina1",
                    "password": "carolina12",
                    "password_confirm": "carolina12",
                },
                "password",
            ),
            ({"email": "not-an-email"}, "email"),
            ({"email": "a@b"}, "email"),
            ({"email": ""}, "email"),
            ({"username": "ab"}, "username"),
            ({"username": "has space"}, "username"),
            ({"username": "name@domain"}, "username"),
            ({"username": "-leading"}, "username"),
            ({"username": "x" * 31}, "username"),
            ({"username": ""}, "username"),
        ],
    )
    def test_bad_input_is_a_400_naming_the_field(self, api_client, changes, field):
        response = register(api_client, **changes)

        assert response.status_code == 400
        body = response.json()
        assert body["code"] == "invalid"
        assert field in body["fields"], body
        assert not User.objects.exists()

    def test_missing_fields_are_each_reported(self, api_client):
        response = api_client.post(REGISTER, {}, format="json")

        assert response.status_code == 400
        assert set(response.json()["fields"]) == {
            "username",
            "email",
            "password",
            "password_confirm",
        }

    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            ({"username": "CAROL", "email": "other@example.com"}, "username"),
            ({"username": "carol2", "email": "CAROL@example.COM"}, "email"),
        ],
    )
    def test_a_taken_username_or_email_in_any_case_is_409(self, api_client, changes, field):
        assert register(api_client).status_code == 201

        response = register(api_client, **changes)

        assert response.status_code == 409
        assert response.json()["code"] == "duplicate_user"
        assert response.json()["field"] == field
        assert User.objects.count() == 1

    def test_a_json_body_that_is_not_an_object_is_400(self, api_client):
        response = api_client.post(REGISTER, "[1, 2]", content_type="application/json")

        assert response.status_code == 400

    def test_registration_is_throttled(self, api_client, throttle_rates):
        throttle_rates(register="2/hour")
        statuses = [register(api_client, username=f"u{i}xx").status_code for i in range(3)]
        throttled = api_client.post(REGISTER, {}, format="json")

        assert statuses == [201, 409, 429]
        assert throttled.status_code == 429
        assert throttled.json()["code"] == "throttled"
        assert throttled.json()["retry_after"] > 0


@pytest.mark.django_db
class TestRegisterService:
    def test_database_constraints_catch_case_variants_that_skip_the_check(self):
        user_register(username="dave", email="dave@example.com", password="plum-orchard-1987")

        with pytest.raises(IntegrityError):
            User.objects.create(username="DAVE", email="x@example.com")

    def test_nothing_is_left_behind_when_stats_creation_fails(self, monkeypatch):
        def boom(**kwargs):
            raise RuntimeError("disk full")

        monkeypatch.setattr(UsageStats.objects, "create", boom)

        with pytest.raises(RuntimeError):
            user_register(username="erin", email="erin@example.com", password="plum-orchard-1987")

        assert not User.objects.exists()
        assert not Profile.objects.exists()

    def test_a_lost_race_is_reported_as_a_duplicate(self, monkeypatch):
        user_register(username="frank", email="frank@example.com", password="plum-orchard-1987")
        # Simulate the check running before a concurrent insert committed.
        monkeypatch.setattr("accounts.services._duplicate_field", _first_none_then_real())

        with pytest.raises(DuplicateUser) as caught:
            user_register(username="FRANK", email="f2@example.com", password="plum-orchard-1987")

        assert caught.value.field == "username"


def _first_none_then_real():
    from accounts import services

    real = services._duplicate_field
    calls = {"n": 0}

    def fake(**kwargs):
        calls["n"] += 1
        return None if calls["n"] == 1 else real(**kwargs)

    return fake


@pytest.mark.django_db(transaction=True)
def test_concurrent_registrations_of_one_name_create_one_user():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL for real concurrency (set DATABASE_URL)")
    barrier = threading.Barrier(6)
    outcomes: list[str] = []

    def worker(number: int):
        try:
            barrier.wait()
            try:
                user_register(
                    username="Grace" if number % 2 else "grace",
                    email=f"grace{number}@example.com",
                    password="plum-orchard-1987",
                )
                outcomes.append("created")
            except DuplicateUser:
                outcomes.append("duplicate")
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["created"] + ["duplicate"] * 5
    assert User.objects.count() == 1
    assert Profile.objects.count() == UsageStats.objects.count() == 1
