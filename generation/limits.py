"""Every limit of a generation request, defined once.

The engine's own limits (directions, faces, variants, journey frames) come from
``generation.ml.limits``, which imports nothing heavy; the rest are the service's. Models,
forms, serializers, the OpenAPI schema and the error messages all read them from here.
Limits an operator tunes (upload bytes, pixels, daily quota) are settings, read through the
helpers below so that messages always quote the value in force.
"""

from __future__ import annotations

from django.conf import settings

from generation.ml.limits import (
    DEFAULT_VARIATION,
    DIRECTIONS,
    MAX_FACES,
    MAX_JOURNEY_FRAMES,
    MAX_VARIANTS,
    MAX_VARIATION,
)

__all__ = [
    "DEFAULT_JOURNEY_FRAMES",
    "DEFAULT_STRENGTH",
    "DEFAULT_VARIANTS",
    "DEFAULT_VARIATION",
    "DIRECTIONS",
    "MAX_FACES",
    "MAX_JOURNEY_FRAMES",
    "MAX_SEED",
    "MAX_VARIANTS",
    "MAX_VARIATION",
    "MIN_IMAGE_SIDE",
    "MIN_JOURNEY_FRAMES",
    "max_upload_bytes",
    "upload_size_text",
]

DEFAULT_VARIANTS = 4
DEFAULT_STRENGTH = 1.0
# "Show the journey" without a number of frames (the page's tick box, ``journey=true``).
DEFAULT_JOURNEY_FRAMES = 8
MIN_JOURNEY_FRAMES = 2
MAX_SEED = 2**31 - 1
# Below this an upload is refused outright; between this and a findable face the engine
# answers no_face_detected / face_too_small with its own advice.
MIN_IMAGE_SIDE = 16


def max_upload_bytes() -> int:
    return int(settings.LIGHTSB_MAX_UPLOAD_BYTES)


def upload_size_text() -> str:
    """The upload limit as people read it ("10 MB")."""
    return f"{max_upload_bytes() / (1024 * 1024):g} MB"
