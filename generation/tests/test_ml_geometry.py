"""Alignment geometry, colour conversion and the fixed data split."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from generation.ml import align, colour, data


def test_similarity_estimate_recovers_a_known_rotation_scale_and_shift():
    rng = np.random.default_rng(0)
    points = rng.uniform(0, 200, size=(68, 2))
    angle, scale = 0.3, 0.7
    rotation = scale * np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    known = np.hstack([rotation, np.array([[12.0], [-5.0]])])
    estimated = align.estimate_similarity(points, align.apply(known, points))
    assert np.allclose(estimated, known, atol=1e-9)


def test_alignment_round_trip_maps_points_back_where_they_came_from():
    matrix = np.array([[0.5, -0.1, 3.0], [0.1, 0.5, -7.0]])
    points = np.array([[10.0, 20.0], [150.0, 80.0]])
    back = align.apply(align.invert(matrix), align.apply(matrix, points))
    assert np.allclose(back, points)


def test_extracted_crop_and_pasted_change_land_on_the_same_pixels():
    photo = np.zeros((300, 400, 3), dtype=np.uint8)
    photo[100:140, 200:240] = 255  # a white square
    photo_to_crop = np.array([[0.5, 0.0, -80.0], [0.0, 0.5, -30.0]])  # square -> crop (20..40)
    crop = align.extract_crop(photo, photo_to_crop, 64, 64)
    assert crop[30, 30].min() > 0.9 and crop[5, 5].max() < 0.05

    canvas = np.zeros((300, 400, 3), dtype=np.float32)
    change = torch.zeros(64, 64, 3)
    change[20:40, 20:40] = 0.5
    align.paste_delta(canvas, change, torch.ones(64, 64), photo_to_crop, 64)
    assert canvas[120, 220].min() > 120  # inside the square
    assert canvas[50, 50].max() == 0  # far outside


def test_large_faces_are_downscaled_before_sampling_so_crops_do_not_alias():
    stripes = np.zeros((800, 800, 3), dtype=np.uint8)
    stripes[:, ::2] = 255  # one-pixel stripes average to grey when shrunk 8x
    crop = align.extract_crop(stripes, np.array([[0.125, 0, 0], [0, 0.125, 0]]), 100, 100)
    assert abs(float(crop.mean()) - 0.5) < 0.05
    assert float(crop.std()) < 0.1


def test_lab_conversion_round_trips_and_knows_white():
    rgb = torch.rand(50, 3)
    assert torch.allclose(colour.lab_to_rgb(colour.rgb_to_lab(rgb)), rgb, atol=1e-4)
    white = colour.rgb_to_lab(torch.ones(1, 3))[0]
    assert torch.allclose(white, torch.tensor([100.0, 0.0, 0.0]), atol=0.05)


def test_colour_matching_restores_the_reference_mean_lab():
    reference = torch.full((8, 8, 3), 0.3)
    output = torch.full((8, 8, 3), 0.6)
    weights = torch.ones(8, 8)
    matched = colour.match_region_colour(output, reference, weights)
    assert torch.allclose(
        colour.region_mean_lab(matched, weights),
        colour.region_mean_lab(reference, weights),
        atol=0.05,
    )


def test_laplacian_variance_is_higher_for_a_sharper_image():
    noise = torch.rand(64, 64, generator=torch.Generator().manual_seed(0))
    blurred = torch.nn.functional.avg_pool2d(noise[None, None], 5, 1, 2)[0, 0]
    assert colour.laplacian_variance(noise) > 10 * colour.laplacian_variance(blurred)
    assert colour.laplacian_variance(noise, torch.ones(64, 64)) > 0


def test_file_names_give_labels_and_malformed_names_are_skipped():
    record = data.parse_name(Path("25_1_3_20170116174525125.jpg.chip.jpg"))
    assert (record.age, record.female, record.race, record.child) == (25, True, "indian", False)
    missing_race = data.parse_name(Path("39_1_20170116174525125.jpg.chip.jpg"))
    assert missing_race.race is None
    assert data.parse_name(Path("readme.jpg")) is None
    assert data.parse_name(Path("3_7_0_x.jpg")) is None


def test_the_held_out_split_depends_only_on_the_file_name():
    names = [f"{i}_0_0_2017.jpg.chip.jpg" for i in range(2000)]
    held = [name for name in names if data.is_held_out(name)]
    assert held == [name for name in names if data.is_held_out(name)]
    assert 0.05 < len(held) / len(names) < 0.15
