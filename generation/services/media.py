"""Extra forms of a finished job's images, made the first time someone asks for them."""

from __future__ import annotations

from generation import storage
from generation.ml.animation import webp_to_gif
from generation.models import Generation


def generation_journey_gif(*, generation: Generation) -> str:
    """The storage name of the journey as a GIF, made from the stored WebP on first use.

    Two first downloads at once may both make it; one name wins, the loser's file is removed.
    Returns "" when the job has no journey animation (or it is no longer stored).
    """
    if generation.journey_gif or not generation.journey_animation:
        return generation.journey_gif
    try:
        webp = storage.read(generation.journey_animation)
    except (FileNotFoundError, OSError):
        return ""
    name = storage.store(
        owner_id=generation.owner_id,
        generation_id=generation.pk,
        kind="journey",
        data=webp_to_gif(webp),
        extension="gif",
    )
    claimed = Generation.objects.filter(pk=generation.pk, journey_gif="").update(journey_gif=name)
    if not claimed:
        storage.delete_files([name])
        # Deleted meanwhile, or the other download won: use what the row holds now.
        name = (
            Generation.objects.filter(pk=generation.pk)
            .values_list("journey_gif", flat=True)
            .first()
            or ""
        )
    generation.journey_gif = name
    return name
