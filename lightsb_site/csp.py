"""Content-Security-Policy and Permissions-Policy headers (Django 5.2 has no CSP of its own).

The policy allows only this origin's scripts and styles, so templates must not use inline
``<script>``/``<style>`` blocks or ``style=""`` attributes. Upload previews use ``blob:`` URLs;
on S3 the result images come from presigned URLs of the storage endpoint, which is allowed
as an image source. A view that needs another policy (the Swagger UI page) sets its own header,
which this middleware leaves alone.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse

HEADER = "Content-Security-Policy"
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


def _storage_origin() -> str:
    """The origin presigned image URLs point to, when media lives in S3-compatible storage."""
    if not settings.AWS_STORAGE_BUCKET_NAME:
        return ""
    custom_domain = getattr(settings, "AWS_S3_CUSTOM_DOMAIN", "") or ""
    if custom_domain:
        return f"https://{custom_domain}"
    endpoint = getattr(settings, "AWS_S3_ENDPOINT_URL", "") or ""
    if endpoint:
        parts = urlsplit(endpoint)
        return f"{parts.scheme}://{parts.netloc}"
    return "https://*.amazonaws.com"


def build_policy(*, style_src: str = "'self'") -> str:
    image_sources = " ".join(filter(None, ["'self'", "data:", "blob:", _storage_origin()]))
    directives = {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": style_src,
        "img-src": image_sources,
        "font-src": "'self'",
        "connect-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.policy = build_policy()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if HEADER not in response:
            response[HEADER] = self.policy
        if "Permissions-Policy" not in response:
            response["Permissions-Policy"] = PERMISSIONS_POLICY
        return response


def relaxed_styles(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Allow inline styles on one third-party page (Swagger UI ships a ``<style>`` block)."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> HttpResponse:
        response = view(*args, **kwargs)
        response[HEADER] = build_policy(style_src="'self' 'unsafe-inline'")
        return response

    return wrapper
