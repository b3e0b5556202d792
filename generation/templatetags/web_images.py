"""Pictures that let the browser choose a web-sized copy (``srcset``) instead of the full image.

``{% load web_images %}`` then::

    {% url 'generation:image' generation.pk 'composite' 0 as full_url %}
    {% web_image full_url result.web_copies result.display_width result.display_height
       alt="…" sizes="(max-width: 600px) 100vw, 300px" %}

(one line in a template).
The full image is always the last candidate (and the ``src``), so a result without copies, or a
browser without ``srcset``, still shows it. ``eager=True`` for the first picture a visitor sees
(no lazy loading, high fetch priority); any other keyword becomes an attribute (``id``,
``class``).
"""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from generation.images import WEB_WIDTHS, thumbnail_width
from generation.models import Generation, web_copy_name

register = template.Library()


def _candidates(src: str, copies: dict[str, str] | None, width: int) -> list[tuple[str, int]]:
    """``(url, width)`` of each stored copy narrower than the full image, narrowest first."""
    widths = sorted(
        int(key) for key in (copies or {}) if key.isdigit() and web_copy_name(copies, int(key))
    )
    separator = "&" if "?" in src else "?"
    return [(f"{src}{separator}w={copy}", copy) for copy in widths if not width or copy < width]


def _srcset(candidates: list[tuple[str, int]]) -> str:
    return ", ".join(f"{url} {width}w" for url, width in candidates)


@register.simple_tag
def web_srcset(src: str, copies: dict[str, str] | None, width: int) -> str:
    """The ``srcset`` value alone (for scripts that swap a picture, e.g. the compare view)."""
    if not width:
        return ""
    return _srcset([*_candidates(src, copies, width), (src, width)])


def _img(
    *,
    src: str,
    srcset: str,
    width: int,
    height: int,
    alt: str,
    sizes: str,
    eager: bool,
    attributes: dict[str, Any],
) -> SafeString:
    parts: list[tuple[str, Any]] = [("src", src)]
    if srcset:
        parts += [("srcset", srcset), ("sizes", sizes)]
    if width and height:
        parts += [("width", width), ("height", height)]
    parts += [("alt", alt), ("decoding", "async")]
    parts += [("fetchpriority", "high")] if eager else [("loading", "lazy")]
    parts += [(name.replace("_", "-"), value) for name, value in attributes.items()]
    return format_html("<img {}>", format_html_join(" ", '{}="{}"', parts))


@register.simple_tag
def web_image(
    src: str,
    copies: dict[str, str] | None,
    width: int,
    height: int,
    *,
    alt: str = "",
    sizes: str = "100vw",
    eager: bool = False,
    **attributes: Any,
) -> SafeString:
    """An ``<img>`` of a stored picture offering its web-sized copies to the browser."""
    return _img(
        src=src,
        srcset=web_srcset(src, copies, width),
        width=width,
        height=height,
        alt=alt,
        sizes=sizes,
        eager=eager,
        attributes=attributes,
    )


@register.simple_tag
def history_thumbnail(generation: Generation, *, eager: bool = False) -> SafeString:
    """The history card's picture: the 320 px preview, or the first result's 512 px copy on a
    dense screen. The card crops it to a fixed height, so larger copies are never offered."""
    src = reverse("generation:image", args=[generation.pk, "thumbnail"])
    candidates = [
        (src, thumbnail_width(width=generation.input_width, height=generation.input_height))
    ]
    first = next(iter(generation.results.all()), None)
    smallest = min(WEB_WIDTHS)
    if first is not None and web_copy_name(first.web_copies, smallest):
        composite = reverse(
            "generation:image", args=[generation.pk, "composite", first.variant_index]
        )
        candidates.append((f"{composite}?w={smallest}", smallest))
    return _img(
        src=src,
        srcset=_srcset(candidates) if len(candidates) > 1 else "",
        width=160,
        height=160,
        alt="",
        sizes="(max-width: 440px) calc(100vw - 4rem), 240px",
        eager=eager,
        attributes={},
    )
