"""503 instead of 500 while the database is unreachable.

DRF views already turn a DatabaseError into a JSON 503 (lightsb_site.api_errors); this covers
everything else: HTML views, and the middleware (sessions, authentication) that touches the
database before a view runs. The response is built without the request's user or session, so
making it cannot hit the database again. Persistent connections have health checks
(settings.DATABASES), so once the database is back the next request simply reconnects.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
MESSAGE = "The service is busy; try again shortly."


def unavailable_response(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", ""):
        response: HttpResponse = JsonResponse(
            {"code": "service_unavailable", "message": MESSAGE}, status=503
        )
    else:
        # No request passed: the context processors would load the user from the database.
        html = render_to_string(
            "error.html",
            {"status": 503, "title": "Back in a moment", "message": MESSAGE},
        )
        response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """Place it early: errors raised by the middleware below it are caught too."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            return self.get_response(request)
        except DatabaseError as error:
            return self._unavailable(request, error)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, DatabaseError):
            return self._unavailable(request, exception)
        return None

    def _unavailable(self, request: HttpRequest, error: DatabaseError) -> HttpResponse:
        logger.warning("database unavailable: %s", error.__class__.__name__)
        return unavailable_response(request)
