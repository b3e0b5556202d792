"""JWT pairs bound to a LoginSession.

Every token carries ``sid`` (its login session) and ``pwd`` (a keyed fingerprint of the
password hash), so a token stops working when its session is revoked or the password changes.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.utils import datetime_from_epoch

SESSION_CLAIM = "sid"
PASSWORD_CLAIM = "pwd"  # noqa: S105 (a claim name, not a password)


class SessionRefreshToken(RefreshToken):
    """A refresh token whose rotation state lives in LoginSession.

    simplejwt's blacklist check is skipped on purpose: a rotated token must be recognised as
    *reused* (and its whole session revoked), not rejected like any other bad token.
    """

    def check_blacklist(self) -> None:
        return None


@dataclass(frozen=True)
class TokenPair:
    access: str
    refresh: str
    jti: str
    access_expires_at: datetime
    refresh_expires_at: datetime


def password_fingerprint(user) -> str:
    """Short keyed digest of the password hash; changes whenever the password does."""
    return salted_hmac(
        "accounts.tokens.password_fingerprint", user.password, algorithm="sha256"
    ).hexdigest()[:16]


def password_fingerprint_matches(user, value: object) -> bool:
    return isinstance(value, str) and constant_time_compare(password_fingerprint(user), value)


def refresh_lifetime(*, remember_me: bool) -> timedelta:
    if remember_me:
        return settings.REFRESH_REMEMBER_ME_LIFETIME
    return cast(timedelta, settings.SIMPLE_JWT["REFRESH_TOKEN_LIFETIME"])


def token_pair_issue(*, user, session_id: uuid.UUID, remember_me: bool) -> TokenPair:
    """Sign a new refresh/access pair for ``session_id`` and record the refresh token."""
    refresh = SessionRefreshToken()
    lifetime = refresh_lifetime(remember_me=remember_me)
    refresh.set_exp(from_time=refresh.current_time, lifetime=lifetime)
    refresh[str(settings.SIMPLE_JWT["USER_ID_CLAIM"])] = str(user.id)
    refresh[SESSION_CLAIM] = str(session_id)
    refresh[PASSWORD_CLAIM] = password_fingerprint(user)
    access = refresh.access_token
    encoded_refresh = str(refresh)
    refresh_expires_at = datetime_from_epoch(refresh["exp"])
    # Kept so the token shows up in simplejwt's outstanding/blacklist admin pages.
    OutstandingToken.objects.create(
        user=user,
        jti=refresh["jti"],
        token=encoded_refresh,
        created_at=refresh.current_time,
        expires_at=refresh_expires_at,
    )
    return TokenPair(
        access=str(access),
        refresh=encoded_refresh,
        jti=refresh["jti"],
        access_expires_at=datetime_from_epoch(access["exp"]),
        refresh_expires_at=refresh_expires_at,
    )


def parse_uuid(value: object) -> uuid.UUID | None:
    if not isinstance(value, str):
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None
