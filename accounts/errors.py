"""Domain errors raised by accounts services, each with a stable code."""

from __future__ import annotations

from lightsb_site.api_errors import DomainError


class InvalidCredentials(DomainError):
    code = "invalid_credentials"
    status = 401
    # One message for a wrong password, an unknown account and an inactive one: no enumeration.
    message = "The email/username or password is incorrect."


class LockedOut(DomainError):
    code = "locked_out"
    status = 429
    message = "Too many failed log-in attempts. Try again later."

    def __init__(self, *, retry_after: int):
        minutes = max(1, -(-retry_after // 60))
        unit = "minute" if minutes == 1 else "minutes"
        super().__init__(
            f"Too many failed log-in attempts. Try again in {minutes} {unit}.",
            retry_after=retry_after,
        )
        self.retry_after = retry_after


class DuplicateUser(DomainError):
    code = "duplicate_user"
    status = 409

    def __init__(self, *, field: str):
        label = "email address" if field == "email" else "username"
        super().__init__(f"An account with this {label} already exists.", field=field)
        self.field = field


class TokenInvalid(DomainError):
    code = "token_invalid"
    status = 401
    message = "The token is invalid or expired."


class RefreshTokenMissing(DomainError):
    code = "not_authenticated"
    status = 401
    message = "Send a refresh token in the body or its cookie."


class TokenReused(DomainError):
    code = "token_reused"
    status = 401
    message = (
        "This refresh token was already used. The login session has been ended for safety; "
        "please log in again."
    )


class SessionRevoked(DomainError):
    code = "session_revoked"
    status = 401
    message = "This login session has ended; please log in again."


class SessionNotFound(DomainError):
    code = "not_found"
    status = 404
    message = "No such session."


class WrongPassword(DomainError):
    code = "wrong_password"
    status = 400
    message = "The current password is incorrect."
