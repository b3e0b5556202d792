"""Domain errors raised by accounts services, each with a stable code."""

from __future__ import annotations

from lightsb_site.api_errors import DomainError


def _attempts_left_sentence(attempts_left: int, what: str, pause_minutes: int) -> str:
    unit = "attempt" if attempts_left == 1 else "attempts"
    minutes = "minute" if pause_minutes == 1 else "minutes"
    return f"{attempts_left} {unit} left before {what} is paused for {pause_minutes} {minutes}."


class InvalidCredentials(DomainError):
    code = "invalid_credentials"
    status = 401
    # One message for a wrong password, an unknown account and an inactive one: no enumeration.
    # The attempts left count the (identifier, address) pair, whether or not the account exists.
    message = "The email/username or password is incorrect."

    def __init__(self, *, attempts_left: int | None = None, pause_minutes: int = 15):
        if attempts_left is None:
            super().__init__()
            return
        sentence = _attempts_left_sentence(
            attempts_left, "logging in from this address", pause_minutes
        )
        super().__init__(f"{self.message} {sentence}", attempts_left=attempts_left)


def _seconds(count: int) -> str:
    return f"{count} second" if count == 1 else f"{count} seconds"


class LoginSlowedDown(DomainError):
    """Many failures on one account from several addresses: wait before trying again."""

    code = "login_slowed_down"
    status = 429

    def __init__(self, *, retry_after: int):
        super().__init__(
            "There were many failed log-ins for this account. "
            f"Wait {_seconds(retry_after)} before trying again.",
            retry_after=retry_after,
        )
        self.retry_after = retry_after


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

    def __init__(
        self,
        message: str | None = None,
        *,
        attempts_left: int | None = None,
        pause_minutes: int = 15,
    ):
        if attempts_left is None:
            super().__init__(message)
            return
        sentence = _attempts_left_sentence(attempts_left, "this form", pause_minutes)
        super().__init__(f"{message or self.message} {sentence}", attempts_left=attempts_left)
        self.attempts_left = attempts_left


class PasswordChecksLocked(DomainError):
    """Too many wrong passwords on a form that checks it again (change password, delete)."""

    code = "locked_out"
    status = 429

    def __init__(self, *, retry_after: int):
        minutes = max(1, -(-retry_after // 60))
        unit = "minute" if minutes == 1 else "minutes"
        super().__init__(
            f"Too many wrong passwords. Try again in {minutes} {unit}.", retry_after=retry_after
        )
        self.retry_after = retry_after


class HashingBusy(DomainError):
    """Every password-hashing slot stayed taken for longer than a caller should wait."""

    code = "hashing_busy"
    status = 503

    def __init__(self, *, retry_after: int):
        super().__init__(
            "Many people are signing in right now. "
            f"Try again in {_seconds(retry_after)}; nothing was changed.",
            retry_after=retry_after,
        )
        self.retry_after = retry_after
