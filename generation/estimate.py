"""The engine's reading of a photo before any job: which faces it finds, how much each looks
like a child and like a woman, and which directions would change little (with a suggestion).
The generator page and the API call it so a person can choose a fitting direction first."""

from __future__ import annotations

from typing import Any

from PIL import Image

from generation import engine
from generation.errors import FaceNotUsable
from generation.ml import DIRECTIONS, EngineError, direction_hint


def estimate_faces(*, image: Image.Image) -> dict[str, Any]:
    """Every face with its estimate and the hint of each direction (None where it fits)."""
    loaded = engine.get_engine()
    try:
        faces = loaded.estimate(image)
    except EngineError as error:
        raise FaceNotUsable(error.message, code=error.code) from error
    return {
        "model_version": loaded.version,
        "faces": [
            {
                "index": face.index,
                "box": list(face.box),
                "size_px": face.size_px,
                "turned": face.turned,
                "estimate": face.estimate.as_dict() if face.estimate else None,
                "hints": {
                    direction: direction_hint(direction, face.estimate) for direction in DIRECTIONS
                },
            }
            for face in faces
        ],
    }
