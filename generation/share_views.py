"""The public share page (/s/<token>/): no account, no owner data, rate-limited per address."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from generation import services
from generation.responses import image_response, requested_width
from generation.selectors import StoredImage, web_copy
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
    generation = link.generation
    result = generation.results.filter(variant_index=link.variant_index).first()
    after_url = reverse("share-image", args=[token, "after"])
    before_url = reverse("share-image", args=[token, "before"]) if link.with_before else ""
    response = render(
        request,
        "generation/share.html",
        {
            "after_url": after_url,
            "after_copies": result.web_copies if result else {},
            "before_url": before_url,
            "before_copies": generation.input_web_copies,
            "after_size": result.display_size if result else (0, 0),
            "before_size": (generation.input_width, generation.input_height),
            "preview_url": request.build_absolute_uri(after_url),
            "direction": generation.get_direction_display(),
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
    width = requested_width(request.GET.get("w"))
    link = services.share_link_get_active(token=token)
    generation = link.generation
    image: StoredImage | None = None
    if kind == "before" and link.with_before:
        image = web_copy(
            StoredImage(generation.input_image, "lightsb-shared-before.jpg"),
            generation.input_web_copies,
            width,
        )
    elif kind == "after":
        result = generation.results.filter(variant_index=link.variant_index).first()
        if result is not None:
            image = web_copy(
                StoredImage(result.composite, "lightsb-shared-after.jpg"), result.web_copies, width
            )
    if image is None or not image.name:
        raise Http404("No such image.")
    response = image_response(
        image,
        download=False,
        if_none_match=request.headers.get("If-None-Match", ""),
    )
    # Not immutable here: a revoked link must stop showing the image at the next visit.
    response["Cache-Control"] = "private, no-cache"
    return response
