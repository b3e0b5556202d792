"""A 503 page when every password-hashing slot stays busy (see accounts/hashers.py).

The API renders ``HashingBusy`` as ``{code, message}`` JSON in its exception handler; this covers
the HTML pages (register, log in, password change, account deletion) in one place.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.errors import HashingBusy


class HashingBusyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, HashingBusy):
            return None
        context = {"status": 503, "title": "Busy for a moment", "message": exception.message}
        response = render(request, "error.html", context, status=503)
        response["Retry-After"] = str(exception.retry_after)
        response["Cache-Control"] = "no-store"
        return response
