"""django-axes hooks: one lockout key per account, and the 429 answer once it is locked.

Five failures for one (identifier, IP) pair lock that pair for AXES_COOLOFF_TIME. The
identifier is normalised so that "Alice", "alice" and "ALICE@example.com" all count against the
same account; an identifier that matches no account is only case-folded.
"""

from __future__ import annotations

import math

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_ip_address, get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Max, Q, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.errors import LockedOut, PasswordChecksLocked, WrongPassword
from lightsb_site.api_errors import json_error
from lightsb_site.client_address import client_address
from lightsb_site.rate_limit import configured_rate, counter_clear, counter_hit

_CACHE_ATTRIBUTE = "_lightsb_lockout_keys"
MAX_KEY_LENGTH = 255  # AccessAttempt.username


def normalise_identifier(raw: object) -> str:
    """Map an email or username (any case) to the account's lockout key."""
    value = str(raw or "").strip().lower()[:MAX_KEY_LENGTH]
    if not value:
        return ""
    username = (
        get_user_model()
        ._default_manager.filter(Q(username__iexact=value) | Q(email__iexact=value))
        .values_list("username", flat=True)
        .first()
    )
    return username.lower() if username else value


def _raw_identifier(request: HttpRequest | None, credentials: dict | None) -> object:
    if credentials:
        for key in ("username", "identifier", "email"):
            if credentials.get(key):
                return credentials[key]
    if request is not None and request.method == "POST":
        return request.POST.get("username") or request.POST.get("identifier")
    return None


def lockout_identifier(request: HttpRequest | None, credentials: dict | None = None) -> str:
    """AXES_USERNAME_CALLABLE: memoised per request, axes calls it several times per attempt."""
    raw = _raw_identifier(request, credentials)
    cache: dict[str, str] = getattr(request, _CACHE_ATTRIBUTE, None) or {}
    key = str(raw or "")
    if key not in cache:
        cache[key] = normalise_identifier(raw)
        if request is not None:
            setattr(request, _CACHE_ATTRIBUTE, cache)
    return cache[key]


def lockout_retry_after(request: HttpRequest, credentials: dict | None = None) -> int:
    """Seconds until the (identifier, IP) pair of this request may try again."""
    cool_off = get_cool_off(request)
    ip_address = getattr(request, "axes_ip_address", None) or get_client_ip_address(request)
    latest = AccessAttempt.objects.filter(
        username=lockout_identifier(request, credentials), ip_address=ip_address
    ).aggregate(latest=Max("attempt_time"))["latest"]
    if latest is None or cool_off is None:
        return 1
    remaining = (latest + cool_off - timezone.now()).total_seconds()
    return max(1, math.ceil(remaining))


def lockout_clear(*, request: HttpRequest, user) -> int:
    """After a successful login: forget this (account, IP) pair's failures."""
    ip_address = getattr(request, "axes_ip_address", None) or get_client_ip_address(request)
    return AxesProxyHandler.reset_attempts(
        ip_address=ip_address, username=user.get_username().lower()
    )


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict | None = None,
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: JSON 429 under /api/, the page's own answer or an HTML 429."""
    if original_response is not None and getattr(
        original_response, "lightsb_lockout_rendered", False
    ):
        return original_response  # our login page already showed the lockout next to the form
    error = LockedOut(retry_after=lockout_retry_after(request, credentials))
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = json_error(error.code, error.message, 429, retry_after=error.retry_after)
    else:
        response = render(
            request,
            "accounts/locked_out.html",
            {"message": error.message, "retry_after": error.retry_after},
            status=429,
        )
    response["Retry-After"] = str(error.retry_after)
    return response


def _recent_attempts(request: HttpRequest, identifier: str):
    cool_off = get_cool_off(request)
    attempts = AccessAttempt.objects.filter(
        username=lockout_identifier(request, {"username": identifier})
    )
    if cool_off is not None:
        attempts = attempts.filter(attempt_time__gte=timezone.now() - cool_off)
    return attempts


def login_pause_minutes() -> int:
    return max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))


def login_attempts_left(request: HttpRequest, identifier: str) -> int:
    """Failures this (identifier, address) pair may still make before it is locked."""
    failures = (
        _recent_attempts(request, identifier)
        .filter(ip_address=client_address(request))
        .aggregate(total=Sum("failures_since_start"))["total"]
    )
    return max(0, settings.AXES_FAILURE_LIMIT - (failures or 0))


def login_slowdown(request: HttpRequest, identifier: str) -> int:
    """Seconds this address must still wait before trying ``identifier`` again (0: none).

    The account's failures over every address count; once there are LOGIN_SLOWDOWN_AFTER,
    an address that has itself failed on the account waits 2, 4, 8 ... seconds (capped) after
    the account's latest failure. An address that never failed is not slowed: an attacker
    cannot keep the real user out, and a pair already locked is left to django-axes.
    """
    attempts = _recent_attempts(request, identifier)
    totals = attempts.aggregate(total=Sum("failures_since_start"), latest=Max("attempt_time"))
    total, latest = totals["total"] or 0, totals["latest"]
    threshold = settings.LOGIN_SLOWDOWN_AFTER
    if total < threshold or latest is None:
        return 0
    own = attempts.filter(ip_address=client_address(request)).aggregate(
        total=Sum("failures_since_start")
    )["total"]
    if not own or own >= settings.AXES_FAILURE_LIMIT:
        return 0
    delay = min(2 ** min(total - threshold + 1, 20), settings.LOGIN_SLOWDOWN_MAX_SECONDS)
    remaining = (latest - timezone.now()).total_seconds() + delay
    return math.ceil(remaining) if remaining > 0 else 0


# --- Forms that check the password of a logged-in account again -------------------------------
def _password_check_key(user) -> str:
    return f"password_check:user:{user.pk}"


def password_check(*, user, password: str | None, message: str | None = None) -> None:
    """Check ``password`` for a signed-in ``user``, at most THROTTLE_PASSWORD_CHECK wrong ones.

    Every attempt is counted before the check (an atomic increment), so parallel guesses
    cannot slip past the limit; a right password forgets the count. Raises ``WrongPassword``
    with the attempts left, or ``PasswordChecksLocked`` (429) once they are used up.
    """
    rate = configured_rate("password_check")
    count, reset = counter_hit(_password_check_key(user), rate.window_seconds)
    if count > rate.limit:
        raise PasswordChecksLocked(retry_after=reset)
    if password and user.check_password(password):
        counter_clear(_password_check_key(user))
        return
    left = rate.limit - count
    if left <= 0:
        raise PasswordChecksLocked(retry_after=reset)
    raise WrongPassword(
        message, attempts_left=left, pause_minutes=max(1, rate.window_seconds // 60)
    )
