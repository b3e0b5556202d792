"""The journey as an animated WebP: input to result and back, so it loops without a jump."""

from __future__ import annotations

import io
from collections.abc import Sequence

from PIL import Image

FRAME_MS = 120
HOLD_MS = 700  # the input and the result are held so the eye can compare them


def journey_webp(frames: Sequence[Image.Image], *, quality: int = 80) -> bytes:
    """Encode ``frames`` (input ... result) as a looping animated WebP, played forth and back."""
    if not frames:
        raise ValueError("a journey needs at least one frame")
    sequence = list(frames) + list(frames[-2:0:-1])
    durations = [FRAME_MS] * len(sequence)
    durations[0] = HOLD_MS
    durations[len(frames) - 1] = HOLD_MS
    buffer = io.BytesIO()
    sequence[0].save(
        buffer,
        format="WEBP",
        save_all=True,
        append_images=sequence[1:],
        duration=durations,
        loop=0,
        quality=quality,
        method=4,
    )
    return buffer.getvalue()
