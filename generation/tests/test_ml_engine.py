"""The engine with the shipped weights, on the public-domain astronaut portrait."""

from __future__ import annotations

import io
import itertools
import threading

import numpy as np
import pytest
import torch
from PIL import Image
from skimage import data as skimage_data

from generation.ml import (
    DIRECTIONS,
    FaceEstimate,
    FaceTooSmall,
    InvalidImage,
    InvalidSettings,
    NoFaceFound,
    TranslationCanceled,
    detect,
    direction_hint,
    load_engine,
    render,
)
from generation.ml.animation import journey_webp
from generation.ml.colour import lab_to_rgb, laplacian_variance, rgb_to_lab
from generation.ml.engine import CROP_OUTPUT_SIZE
from generation.ml.evaluate import fidelity_figures, seam_figures, shape_coefficients


@pytest.fixture(scope="module")
def engine():
    return load_engine()


@pytest.fixture(scope="module")
def portrait() -> Image.Image:
    return Image.fromarray(skimage_data.astronaut())


def pixels(image: Image.Image) -> np.ndarray:
    return np.asarray(image)


def test_shipped_weights_load_and_describe_the_model(engine):
    info = engine.info()
    assert set(info["directions"]) == set(DIRECTIONS)
    assert info["resolution"] == 128
    assert info["version"].startswith("2.")
    assert info["device"] == "cpu"
    assert load_engine() is engine  # one engine per process
    assert all(gain >= 1 for gain in info["shape_gain"].values())


@pytest.mark.parametrize("direction", DIRECTIONS)
def test_every_direction_returns_photo_sized_composites_and_crops(engine, portrait, direction):
    result = engine.translate(portrait, direction=direction, variants=2, seed=3)
    assert len(result.faces) == 1 and result.faces[0].size_px >= 80
    assert [variant.seed for variant in result.variants] == [3, 4]
    for variant in result.variants:
        assert variant.composite.size == portrait.size
        assert variant.composite.mode == "RGB"
        assert variant.crops[0][1].size == (CROP_OUTPUT_SIZE, CROP_OUTPUT_SIZE)
    assert not np.array_equal(pixels(result.variants[0].composite), pixels(portrait))
    assert result.input_crops[0][1].size == (CROP_OUTPUT_SIZE, CROP_OUTPUT_SIZE)
    assert set(result.timings) >= {
        "decode",
        "detect",
        "align",
        "encode",
        "transport",
        "decode_latent",
        "composite",
        "total",
    }
    assert result.model_version == engine.version


def test_the_same_seed_gives_bit_identical_output_and_another_seed_differs(engine, portrait):
    first = engine.translate(portrait, direction="male_to_female", variants=2, seed=11)
    again = engine.translate(portrait, direction="male_to_female", variants=2, seed=11)
    other = engine.translate(portrait, direction="male_to_female", variants=1, seed=12)
    assert (
        pixels(first.variants[1].composite).tobytes()
        == pixels(again.variants[1].composite).tobytes()
    )
    assert not np.array_equal(
        pixels(first.variants[0].composite), pixels(other.variants[0].composite)
    )
    # variant 1 of seed 11 is variant 0 of seed 12
    assert np.array_equal(pixels(first.variants[1].composite), pixels(other.variants[0].composite))


def test_a_random_seed_is_chosen_and_reported_when_none_is_given(engine, portrait):
    result = engine.translate(portrait, direction="adult_to_child", variants=1, seed=None)
    assert isinstance(result.seed, int)


def test_strength_zero_returns_the_input_unchanged(engine, portrait):
    result = engine.translate(portrait, direction="adult_to_child", variants=2, seed=5, strength=0)
    for variant in result.variants:
        assert np.array_equal(pixels(variant.composite), pixels(portrait))


def test_a_weaker_strength_changes_the_face_less(engine, portrait):
    def change(strength: float) -> float:
        result = engine.translate(
            portrait, direction="adult_to_child", variants=1, seed=5, strength=strength
        )
        difference = pixels(result.variants[0].composite).astype(float) - pixels(portrait)
        return float(np.abs(difference).mean())

    assert 0 < change(0.3) < change(1.0)


def test_journey_frames_run_from_the_input_to_the_first_variant(engine, portrait):
    result = engine.translate(
        portrait, direction="female_to_male", variants=2, seed=9, strength=0.8, journey_frames=5
    )
    assert len(result.journey) == 5
    assert np.array_equal(pixels(result.journey[0]), pixels(portrait))
    assert np.array_equal(pixels(result.journey[-1]), pixels(result.variants[0].composite))
    assert all(frame.size == portrait.size for frame in result.journey)


def test_progress_is_reported_in_stage_order_and_can_cancel(engine, portrait):
    seen = []
    engine.translate(
        portrait,
        direction="adult_to_child",
        variants=1,
        seed=1,
        on_progress=lambda stage, percent: seen.append((stage, percent)),
    )
    # Pasting also reports each variant it finished (here one).
    assert [stage for stage, _ in seen].count("composite") == 2
    assert list(dict.fromkeys(stage for stage, _ in seen)) == [
        "detect",
        "align",
        "encode",
        "transport",
        "decode",
        "composite",
        "done",
    ]
    assert [percent for _, percent in seen] == sorted(percent for _, percent in seen)
    assert seen[-1][1] == 100

    def cancel(stage, percent):
        if stage == "encode":
            raise TranslationCanceled()

    with pytest.raises(TranslationCanceled) as caught:
        engine.translate(portrait, direction="adult_to_child", variants=1, on_progress=cancel)
    assert caught.value.code == "canceled"


def test_a_2000_pixel_photo_comes_back_at_2000_pixels(engine, portrait):
    large = portrait.resize((2000, 2000), Image.Resampling.BICUBIC)
    result = engine.translate(large, direction="male_to_female", variants=1, seed=2)
    assert result.variants[0].composite.size == (2000, 2000)
    assert result.faces[0].size_px > 300
    # far from the face nothing changes
    assert np.array_equal(
        pixels(result.variants[0].composite)[1800:, :200], pixels(large)[1800:, :200]
    )


def test_exif_orientation_is_applied_before_detection(engine, portrait):
    rotated = portrait.rotate(90, expand=True)  # lying on its side, as a phone might store it
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to view"
    buffer = io.BytesIO()
    rotated.save(buffer, format="JPEG", exif=exif.tobytes(), quality=95)
    buffer.seek(0)
    result = engine.translate(Image.open(buffer), direction="adult_to_child", variants=1, seed=1)
    assert result.variants[0].composite.size == portrait.size
    assert len(result.faces) == 1


def test_several_faces_are_all_translated_largest_first(engine, portrait):
    canvas = Image.new("RGB", (1100, 560), "white")
    canvas.paste(portrait, (0, 0))
    canvas.paste(portrait.resize((470, 470)), (600, 60))
    result = engine.translate(canvas, direction="adult_to_child", variants=1, seed=4)
    assert len(result.faces) == 2
    assert result.faces[0].size_px > result.faces[1].size_px
    assert [index for index, _ in result.variants[0].crops] == [0, 1]
    only_second = engine.translate(
        canvas, direction="adult_to_child", variants=1, seed=4, face_index=1
    )
    assert [face.index for face in only_second.faces] == [1]
    with pytest.raises(InvalidSettings):
        engine.translate(canvas, direction="adult_to_child", variants=1, face_index=5)


def test_a_photo_without_a_face_raises_no_face_found(engine):
    noise = np.random.default_rng(0).integers(0, 255, (300, 300, 3), dtype=np.uint8)
    for image in (Image.new("RGB", (400, 300), "grey"), Image.fromarray(noise)):
        with pytest.raises(NoFaceFound) as caught:
            engine.translate(image, direction="adult_to_child")
        assert caught.value.code == "no_face_detected"
        assert "80 px" in caught.value.message


def test_a_small_face_raises_face_too_small_with_the_sizes(engine, portrait):
    with pytest.raises(FaceTooSmall) as caught:
        engine.translate(portrait.resize((200, 200)), direction="adult_to_child")
    assert caught.value.code == "face_too_small"
    assert 20 < caught.value.found_px < caught.value.needed_px == 80


def test_an_unreadable_image_raises_invalid_image(engine, portrait):
    buffer = io.BytesIO()
    portrait.save(buffer, format="PNG")
    truncated = Image.open(io.BytesIO(buffer.getvalue()[:5000]))
    with pytest.raises(InvalidImage) as caught:
        engine.translate(truncated, direction="adult_to_child")
    assert caught.value.code == "invalid_image"
    with pytest.raises(InvalidImage):
        engine.translate("not an image", direction="adult_to_child")


@pytest.mark.parametrize(
    "overrides",
    [
        {"direction": "old_to_young"},
        {"variants": 0},
        {"variants": 9},
        {"strength": 1.5},
        {"variation": -0.1},
        {"variation": 2.5},
        {"journey_frames": 1},
        {"journey_frames": 17},
        {"face_index": -1},
    ],
)
def test_settings_out_of_range_raise_invalid_settings(engine, portrait, overrides):
    arguments = {"direction": "adult_to_child", **overrides}
    with pytest.raises(InvalidSettings) as caught:
        engine.translate(portrait, **arguments)
    assert caught.value.code == "invalid_settings"


def test_concurrent_translations_match_sequential_ones(engine, portrait):
    expected = pixels(
        engine.translate(portrait, direction="child_to_adult", variants=1, seed=21)
        .variants[0]
        .composite
    )
    results = {}

    def work(name):
        result = engine.translate(portrait, direction="child_to_adult", variants=1, seed=21)
        results[name] = pixels(result.variants[0].composite)

    threads = [threading.Thread(target=work, args=(name,)) for name in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(np.array_equal(found, expected) for found in results.values())


def recoloured_portrait(portrait: Image.Image, lightness_scale: float, yellow: float):
    """The portrait with a known, different skin tone: Lab lightness scaled, b* shifted."""
    lab = rgb_to_lab(torch.from_numpy(pixels(portrait).astype(np.float32) / 255))
    lab[..., 0] *= lightness_scale
    lab[..., 2] += yellow
    return Image.fromarray(np.rint(lab_to_rgb(lab).numpy() * 255).astype(np.uint8))


@pytest.mark.parametrize(("lightness_scale", "yellow"), [(0.55, 8.0), (1.0, 0.0), (1.12, -4.0)])
@pytest.mark.parametrize("direction", ["adult_to_child", "female_to_male"])
def test_skin_tone_stays_within_target_after_translation(
    engine, portrait, lightness_scale, yellow, direction
):
    photo = recoloured_portrait(portrait, lightness_scale, yellow)
    result = engine.translate(photo, direction=direction, variants=2, seed=8)
    from generation.ml import detect

    landmarks = detect.detect_faces(pixels(photo))[0].landmarks
    for variant in result.variants:
        figures = fidelity_figures(pixels(photo), pixels(variant.composite), landmarks)
        assert abs(figures["l_shift"]) <= 2
        assert figures["delta_e_mean_colour"] <= 4


def test_sharpness_of_the_face_stays_within_20_percent_when_no_smoothing_is_asked(engine, portrait):
    large = portrait.resize((1024, 1024), Image.Resampling.LANCZOS)
    result = engine.translate(large, direction="child_to_adult", variants=2, seed=6)
    box = result.faces[0].box
    before = torch.from_numpy(pixels(large)[box[1] : box[3], box[0] : box[2]].mean(-1))
    for variant in result.variants:
        after_pixels = pixels(variant.composite)[box[1] : box[3], box[0] : box[2]]
        after = torch.from_numpy(after_pixels.mean(-1))
        ratio = laplacian_variance(after.double()) / laplacian_variance(before.double())
        assert 0.8 <= ratio <= 1.2


@pytest.mark.parametrize("direction", DIRECTIONS)
def test_pixels_outside_the_edit_region_are_identical_and_the_edge_has_no_step(
    engine, portrait, direction
):
    large = portrait.resize((900, 900), Image.Resampling.LANCZOS)
    result = engine.translate(large, direction=direction, variants=1, seed=3)
    landmarks = detect.detect_faces(pixels(large))[0].landmarks
    figures = seam_figures(pixels(large), pixels(result.variants[0].composite), landmarks)
    assert figures["changed_outside"] == 0
    assert figures["edge_step"] <= 3.0


@pytest.mark.parametrize("direction", DIRECTIONS)
def test_the_face_shape_moves_toward_the_target_groups_mean(engine, portrait, direction):
    result = engine.translate(portrait, direction=direction, variants=2, seed=13)
    before = shape_coefficients(engine, detect.detect_faces(pixels(portrait))[0].landmarks)
    source_mean, target_mean = engine.group_means[direction]
    gap = (target_mean - source_mean)[: engine.space.shape_dim].double().numpy()
    for variant in result.variants:
        found = detect.detect_faces(pixels(variant.composite))
        assert found, "the edited face must still be a face"
        moved = shape_coefficients(engine, found[0].landmarks) - before
        assert moved @ gap / (gap @ gap) > 0.1


def test_variants_differ_visibly_and_more_with_more_variation(engine, portrait):
    def spread(variation: float) -> float:
        result = engine.translate(
            portrait, direction="adult_to_child", variants=2, seed=30, variation=variation
        )
        left, top, right, bottom = result.faces[0].box
        first, second = (pixels(v.composite)[top:bottom, left:right] for v in result.variants)
        return float(np.abs(first.astype(float) - second).mean())

    assert spread(1.0) > 0.5
    assert spread(2.0) > spread(1.0) > spread(0.0)


def test_large_photos_are_processed_at_the_working_size(engine, portrait):
    huge = portrait.resize((5000, 5000), Image.Resampling.BILINEAR)  # 25 megapixels
    result = engine.translate(huge, direction="adult_to_child", variants=1, seed=1)
    width, height = result.variants[0].composite.size
    assert width * height <= 8_000_000 and width == height
    assert result.work_scale < 1


def test_the_engine_estimates_age_group_and_sex_of_the_input(engine, portrait):
    faces = engine.estimate(portrait)
    assert len(faces) == 1
    estimate = faces[0].estimate
    assert 0 <= estimate.child <= 1 and 0 <= estimate.female <= 1
    assert estimate.child < 0.5  # an adult
    result = engine.translate(portrait, direction="adult_to_child", variants=1, seed=1)
    assert result.faces[0].estimate == estimate


def test_a_direction_that_does_not_fit_the_face_gets_a_hint():
    child = FaceEstimate(child=0.95, female=0.4)
    hint = direction_hint("adult_to_child", child)
    assert hint["code"] == "direction_already_met"
    assert hint["suggested_direction"] == "child_to_adult"
    assert "child" in hint["message"]
    assert direction_hint("child_to_adult", child) is None
    assert (
        direction_hint("female_to_male", FaceEstimate(child=0.1, female=0.1))["suggested_direction"]
        == "male_to_female"
    )
    assert direction_hint("adult_to_child", None) is None


def test_the_journey_becomes_a_looping_animated_webp(engine, portrait):
    result = engine.translate(
        portrait, direction="adult_to_child", variants=1, seed=2, journey_frames=4
    )
    animation = Image.open(io.BytesIO(journey_webp(result.journey)))
    assert animation.format == "WEBP"
    assert getattr(animation, "n_frames", 1) == 6  # 4 frames forth, 2 back
    with pytest.raises(ValueError):
        journey_webp([])


def test_journey_frames_change_smoothly(engine, portrait):
    result = engine.translate(
        portrait, direction="male_to_female", variants=1, seed=4, journey_frames=8
    )
    frames = [pixels(frame).astype(float) for frame in result.journey]
    steps = [np.abs(b - a).mean() for a, b in itertools.pairwise(frames)]
    total = np.abs(frames[-1] - frames[0]).mean()
    assert total > 0
    assert max(steps) < 0.5 * total  # no single frame does most of the change


def test_beard_removal_is_weighed_by_how_male_the_face_reads(engine, portrait, monkeypatch):
    edits: list[render.FaceEdit] = []
    original = render.PhotoRenderer.render

    def spy(self, face_edits):
        edits.extend(face_edits)
        return original(self, face_edits)

    monkeypatch.setattr(render.PhotoRenderer, "render", spy)
    result = engine.translate(portrait, direction="male_to_female", variants=1, seed=0)
    female = result.faces[0].estimate.female
    assert edits[0].beard_removal == pytest.approx(1.0 - female)
    assert edits[0].beard_removal < 0.2  # the astronaut is a woman: her jaw's shadow stays


def test_the_mouth_moves_as_a_unit_and_does_not_gape():
    from generation.ml.engine import MOUTH_FORM_KEPT, keep_mouth_form
    from generation.ml.shape import dense_landmarks
    from generation.tests.test_ml_geometry import a_face

    source = dense_landmarks(a_face())
    target = source.copy()
    target[48:68] += (12.0, -5.0)  # the whole mouth moves: kept in full
    target[[56, 57, 58, 65, 66, 67], 1] += 10.0  # and the lower lip drops open: mostly not
    kept = keep_mouth_form(source, target)
    opening = (kept[66, 1] - kept[62, 1]) - (source[66, 1] - source[62, 1])
    assert abs(opening) < 10.0 * (MOUTH_FORM_KEPT + 0.2)
    assert np.allclose(kept[48:68].mean(0), target[48:68].mean(0), atol=1.0)
    assert np.array_equal(kept[:48], target[:48])
