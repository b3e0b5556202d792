"""Rate limits of the account endpoints, API and pages alike, on the atomic counters.

A request is counted against its account when it is authenticated and against its client
address (``lightsb_site.client_address``) otherwise. A refused request answers 429 with
``Retry-After`` and the RateLimit header fields; an allowed one carries the RateLimit fields too
(``lightsb_site.rate_limit_middleware``).
"""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from rest_framework.throttling import BaseThrottle

from lightsb_site.client_address import client_address
from lightsb_site.rate_limit import (
    Hit,
    configured_rate,
    rate_hit,
    rate_limit_headers,
    rate_limit_remember,
    throttled_message,
)

logger = logging.getLogger(__name__)


def request_ident(request: HttpRequest) -> str:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return f"addr:{client_address(request)}"


def throttle_hit(request: HttpRequest, scope: str) -> Hit:
    """Count this request under ``scope``; remembers the outcome on the request for headers."""
    hit = rate_hit(scope=scope, ident=request_ident(request), rate=configured_rate(scope))
    rate_limit_remember(request, hit)
    if not hit.allowed and hit.count == hit.limit + 1:  # once per window, not per refusal
        logger.warning("rate limit reached", extra={"code": f"throttled:{scope}"})
    return hit


def throttled_page(request: HttpRequest, hit: Hit) -> HttpResponse:
    """The 429 page of an HTML form that was sent too often."""
    context = {"status": 429, "title": "Too many requests", "message": throttled_message(hit)}
    response = render(request, "error.html", context, status=429)
    for name, value in rate_limit_headers(hit).items():
        response[name] = value
    return response


class ScopedThrottle(BaseThrottle):
    """DRF throttle for views that name a ``throttle_scope`` (rates in DEFAULT_THROTTLE_RATES)."""

    hit: Hit | None = None

    def allow_request(self, request, view) -> bool:
        scope = getattr(view, "throttle_scope", None)
        if not scope:
            return True
        self.hit = throttle_hit(request._request, scope)
        return self.hit.allowed

    def wait(self) -> float | None:
        return float(self.hit.reset_seconds) if self.hit is not None else None
