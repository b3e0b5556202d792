"""Attacks on the JWT layer, replayed against every protected endpoint: all of them are 401.

The accounts tests cover each token rule once on one endpoint; this file checks that no
endpoint (accounts, stats, generation) lets a forged, stale or misused token through, and that
each refusal is the JSON error shape with a ``WWW-Authenticate`` challenge, never a 500.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Callable

import jwt
import pytest
from django.conf import settings
from django.utils import timezone
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

SIGNING_KEY = settings.SIMPLE_JWT["SIGNING_KEY"]

# (method, path) of endpoints that need a token; {id} is a random UUID (must still be 401).
PROTECTED = [
    ("get", "/api/user"),
    ("get", "/api/profile"),
    ("patch", "/api/profile"),
    ("get", "/api/stats"),
    ("get", "/api/auth/sessions"),
    ("post", "/api/auth/sessions/revoke-all"),
    ("delete", "/api/auth/sessions/{id}"),
    ("get", "/api/generations"),
    ("post", "/api/generate"),
    ("get", "/api/generations/{id}"),
    ("delete", "/api/generations/{id}"),
    ("get", "/api/generations/{id}/results/0"),
    ("get", "/api/generations/export"),
]


def b64(data: dict | bytes) -> str:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def claims_of(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def unsigned(token: str, alg: str = "none") -> str:
    """The same claims with ``alg: none`` and no signature."""
    return f"{b64({'alg': alg, 'typ': 'JWT'})}.{b64(claims_of(token))}."


def resigned(token: str, *, key: str = SIGNING_KEY, algorithm: str = "HS256", **changes) -> str:
    return jwt.encode({**claims_of(token), **changes}, key, algorithm=algorithm)


def empty_key_signed(token: str) -> str:
    # PyJWT refuses an empty HMAC key, so sign by hand: some servers accept exactly this.
    signing_input = f"{b64({'alg': 'HS256', 'typ': 'JWT'})}.{b64(claims_of(token))}"
    signature = hmac.new(b"", signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


def revoke_by_logout(client: APIClient, tokens: dict) -> None:
    assert client.post("/api/auth/logout", {"refresh": tokens["refresh"]}).status_code == 204


def revoke_by_session_delete(client: APIClient, tokens: dict) -> None:
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    response = client.delete(f"/api/auth/sessions/{tokens['session_id']}")
    assert response.status_code == 204, response.content


def revoke_all(client: APIClient, tokens: dict) -> None:
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    assert client.post("/api/auth/sessions/revoke-all").status_code == 200


def revoke_by_refresh_reuse(client: APIClient, tokens: dict) -> None:
    # Rotating once and presenting the old refresh token again, after the grace window for
    # parallel refreshes, is treated as theft.
    from datetime import timedelta

    from accounts.models import LoginSession

    assert client.post("/api/auth/refresh", {"refresh": tokens["refresh"]}).status_code == 200
    LoginSession.objects.filter(id=tokens["session_id"]).update(
        rotated_at=timezone.now() - timedelta(seconds=settings.REFRESH_REUSE_GRACE_SECONDS + 1)
    )
    assert client.post("/api/auth/refresh", {"refresh": tokens["refresh"]}).status_code == 401


# Each attack turns a fresh login (its token body) into the Authorization header value. The
# few re-signed with the real key stand for a leaked key: the session binding must still hold.
ACCESS_ATTACKS: dict[str, Callable[[dict], str]] = {
    "alg_none": lambda t: unsigned(t["access"]),
    "alg_none_mixed_case": lambda t: unsigned(t["access"], "nOnE"),
    "alg_hs512_same_key": lambda t: resigned(t["access"], algorithm="HS512"),
    "alg_rs256_header_hmac_signature": lambda t: (
        f"{b64({'alg': 'RS256', 'typ': 'JWT'})}." + ".".join(t["access"].split(".")[1:])
    ),
    "wrong_key": lambda t: resigned(t["access"], key="not-the-signing-key-" * 3),
    "empty_key": lambda t: empty_key_signed(t["access"]),
    "expired": lambda t: resigned(t["access"], exp=int(time.time()) - 60),
    "not_yet_valid": lambda t: resigned(t["access"], nbf=int(time.time()) + 3600),
    "other_users_id": lambda t: resigned(t["access"], user_id=str(uuid.uuid4())),
    "other_session_id": lambda t: resigned(t["access"], sid=str(uuid.uuid4())),
    "stale_password_fingerprint": lambda t: resigned(t["access"], pwd="0" * 16),
    "truncated_signature": lambda t: t["access"][:-6],
    "truncated_in_half": lambda t: t["access"][: len(t["access"]) // 2],
    "header_only": lambda t: t["access"].split(".")[0],
    "signature_stripped": lambda t: t["access"].rsplit(".", 1)[0] + ".",
    "refresh_used_as_access": lambda t: t["refresh"],
}

REVOCATIONS: dict[str, Callable[[APIClient, dict], None]] = {
    "logout": revoke_by_logout,
    "session_deleted": revoke_by_session_delete,
    "revoke_all": revoke_all,
    "refresh_token_reused": revoke_by_refresh_reuse,
}


def assert_refused(response) -> None:
    assert response.status_code == 401, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert isinstance(body.get("code"), str) and body["code"]
    assert isinstance(body.get("message"), str) and body["message"]
    assert response.has_header("WWW-Authenticate")


def call(client: APIClient, method: str, path: str):
    return getattr(client, method)(path.format(id=uuid.uuid4()), format="json")


@pytest.fixture
def tokens(user, api_login) -> dict:
    return api_login(user)


@pytest.mark.parametrize("attack", ACCESS_ATTACKS)
def test_every_protected_endpoint_refuses_a_forged_or_misused_access_token(attack, tokens):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {ACCESS_ATTACKS[attack](tokens)}")

    for method, path in PROTECTED:
        assert_refused(call(client, method, path))


def test_the_untouched_token_is_accepted_so_the_attacks_above_mean_something(tokens):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")

    assert client.get("/api/user").status_code == 200
    assert client.get("/api/generations").status_code == 200
    assert client.get("/api/stats").status_code == 200
    # Re-signing with the real key and algorithm keeps it valid: the forgeries fail on purpose.
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {resigned(tokens['access'])}")
    assert client.get("/api/user").status_code == 200


@pytest.mark.parametrize("revocation", REVOCATIONS)
def test_an_access_token_of_a_revoked_session_is_refused_everywhere(revocation, tokens):
    REVOCATIONS[revocation](APIClient(), tokens)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")

    for method, path in PROTECTED:
        assert_refused(call(client, method, path))


def test_an_access_token_of_a_deleted_user_is_refused(user, tokens):
    user.delete()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")

    for method, path in PROTECTED:
        assert_refused(call(client, method, path))


REFRESH_ATTACKS: dict[str, Callable[[dict], str]] = {
    "alg_none": lambda t: unsigned(t["refresh"]),
    "wrong_key": lambda t: resigned(t["refresh"], key="not-the-signing-key-" * 3),
    "expired": lambda t: resigned(t["refresh"], exp=int(time.time()) - 60),
    "truncated": lambda t: t["refresh"][:-10],
    "access_used_as_refresh": lambda t: t["access"],
    "unknown_session": lambda t: resigned(t["refresh"], sid=str(uuid.uuid4())),
}


@pytest.mark.parametrize("attack", REFRESH_ATTACKS)
def test_the_refresh_endpoint_refuses_forged_refresh_tokens(attack, tokens):
    response = APIClient().post(
        "/api/auth/refresh", {"refresh": REFRESH_ATTACKS[attack](tokens)}, format="json"
    )

    assert response.status_code == 401, response.content
    body = response.json()
    assert body["code"] and body["message"]


def test_a_forged_refresh_cookie_is_refused_like_a_forged_body(tokens):
    client = APIClient()
    client.cookies[settings.REFRESH_COOKIE_NAME] = unsigned(tokens["refresh"])

    response = client.post("/api/auth/refresh", {}, format="json")

    assert response.status_code == 401
    assert response.json()["code"]
