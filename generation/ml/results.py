"""Plain result types returned by :meth:`Engine.translate`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL import Image


@dataclass(frozen=True)
class FaceInfo:
    index: int
    box: tuple[int, int, int, int]  # left, top, right, bottom in photo pixels
    size_px: int


@dataclass
class VariantOutput:
    index: int
    seed: int
    composite: Image.Image
    crops: list[tuple[int, Image.Image]]


@dataclass
class TranslationResult:
    seed: int
    direction: str
    strength: float
    faces: list[FaceInfo]
    variants: list[VariantOutput]
    input_crops: list[tuple[int, Image.Image]]
    journey: list[Image.Image] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
