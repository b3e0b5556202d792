"""Encoding of every image the app stores (sanitised inputs, results, previews, web copies)."""

from __future__ import annotations

import io

from PIL import Image

STORED_QUALITY = 92
THUMBNAIL_QUALITY = 85
THUMBNAIL_SIZE = (320, 320)
# The widths pages pick from with ``srcset`` (a phone at DPR 2 to 3 takes 1024, a grid cell 512);
# downloads and archives always get the full-size JPEG.
WEB_WIDTHS = (512, 1024)
WEB_QUALITY = 80


def encode_jpeg(image: Image.Image, *, quality: int = STORED_QUALITY) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality, optimize=True)
    return buffer.getvalue()


def make_thumbnail(image: Image.Image) -> bytes:
    thumbnail = image.copy()
    thumbnail.thumbnail(THUMBNAIL_SIZE)
    return encode_jpeg(thumbnail, quality=THUMBNAIL_QUALITY)


def thumbnail_width(*, width: int, height: int) -> int:
    """The width ``make_thumbnail`` gives a picture of this size (for ``srcset``)."""
    if width <= 0 or height <= 0:
        return THUMBNAIL_SIZE[0]
    scale = min(THUMBNAIL_SIZE[0] / width, THUMBNAIL_SIZE[1] / height, 1.0)
    return max(1, round(width * scale))


def make_web_copies(image: Image.Image) -> dict[int, bytes]:
    """WebP copies at each of ``WEB_WIDTHS`` narrower than the picture, aspect kept.

    Never upscaled: a picture at most 512 px wide gets no copy (its full size is small).
    Each smaller copy is made from the next larger one, so a 6000 px photo is scaled once.
    """
    copies: dict[int, bytes] = {}
    source = image if image.mode in ("RGB", "RGBA") else image.convert("RGB")
    full_width, full_height = source.size
    for width in sorted(WEB_WIDTHS, reverse=True):
        if full_width <= width:
            continue
        height = max(1, round(full_height * width / full_width))
        source = source.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=3.0)
        buffer = io.BytesIO()
        source.save(buffer, format="WEBP", quality=WEB_QUALITY, method=4)
        copies[width] = buffer.getvalue()
    return copies
