"""Plain result types returned by :meth:`Engine.translate`, and the direction hint."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL import Image

# Above this probability the face already looks like the direction's target.
ALREADY_THERE = 0.75


@dataclass(frozen=True)
class FaceEstimate:
    """The engine's reading of the input face: probabilities from a classifier on its latent."""

    child: float
    female: float

    def as_dict(self) -> dict[str, float]:
        return {"child": round(self.child, 3), "female": round(self.female, 3)}


@dataclass(frozen=True)
class FaceInfo:
    index: int
    box: tuple[int, int, int, int]  # left, top, right, bottom in working-size pixels
    size_px: int
    estimate: FaceEstimate | None = None
    turned: bool = False  # a turned face gets a proportionally smaller edit


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
    variation: float = 1.0
    model_version: str = ""
    work_scale: float = 1.0  # < 1 when a large photo was processed (and returned) smaller


_OPPOSITE = {
    "adult_to_child": "child_to_adult",
    "child_to_adult": "adult_to_child",
    "male_to_female": "female_to_male",
    "female_to_male": "male_to_female",
}
_ALREADY = {
    "adult_to_child": ("child", True, "This face already looks like a child"),
    "child_to_adult": ("child", False, "This face already looks like an adult"),
    "male_to_female": ("female", True, "This face already looks female"),
    "female_to_male": ("female", False, "This face already looks male"),
}


def direction_hint(direction: str, estimate: FaceEstimate | None) -> dict[str, str] | None:
    """A suggestion when the face already looks like the direction's target, else None."""
    if estimate is None or direction not in _ALREADY:
        return None
    attribute, positive, message = _ALREADY[direction]
    probability = getattr(estimate, attribute)
    likely = probability if positive else 1 - probability
    if likely < ALREADY_THERE:
        return None
    suggestion = _OPPOSITE[direction]
    return {
        "code": "direction_already_met",
        "message": f"{message} ({likely:.0%} sure): try {suggestion.replace('_', ' ')}.",
        "suggested_direction": suggestion,
    }
