"""The engine with the shipped weights, on the public-domain astronaut portrait."""

from __future__ import annotations

import io
import threading

import numpy as np
import pytest
import torch
from PIL import Image
from skimage import data as skimage_data

from generation.ml import (
    DIRECTIONS,
    FaceTooSmall,
    InvalidImage,
    InvalidSettings,
    NoFaceFound,
    TranslationCanceled,
    load_engine,
)
from generation.ml.colour import lab_to_rgb, laplacian_variance, rgb_to_lab
from generation.ml.evaluate import fidelity_figures


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
    assert info["device"] in {"cpu", "cuda"}
    assert load_engine() is engine  # one engine per process
    assert all(gain >= 1 for gain in info["transport_gain"].values())


def test_a_gain_of_one_leaves_the_bridge_displacement_as_sampled(engine):
    source = torch.zeros(1, 3)
    moved = torch.ones(1, 3)
    assert engine._amplify(source, moved, 1.0) is moved
    assert torch.equal(engine._amplify(source, moved, 2.0), torch.full((1, 3), 2.0))


@pytest.mark.parametrize("direction", DIRECTIONS)
def test_every_direction_returns_photo_sized_composites_and_crops(engine, portrait, direction):
    result = engine.translate(portrait, direction=direction, variants=2, seed=3)
    assert len(result.faces) == 1 and result.faces[0].size_px >= 80
    assert [variant.seed for variant in result.variants] == [3, 4]
    for variant in result.variants:
        assert variant.composite.size == portrait.size
        assert variant.composite.mode == "RGB"
        assert variant.crops[0][1].size == (256, 256)
    assert not np.array_equal(pixels(result.variants[0].composite), pixels(portrait))
    assert result.input_crops[0][1].size == (256, 256)
    assert set(result.timings) >= {
        "decode",
        "detect",
        "align",
        "encode",
        "transport",
        "decode_latent",
        "fidelity",
        "composite",
        "total",
    }


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
    assert [stage for stage, _ in seen] == [
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


def test_sharpness_of_the_face_stays_within_20_percent_on_the_portrait(engine, portrait):
    large = portrait.resize((1024, 1024), Image.Resampling.LANCZOS)
    result = engine.translate(large, direction="male_to_female", variants=2, seed=6)
    box = result.faces[0].box
    before = torch.from_numpy(pixels(large)[box[1] : box[3], box[0] : box[2]].mean(-1))
    for variant in result.variants:
        after_pixels = pixels(variant.composite)[box[1] : box[3], box[0] : box[2]]
        after = torch.from_numpy(after_pixels.mean(-1))
        ratio = laplacian_variance(after.double()) / laplacian_variance(before.double())
        assert 0.8 <= ratio <= 1.2


def test_plain_decoding_without_fidelity_is_softer_than_the_photo(engine, portrait):
    large = portrait.resize((1024, 1024), Image.Resampling.LANCZOS)
    result = engine.translate(large, direction="male_to_female", variants=1, seed=6, fidelity=False)
    box = result.faces[0].box
    before = pixels(large)[box[1] : box[3], box[0] : box[2]].mean(-1)
    after = pixels(result.variants[0].composite)[box[1] : box[3], box[0] : box[2]].mean(-1)
    ratio = laplacian_variance(torch.from_numpy(after)) / laplacian_variance(
        torch.from_numpy(before)
    )
    assert ratio < 0.8
