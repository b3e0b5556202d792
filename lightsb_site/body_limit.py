"""413 for request bodies larger than DATA_UPLOAD_MAX_MEMORY_SIZE, before anything reads them.

Django only enforces that limit for form fields; DRF's JSON parser would read any size.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from lightsb_site.views import payload_too_large


class RequestBodyLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if limit is not None and length > limit:
            return payload_too_large(request)
        return self.get_response(request)
