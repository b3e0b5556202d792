from __future__ import annotations

import threading

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher

from accounts import hashers
from accounts.errors import HashingBusy
from accounts.hashers import HashingGate, LightSBArgon2PasswordHasher

pytestmark = pytest.mark.django_db

LOGIN_API = "/api/auth/login"
LOGIN_PAGE = "/accounts/login/"


@pytest.fixture
def argon2(settings):
    settings.PASSWORD_HASHERS = ["accounts.hashers.LightSBArgon2PasswordHasher"]


def use_gate(monkeypatch, gate: HashingGate) -> HashingGate:
    monkeypatch.setattr(hashers, "hashing_gate", lambda: gate)
    return gate


def saturate(monkeypatch) -> HashingGate:
    gate = use_gate(monkeypatch, HashingGate(limit=1, wait_seconds=0.01))
    gate._slots.acquire()  # another request's hash holds the only slot
    return gate


def test_hashes_beyond_the_limit_wait_their_turn_instead_of_running_at_once(monkeypatch):
    gate = use_gate(monkeypatch, HashingGate(limit=2, wait_seconds=30))
    hasher = LightSBArgon2PasswordHasher()
    start = threading.Barrier(6)
    encoded: dict[str, str] = {}

    def register(password: str) -> None:
        start.wait()
        encoded[password] = hasher.encode(password, hasher.salt())

    passwords = [f"password-{index}" for index in range(6)]
    threads = [threading.Thread(target=register, args=(password,)) for password in passwords]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert gate.peak == 2
    assert sorted(encoded) == passwords
    assert all(hasher.verify(password, encoded[password]) for password in passwords)


def test_the_hasher_uses_owasp_argon2id_parameters_with_one_lane():
    hasher = LightSBArgon2PasswordHasher()

    encoded = hasher.encode("correct horse battery", hasher.salt())

    assert encoded.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")


def test_a_hash_that_would_wait_too_long_raises_hashing_busy(monkeypatch):
    saturate(monkeypatch)
    hasher = LightSBArgon2PasswordHasher()

    with pytest.raises(HashingBusy) as caught:
        hasher.encode("correct horse battery", hasher.salt())

    assert caught.value.code == "hashing_busy"
    assert caught.value.retry_after >= 1


def test_api_login_answers_503_hashing_busy_with_retry_after(
    argon2, monkeypatch, api_client, user, password
):
    saturate(monkeypatch)

    response = api_client.post(
        LOGIN_API, {"identifier": "alice", "password": password}, format="json"
    )

    assert response.status_code == 503
    assert response["Retry-After"] == "1"
    body = response.json()
    assert body["code"] == "hashing_busy"
    assert "try again" in body["message"].lower()


def test_login_page_answers_a_friendly_503_page_when_hashing_is_busy(
    argon2, monkeypatch, client, user, password
):
    saturate(monkeypatch)

    response = client.post(LOGIN_PAGE, {"identifier": "alice", "password": password})

    assert response.status_code == 503
    assert response["Retry-After"] == "1"
    assert b"Many people are signing in right now" in response.content
    assert "_auth_user_id" not in client.session


def test_a_password_hashed_with_the_old_parameters_is_upgraded_at_log_in(
    argon2, api_client, user, password
):
    user.password = Argon2PasswordHasher().encode(password, Argon2PasswordHasher().salt())
    user.save(update_fields=["password"])
    assert "m=102400,t=2,p=8" in user.password

    response = api_client.post(
        LOGIN_API, {"identifier": "alice", "password": password}, format="json"
    )

    assert response.status_code == 200
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert user.check_password(password)
