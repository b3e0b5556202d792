"""Pasting into a large photo reports progress per variant, and cuts close-ups cheaply."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from skimage import data as skimage_data

from generation.ml import detect, load_engine
from generation.ml.engine import CROP_OUTPUT_SIZE, face_crop


@pytest.fixture(scope="module")
def engine():
    return load_engine()


def test_pasting_moves_the_bar_once_per_variant_and_once_for_the_journey(engine):
    reports: list[tuple[str, int]] = []

    engine.translate(
        Image.fromarray(skimage_data.astronaut()),
        direction="adult_to_child",
        variants=3,
        seed=2,
        journey_frames=3,
        on_progress=lambda stage, percent: reports.append((stage, percent)),
    )

    pasting = [percent for stage, percent in reports if stage == "composite"]
    assert len(pasting) == 1 + 3 + 1  # the stage starts, each variant, the journey
    assert pasting[0] == 80 and pasting[-1] == 99
    assert pasting == sorted(set(pasting))  # always forward
    assert reports[-1] == ("done", 100)


def _crop_of_the_whole_photo(rgb: np.ndarray, box: tuple[int, int, int, int]) -> Image.Image:
    """What face_crop did before: the whole photo as an image, then cut (black beyond it)."""
    return (
        Image.fromarray(rgb)
        .crop(box)
        .resize((CROP_OUTPUT_SIZE, CROP_OUTPUT_SIZE), Image.Resampling.LANCZOS, reducing_gap=2.0)
    )


@pytest.mark.parametrize(
    "box",
    [(180, 80, 330, 250), (-40, -30, 120, 140), (400, 380, 560, 540)],
    ids=["inside", "beyond the top left", "beyond the bottom right"],
)
def test_a_close_up_is_the_same_square_as_cutting_the_whole_photo(box):
    rgb = skimage_data.astronaut()
    face = detect.DetectedFace(box=box, landmarks=np.zeros((68, 2)))
    left, top, right, bottom = box
    centre_x, centre_y = (left + right) / 2, (top + bottom) / 2 - 0.08 * (bottom - top)
    half = 0.95 * max(right - left, bottom - top)
    square = tuple(
        round(v) for v in (centre_x - half, centre_y - half, centre_x + half, centre_y + half)
    )

    assert np.array_equal(
        np.asarray(face_crop(rgb, face)), np.asarray(_crop_of_the_whole_photo(rgb, square))
    )


@pytest.mark.django_db
def test_a_jobs_bar_moves_while_pasting_and_while_saving(make_generation, user, monkeypatch):
    from generation.models import Generation
    from generation.services import run

    seen: list[tuple[str, int]] = []
    original_call, original_saving = run._ProgressReporter.__call__, run._ProgressReporter.saving

    def note(reporter) -> None:
        row = Generation.objects.values_list("stage", "percent").get(pk=reporter.generation_id)
        seen.append(row)

    def on_call(self, stage, percent):
        original_call(self, stage, percent)
        note(self)

    def on_saving(self, done, steps):
        original_saving(self, done, steps)
        note(self)

    monkeypatch.setattr(run._ProgressReporter, "__call__", on_call)
    monkeypatch.setattr(run._ProgressReporter, "saving", on_saving)

    make_generation(owner=user, variants=3, run=True)

    pasting = [percent for stage, percent in seen if stage == "composite"]
    saving = [percent for stage, percent in seen if stage == "saving"]
    assert len(pasting) == 4 and pasting == sorted(set(pasting))
    assert pasting[0] == 76 and pasting[-1] == 94
    assert saving == [95, 96, 97, 99]  # the engine's last word, then each stored variant
    assert [percent for _, percent in seen] == sorted(percent for _, percent in seen)
