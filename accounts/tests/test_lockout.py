from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.test import Client

from accounts.lockout import lockout_identifier, normalise_identifier

pytestmark = pytest.mark.django_db

LOGIN = "/api/auth/login"
ATTACKER = "198.51.100.1"
HOME_IP = "203.0.113.50"


def api_login(client, identifier, password, ip=ATTACKER):
    return client.post(
        LOGIN, {"identifier": identifier, "password": password}, format="json", REMOTE_ADDR=ip
    )


def fail(client, identifier, times, ip=ATTACKER):
    return [api_login(client, identifier, "wrong-password-9", ip).status_code for _ in range(times)]


def test_fifth_failure_locks_the_pair_and_even_the_right_password_gets_429(
    api_client, user, password
):
    statuses = fail(api_client, "alice", 5)
    response = api_login(api_client, "alice", password)

    assert statuses == [401, 401, 401, 401, 429]
    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "locked_out"
    assert 14 * 60 < body["retry_after"] <= 15 * 60
    assert "Try again in 15 minutes" in body["message"]
    assert response["Retry-After"] == str(body["retry_after"])


def test_four_failures_do_not_lock(api_client, user, password):
    fail(api_client, "alice", 4)

    assert api_login(api_client, "alice", password).status_code == 200


def test_email_and_username_in_any_case_count_against_one_account(api_client, user, password):
    for identifier in ["alice", "ALICE@example.com", "Alice", "alice@EXAMPLE.com", "aLiCe"]:
        api_login(api_client, identifier, "wrong-password-9")

    response = api_login(api_client, "alice@example.com", password)

    assert response.status_code == 429
    assert AccessAttempt.objects.get().username == "alice"


def test_the_real_user_on_another_ip_still_logs_in(api_client, user, password):
    fail(api_client, "alice", 6)

    response = api_login(api_client, "alice", password, ip=HOME_IP)

    assert response.status_code == 200


def test_another_account_from_the_locked_ip_is_not_locked(api_client, user, other_user, password):
    fail(api_client, "alice", 5)

    assert api_login(api_client, "bob", password).status_code == 200


def test_unknown_accounts_lock_the_same_way(api_client):
    statuses = fail(api_client, "Nobody@Example.com", 6)

    assert statuses[-2:] == [429, 429]
    assert AccessAttempt.objects.get().username == "nobody@example.com"


def test_a_successful_login_clears_earlier_failures(api_client, user, password):
    fail(api_client, "alice", 4)
    assert api_login(api_client, "ALICE", password).status_code == 200

    statuses = fail(api_client, "alice", 4)

    assert statuses == [401] * 4


def test_html_login_shows_the_lockout_message_next_to_the_form(user, password):
    client = Client(REMOTE_ADDR=ATTACKER)
    for _ in range(5):
        client.post("/accounts/login/", {"identifier": "alice", "password": "wrong-password-9"})

    response = client.post("/accounts/login/", {"identifier": "alice", "password": password})

    assert response.status_code == 429
    content = response.content.decode()
    assert "Too many failed log-in attempts. Try again in 15 minutes." in content
    assert 'name="identifier"' in content  # still the login page, not a bare error
    assert "_auth_user_id" not in client.session


def test_html_and_api_failures_share_one_counter(api_client, user, password):
    client = Client(REMOTE_ADDR=ATTACKER)
    for _ in range(3):
        client.post("/accounts/login/", {"identifier": "alice", "password": "wrong-password-9"})
    fail(api_client, "alice@example.com", 2)

    assert api_login(api_client, "alice", password).status_code == 429


def test_admin_login_is_behind_the_same_lockout(staff_user, password):
    client = Client(REMOTE_ADDR=ATTACKER)
    for _ in range(5):
        client.post("/admin/login/", {"username": "staffer", "password": "wrong-password-9"})

    response = client.post("/admin/login/", {"username": "staff@example.com", "password": password})

    assert response.status_code == 429
    assert "Too many failed log-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_normalise_identifier_maps_email_and_username_to_the_username(user):
    assert normalise_identifier("ALICE@EXAMPLE.COM") == "alice"
    assert normalise_identifier("  Alice ") == "alice"
    assert normalise_identifier("Stranger") == "stranger"
    assert normalise_identifier(None) == ""


def test_lockout_identifier_reads_the_form_when_no_credentials_are_given(rf, user):
    request = rf.post("/admin/login/", {"username": "Alice@example.com"})

    assert lockout_identifier(request, None) == "alice"
    assert lockout_identifier(rf.get("/"), None) == ""


def test_the_lock_ends_15_minutes_after_the_fifth_failure(api_client, user, password):
    from datetime import timedelta

    from django.utils import timezone

    fail(api_client, "alice", 5)
    first = api_login(api_client, "alice", password).json()["retry_after"]
    api_login(api_client, "alice", "wrong-password-9")  # retrying while locked
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=10))
    later = api_login(api_client, "alice", password).json()["retry_after"]
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=15, seconds=1))

    assert later < first and 4 * 60 < later <= 5 * 60
    assert api_login(api_client, "alice", password).status_code == 200
