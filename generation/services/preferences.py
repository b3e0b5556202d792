"""The generator's remembered settings: saved from the page or the API, reset from the profile."""

from __future__ import annotations

from django.db import transaction

from accounts.models import GeneratorPreferences, User
from generation.services.create import generation_validate_parameters


def preferences_save(
    *,
    user: User,
    direction: str,
    variants: int,
    strength: float,
    variation: float,
    journey_frames: int,
) -> GeneratorPreferences:
    """Validate settings with the rules of a job and keep them as the person's starting point.

    Raises ``InvalidGenerationParameters`` (nothing saved) for values a job would refuse.
    """
    generation_validate_parameters(
        direction=direction,
        variants=variants,
        strength=strength,
        seed=None,
        face_index=None,
        journey_frames=journey_frames,
        variation=variation,
    )
    with transaction.atomic():
        preferences, _ = GeneratorPreferences.objects.update_or_create(
            user=user,
            defaults={
                "direction": direction,
                "variants": variants,
                "strength": strength,
                "variation": variation,
                "journey_frames": journey_frames,
            },
        )
    return preferences


def preferences_reset(*, user: User) -> bool:
    """Forget the person's settings (the generator starts from the defaults); True if any were
    saved."""
    deleted, _ = GeneratorPreferences.objects.filter(user=user).delete()
    return deleted > 0
