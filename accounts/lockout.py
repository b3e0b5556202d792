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
from django.contrib.auth import get_user_model
from django.db.models import Max, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.errors import LockedOut
from lightsb_site.api_errors import json_error

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
