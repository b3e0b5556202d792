"""JPEG encoding of every image the app stores (sanitised inputs, results, previews)."""

from __future__ import annotations

import io

from PIL import Image

STORED_QUALITY = 92
THUMBNAIL_QUALITY = 85
THUMBNAIL_SIZE = (320, 320)


def encode_jpeg(image: Image.Image, *, quality: int = STORED_QUALITY) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality, optimize=True)
    return buffer.getvalue()


def make_thumbnail(image: Image.Image) -> bytes:
    thumbnail = image.copy()
    thumbnail.thumbnail(THUMBNAIL_SIZE)
    return encode_jpeg(thumbnail, quality=THUMBNAIL_QUALITY)
