"""413 for request bodies larger than DATA_UPLOAD_MAX_MEMORY_SIZE, before anything reads them.

Django only enforces that limit for form fields; DRF's JSON parser would read any size.
The two endpoints that take a batch of photos accept a multipart body of that many files.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from lightsb_site.views import payload_too_large


class RequestBodyLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and _takes_a_batch(request):
            limit = max(limit, _batch_body_limit())
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if limit is not None and length > limit:
            return payload_too_large(request)
        return self.get_response(request)


def _batch_body_limit() -> int:
    # Each file plus its multipart framing; the view checks every file on its own after.
    files = int(settings.GENERATION_BATCH_MAX)
    return files * (int(settings.LIGHTSB_MAX_UPLOAD_BYTES) + 64 * 1024) + 1024 * 1024


def _takes_a_batch(request: HttpRequest) -> bool:
    if not (request.content_type or "").startswith("multipart/form-data"):
        return False
    return request.path in (reverse("generation:generator"), reverse("api:generation-batch"))
