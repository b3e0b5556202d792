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
    "check_job_cost",
    "job_pixels",
    "max_batch_photos",
    "max_job_pixels",
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


def max_batch_photos() -> int:
    """How many photos one batch may hold (GENERATION_BATCH_MAX)."""
    return int(settings.GENERATION_BATCH_MAX)


def upload_size_text() -> str:
    """The upload limit as people read it ("10 MB")."""
    return f"{max_upload_bytes() / (1024 * 1024):g} MB"


# --- The work of one job -------------------------------------------------------------------
# Every variant and every journey frame is a full-size composite of the photo, so the work
# (time, memory, bytes written) of a job grows with photo pixels x (variants + journey frames).
# GENERATION_MAX_JOB_PIXELS caps that product: a 12 MP phone photo may have 8 variants and an
# 8-frame journey, a 40 MP photo at most 5 pictures in all. bench/job_memory.py measures a job
# at the caps.


def max_job_pixels() -> int:
    return int(settings.GENERATION_MAX_JOB_PIXELS)


def job_pixels(*, width: int, height: int, variants: int, journey_frames: int) -> int:
    return width * height * (variants + journey_frames)


def check_job_cost(*, width: int, height: int, variants: int, journey_frames: int) -> None:
    """Raise ``JobTooLarge`` (400) when the photo with these settings exceeds the cap."""
    from generation.errors import JobTooLarge

    asked = job_pixels(width=width, height=height, variants=variants, journey_frames=journey_frames)
    limit = max_job_pixels()
    if asked <= limit:
        return
    pictures = variants + journey_frames
    allowed = max(0, limit // max(1, width * height))
    advice = (
        f"With this photo at most {allowed} pictures fit; choose fewer variants or journey "
        "frames, or use a smaller photo."
        if allowed
        else "Use a smaller photo."
    )
    raise JobTooLarge(
        f"This photo ({width * height / 1e6:.1f} MP) with {pictures} pictures "
        f"({variants} variants + {journey_frames} journey frames) is {asked / 1e6:.0f} MP of "
        f"work; one job may ask for at most {limit / 1e6:.0f} MP. {advice}",
        fields={"variants": [f"At most {allowed} pictures in all for this photo."]},
        max_job_megapixels=limit // 1_000_000,
    )
