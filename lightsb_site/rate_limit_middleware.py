"""RateLimit header fields on every answer that a limit counted, not only on its refusals.

Throttles and quota checks keep what they counted on the request
(``rate_limit.rate_limit_remember``); this middleware writes the fields from it once, so views
and error handlers need no code of their own. It is also the safety net for ``Retry-After``:
no 429 or 503 leaves without one.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from lightsb_site.rate_limit import RATE_LIMITS_ATTRIBUTE, rate_limit_headers, tightest_hit

# For a 503 that named no wait of its own: the time a restarting dependency usually needs.
DEFAULT_RETRY_AFTER_SECONDS = 5


class RateLimitHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        hits = getattr(request, RATE_LIMITS_ATTRIBUTE, None)
        if hits:
            tightest = tightest_hit(hits)
            headers = rate_limit_headers(tightest, also=hits)
            if response.status_code != 429:
                # A refusal that is not ours (lockout, quota) keeps its own Retry-After.
                headers.pop("Retry-After", None)
            for name, value in headers.items():
                if name not in response:
                    response[name] = value
        if response.status_code in (429, 503) and "Retry-After" not in response:
            wait = tightest_hit(hits).reset_seconds if hits else DEFAULT_RETRY_AFTER_SECONDS
            response["Retry-After"] = str(wait)
        return response
