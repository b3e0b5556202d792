"""The one module on the Django side that talks to ``generation.ml``.

The engine is loaded once per process (``generation.ml.load_engine`` is cached on the weights
path) and warmed by gunicorn's ``post_worker_init`` hook through :func:`warm_up`; it is never
loaded at import time, so ``manage.py migrate`` does not import torch.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.conf import settings

if TYPE_CHECKING:
    from PIL import Image

    from generation.ml import Engine, TranslationResult

logger = logging.getLogger(__name__)

ProgressCallback = Callable[[str, int], None]


def get_engine() -> Engine:
    """The process-wide engine (loaded on first use, then reused)."""
    from generation.ml import load_engine

    weights_dir = getattr(settings, "GENERATION_WEIGHTS_DIR", "") or None
    return load_engine(weights_dir)


def warm_up() -> dict[str, Any]:
    """Load the engine now, so the first job of this process does not pay for it."""
    started = time.perf_counter()
    info = get_engine().info()
    logger.info("engine ready in %.2fs: %s", time.perf_counter() - started, info)
    return info


def engine_info() -> dict[str, Any]:
    return get_engine().info()


def translate(
    *,
    image: Image.Image,
    direction: str,
    variants: int,
    seed: int | None,
    strength: float,
    face_index: int | None,
    journey_frames: int,
    on_progress: ProgressCallback | None,
) -> TranslationResult:
    """Run one translation; engine errors propagate as ``generation.ml.EngineError``."""
    return get_engine().translate(
        image,
        direction=direction,
        variants=variants,
        seed=seed,
        strength=strength,
        face_index=face_index,
        journey_frames=journey_frames,
        on_progress=on_progress,
    )


def engine_errors() -> tuple[type[Exception], type[Exception]]:
    """(EngineError, TranslationCanceled), imported lazily for the job runner."""
    from generation.ml import EngineError, TranslationCanceled

    return EngineError, TranslationCanceled


def canceled_error() -> Exception:
    from generation.ml import TranslationCanceled

    return TranslationCanceled()
