"""LightSB face-translation engine: a plain Python package that never imports Django.

Importing this package is cheap; torch and dlib load with the engine (``load_engine``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .errors import (
    EngineError,
    FaceTooSmall,
    InvalidImage,
    InvalidSettings,
    NoFaceFound,
    TranslationCanceled,
)
from .limits import DIRECTIONS, MAX_FACES, MAX_JOURNEY_FRAMES, MAX_VARIANTS
from .results import FaceInfo, TranslationResult, VariantOutput

if TYPE_CHECKING:
    from .engine import Engine, load_engine

__all__ = [
    "DIRECTIONS",
    "MAX_FACES",
    "MAX_JOURNEY_FRAMES",
    "MAX_VARIANTS",
    "Engine",
    "EngineError",
    "FaceInfo",
    "FaceTooSmall",
    "InvalidImage",
    "InvalidSettings",
    "NoFaceFound",
    "TranslationCanceled",
    "TranslationResult",
    "VariantOutput",
    "load_engine",
]


def __getattr__(name: str):
    if name in {"Engine", "load_engine"}:
        from . import engine

        return getattr(engine, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
