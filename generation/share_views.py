"""The public share page (/s/<token>/): no account, no owner data, rate-limited per address."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from generation import services
from generation.responses import image_response
from generation.selectors import StoredImage
from lightsb_site.rate_limit import (
    configured_rate,
    rate_hit,
    rate_limit_headers,
    rate_limit_remember,
)


def _throttled(request: HttpRequest) -> HttpResponse | None:
    hit = rate_hit(
        scope="share", ident=request.META.get("REMOTE_ADDR") or "", rate=configured_rate("share")
    )
    rate_limit_remember(request, hit)  # allowed answers carry the RateLimit fields too
    if hit.allowed:
        return None
    response = HttpResponse("Too many requests.", status=429, content_type="text/plain")
    for name, value in rate_limit_headers(hit).items():
        response[name] = value
    return response


@require_GET
def share_page(request: HttpRequest, token: str) -> HttpResponse:
    if (refused := _throttled(request)) is not None:
        return refused
    link = services.share_link_get_active(token=token)
    after_url = request.build_absolute_uri(reverse("share-image", args=[token, "after"]))
    before_url = reverse("share-image", args=[token, "before"]) if link.with_before else ""
    response = render(
        request,
        "generation/share.html",
        {
            "after_url": after_url,
            "before_url": before_url,
            "direction": link.generation.get_direction_display(),
            "page_url": request.build_absolute_uri(),
        },
    )
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"  # the token must not leak to other sites
    response["X-Robots-Tag"] = "noindex"
    return response


@require_GET
def share_image(request: HttpRequest, token: str, kind: str) -> HttpResponseBase:
    if (refused := _throttled(request)) is not None:
        return refused
    link = services.share_link_get_active(token=token)
    generation = link.generation
    if kind == "before" and link.with_before:
        name = generation.input_image
    elif kind == "after":
        result = generation.results.filter(variant_index=link.variant_index).first()
        name = result.composite if result else ""
    else:
        name = ""
    if not name:
        raise Http404("No such image.")
    response = image_response(
        StoredImage(name, f"lightsb-shared-{kind}.jpg"),
        download=False,
        if_none_match=request.headers.get("If-None-Match", ""),
    )
    # Not immutable here: a revoked link must stop showing the image at the next visit.
    response["Cache-Control"] = "private, no-cache"
    return response
