"""Site-wide pages and error handlers (JSON under /api/, HTML elsewhere)."""

from __future__ import annotations

import sys

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from generation.examples import home_examples
from lightsb_site.api_errors import json_error
from lightsb_site.db_unavailable import unavailable_response


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html", {"examples": home_examples()})


def about(request: HttpRequest) -> HttpResponse:
    return render(request, "about.html")


def retention(request: HttpRequest) -> HttpResponse:
    """What is stored, for how long and how to delete it; every period is read from the
    configuration, so the page cannot drift from what the purge and the tokens really do."""
    from generation.services.sharing import DEFAULT_SHARE_DAYS, MAX_SHARE_DAYS
    from integrations.services import MAX_ACTIVE_KEYS

    jwt = settings.SIMPLE_JWT
    context = {
        "retention_days": int(settings.GENERATION_RETENTION_DAYS),
        "refresh_days": jwt["REFRESH_TOKEN_LIFETIME"].days,
        "remember_me_days": settings.REFRESH_REMEMBER_ME_LIFETIME.days,
        "access_minutes": int(jwt["ACCESS_TOKEN_LIFETIME"].total_seconds() // 60),
        "browser_session_days": int(settings.SESSION_COOKIE_AGE) // 86_400,
        "share_default_days": DEFAULT_SHARE_DAYS,
        "share_max_days": MAX_SHARE_DAYS,
        "max_api_keys": MAX_ACTIVE_KEYS,
    }
    return render(request, "retention.html", context)


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _error(request: HttpRequest, status: int, code: str, title: str, message: str) -> HttpResponse:
    if _is_api(request):
        return json_error(code, message, status)
    context = {"status": status, "title": title, "message": message}
    return render(request, "error.html", context, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(
        request, 400, "bad_request", "Bad request", "The request could not be understood."
    )


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 403, "permission_denied", "Forbidden", "You cannot open this page.")


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 404, "not_found", "Page not found", "There is nothing at this address.")


def server_error(request: HttpRequest) -> HttpResponse:
    # Django calls this inside its `except` block: a database outage is a 503, and rendering
    # the usual page would reach for the (unreachable) session again.
    if isinstance(sys.exc_info()[1], DatabaseError):
        return unavailable_response(request)
    return _error(
        request, 500, "server_error", "Something went wrong", "Something went wrong on our side."
    )


def payload_too_large(request: HttpRequest) -> HttpResponse:
    limit_mb = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024)
    return _error(
        request,
        413,
        "payload_too_large",
        "Request too large",
        f"The request body is larger than {limit_mb} MB.",
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return _error(
        request,
        403,
        "csrf_failed",
        "Forbidden",
        "The form expired or came from another site. Reload the page and try again.",
    )
