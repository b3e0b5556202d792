"""DRF authentication: a JWT access token that is only as alive as its login session."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from rest_framework import exceptions
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed as JWTAuthenticationFailed
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings

from accounts.models import LoginSession
from accounts.tokens import PASSWORD_CLAIM, SESSION_CLAIM, parse_uuid, password_fingerprint_matches

# Writing last_used_at on every request would turn each read into a write.
LAST_USED_RESOLUTION = timedelta(seconds=60)


def _failed(code: str, message: str) -> exceptions.AuthenticationFailed:
    return exceptions.AuthenticationFailed({"code": code, "message": message})


class SessionBoundJWTAuthentication(JWTAuthentication):
    """Bearer access tokens that carry ``sid``; 401 once that session is gone or revoked.

    Every failure is an ``AuthenticationFailed`` with a stable code, so a malformed, forged,
    expired or orphaned token can only ever produce a 401.
    """

    def authenticate(self, request):
        try:
            return super().authenticate(request)
        except JWTAuthenticationFailed as exc:  # simplejwt's own, with an untidy detail
            raise _failed("token_invalid", "The access token is invalid or expired.") from exc
        except exceptions.AuthenticationFailed:
            raise
        except (TokenError, ValueError, TypeError, UnicodeError) as exc:
            raise _failed("token_invalid", "The access token is invalid or expired.") from exc

    def get_raw_token(self, header: bytes) -> bytes | None:
        try:
            return super().get_raw_token(header)
        except JWTAuthenticationFailed as exc:
            raise _failed(
                "bad_authorization_header", "Use 'Authorization: Bearer <access token>'."
            ) from exc

    def get_validated_token(self, raw_token: bytes):
        try:
            return super().get_validated_token(raw_token)
        except JWTAuthenticationFailed as exc:
            raise _failed("token_invalid", "The access token is invalid or expired.") from exc

    def get_user(self, validated_token):
        user_id = parse_uuid(validated_token.get(api_settings.USER_ID_CLAIM))
        session_id = parse_uuid(validated_token.get(SESSION_CLAIM))
        if user_id is None or session_id is None:
            raise _failed("token_invalid", "The access token is invalid or expired.")
        session = (
            LoginSession.objects.select_related("user")
            .filter(id=session_id, user_id=user_id, kind=LoginSession.Kind.API)
            .first()
        )
        # A deleted user takes their sessions with them (cascade), so this covers deletion too.
        if session is None or session.revoked_at is not None:
            raise _failed("session_revoked", "This login session has ended; please log in again.")
        user = session.user
        if not user.is_active:
            raise _failed("user_inactive", "This account is deactivated.")
        if not password_fingerprint_matches(user, validated_token.get(PASSWORD_CLAIM)):
            raise _failed("password_changed", "The password was changed; please log in again.")
        now = timezone.now()
        if session.last_used_at < now - LAST_USED_RESOLUTION:
            LoginSession.objects.filter(id=session.id).update(last_used_at=now)
        return user
