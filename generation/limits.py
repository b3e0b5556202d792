"""The cap on the work one generation job may ask for.

Every variant and every journey frame is a full-size composite of the photo, so the work (time,
memory, bytes written) of a job grows with ``photo pixels x (variants + journey frames)``. That
product is capped by ``GENERATION_MAX_JOB_PIXELS``: a 12 MP phone photo may have 8 variants and
an 8-frame journey, a 40 MP photo at most 5 pictures in all. A job over the cap is refused with
400 ``job_too_large`` before anything is stored or counted against the quota.
"""

from __future__ import annotations

from django.conf import settings

from lightsb_site.api_errors import DomainError


class JobTooLarge(DomainError):
    code = "job_too_large"
    status = 400
    message = "This job asks for too much work at once."


def max_job_pixels() -> int:
    return int(getattr(settings, "GENERATION_MAX_JOB_PIXELS", 200_000_000))


def job_pixels(*, width: int, height: int, variants: int, journey_frames: int) -> int:
    return width * height * (variants + journey_frames)


def check_job_cost(*, width: int, height: int, variants: int, journey_frames: int) -> None:
    """Raise ``JobTooLarge`` when the photo with these settings exceeds the cap."""
    asked = job_pixels(width=width, height=height, variants=variants, journey_frames=journey_frames)
    limit = max_job_pixels()
    if asked <= limit:
        return
    pictures = variants + journey_frames
    megapixels = width * height / 1e6
    allowed = max(0, limit // max(1, width * height))
    advice = (
        f"With this photo at most {allowed} pictures fit; choose fewer variants or journey "
        "frames, or use a smaller photo."
        if allowed
        else "Use a smaller photo."
    )
    raise JobTooLarge(
        f"This photo ({megapixels:.1f} MP) with {pictures} pictures "
        f"({variants} variants + {journey_frames} journey frames) is {asked / 1e6:.0f} MP of "
        f"work; one job may ask for at most {limit / 1e6:.0f} MP. {advice}",
        fields={"variants": [f"At most {allowed} pictures in all for this photo."]},
        max_job_megapixels=limit // 1_000_000,
    )
