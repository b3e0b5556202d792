"""The journey as an animated WebP: input to result and back, so it loops without a jump; and
the same animation as a GIF for viewers that do not play animated WebP."""

from __future__ import annotations

import io
from collections.abc import Sequence

from PIL import Image, ImageSequence

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


def webp_to_gif(webp: bytes) -> bytes:
    """The animated WebP ``webp`` as a looping GIF with the same frames and timing.

    Each frame gets its own 256-colour palette (a face needs more shades than the web palette
    has), dithered so skin gradients do not band. Fast octree quantisation: median cut took
    ten times as long (seconds per journey) for a GIF no one could tell apart.
    """
    frames: list[Image.Image] = []
    durations: list[int] = []
    with Image.open(io.BytesIO(webp)) as animation:
        for frame in ImageSequence.Iterator(animation):
            frames.append(
                frame.convert("RGB").quantize(
                    colors=256,
                    method=Image.Quantize.FASTOCTREE,
                    dither=Image.Dither.FLOYDSTEINBERG,
                )
            )
            durations.append(int(frame.info.get("duration") or FRAME_MS))
    if not frames:
        raise ValueError("the animation has no frames")
    buffer = io.BytesIO()
    frames[0].save(
        buffer,
        format="GIF",
        save_all=True,
        append_images=frames[1:],
        duration=durations,
        loop=0,
        optimize=False,
        disposal=1,
    )
    return buffer.getvalue()
