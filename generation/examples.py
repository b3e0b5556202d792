"""The home page's before/after examples: made by the real engine from a public-domain portrait.

``make_home_examples`` (the management command) writes them into ``static/examples/`` with a
``manifest.json``; the home page reads that manifest. The portrait is scikit-image's
``astronaut`` (Eileen Collins, NASA: public domain), so the pictures may be published. The same
seed and model give the same pictures, so they are made, never edited by hand.
"""

from __future__ import annotations

import io
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from PIL import Image

from generation.models import Direction

logger = logging.getLogger(__name__)

MANIFEST_NAME = "manifest.json"
DEFAULT_SEED = 7
# The pictures show the face: a square around it, this many times the face box, at this size.
FACE_MARGIN = 2.2
EXAMPLE_SIDE = 360
JPEG_QUALITY = 88
WEBP_QUALITY = 82
SOURCE = {
    "name": "astronaut (scikit-image data)",
    "subject": "Eileen Collins, NASA astronaut",
    "credit": "NASA",
    "licence": "Public domain (a work of the United States government)",
    "url": "https://scikit-image.org/docs/stable/api/skimage.data.html#skimage.data.astronaut",
}


def examples_folder() -> Path:
    """Where the committed examples live (served as static files under ``examples/``)."""
    return Path(settings.BASE_DIR) / "static" / "examples"


@dataclass(frozen=True)
class _Square:
    left: int
    top: int
    side: int

    def crop(self, image: Image.Image) -> Image.Image:
        box = (self.left, self.top, self.left + self.side, self.top + self.side)
        return image.crop(box).resize((EXAMPLE_SIDE, EXAMPLE_SIDE), Image.Resampling.LANCZOS)


def _face_square(box: tuple[int, int, int, int], width: int, height: int) -> _Square:
    left, top, right, bottom = box
    side = int(max(right - left, bottom - top) * FACE_MARGIN)
    side = min(side, width, height)
    centre_x, centre_y = (left + right) // 2, (top + bottom) // 2
    x = min(max(0, centre_x - side // 2), width - side)
    y = min(max(0, centre_y - side // 2), height - side)
    return _Square(left=x, top=y, side=side)


def _write(image: Image.Image, folder: Path, stem: str) -> dict[str, str]:
    jpeg, webp = io.BytesIO(), io.BytesIO()
    image.save(jpeg, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    image.save(webp, "WEBP", quality=WEBP_QUALITY, method=6)
    (folder / f"{stem}.jpg").write_bytes(jpeg.getvalue())
    (folder / f"{stem}.webp").write_bytes(webp.getvalue())
    return {"jpeg": f"examples/{stem}.jpg", "webp": f"examples/{stem}.webp"}


def _astronaut() -> Image.Image:
    from skimage import data

    return Image.fromarray(data.astronaut()).convert("RGB")


def make_home_examples(*, folder: Path, seed: int = DEFAULT_SEED) -> dict[str, Any]:
    """Translate the astronaut in every direction with ``seed`` and write the pairs and the
    manifest into ``folder``; returns the manifest."""
    from generation.engine import get_engine

    portrait = _astronaut()
    engine = get_engine()
    folder.mkdir(parents=True, exist_ok=True)
    square: _Square | None = None
    examples = []
    for direction in Direction:
        result = engine.translate(portrait, direction=direction.value, variants=1, seed=seed)
        after = result.variants[0].composite.convert("RGB")
        if after.size != portrait.size:  # a large photo comes back at the working size
            after = after.resize(portrait.size, Image.Resampling.LANCZOS)
        if square is None:
            face = result.faces[0]
            square = _face_square(face.box, portrait.width, portrait.height)
        logger.info("example %s made (seed %s)", direction.value, result.seed)
        examples.append(
            {
                "direction": direction.value,
                "label": str(direction.label),
                "seed": result.seed,
                "after": _write(square.crop(after), folder, f"astronaut-{direction.value}"),
            }
        )
    assert square is not None
    manifest = {
        "source": SOURCE,
        "model_version": engine.version,
        "seed": seed,
        "side": EXAMPLE_SIDE,
        "before": _write(square.crop(portrait), folder, "astronaut-before"),
        "examples": examples,
    }
    (folder / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    return manifest


def home_examples(folder: Path | None = None) -> dict[str, Any] | None:
    """The manifest the home page shows, or None when the examples were never made."""
    path = (folder or examples_folder()) / MANIFEST_NAME
    try:
        manifest = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) and manifest.get("examples") else None
