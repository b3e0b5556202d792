"""Shape geometry, smooth maps, colour conversion and the fixed data split."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from generation.ml import colour, data
from generation.ml import shape as shapes
from generation.ml.warp import Mesh, ThinPlateSpline


def a_face(rng: np.random.Generator | None = None) -> np.ndarray:
    """68 plausible landmarks: a jaw arc, brows, nose, eyes and mouth of a 200 px face."""
    rng = rng or np.random.default_rng(0)
    jaw_angles = np.linspace(np.pi * 0.95, np.pi * 0.05, 17)
    jaw = np.stack([100 + 80 * np.cos(jaw_angles), 100 + 90 * np.sin(jaw_angles)], 1)
    brows = np.stack([np.r_[np.linspace(40, 85, 5), np.linspace(115, 160, 5)], np.full(10, 70)], 1)
    nose = np.r_[
        np.stack([np.full(4, 100), np.linspace(80, 120, 4)], 1),
        np.stack([np.linspace(85, 115, 5), np.full(5, 128)], 1),
    ]
    eye = np.array([[0, 0], [8, -5], [16, -5], [24, 0], [16, 4], [8, 4]], float)
    eyes = np.r_[eye + np.array([48, 88]), eye + np.array([128, 88])]
    mouth_angles = np.linspace(0, 2 * np.pi, 12, endpoint=False)
    outer = np.stack([100 + 30 * np.cos(mouth_angles), 155 + 12 * np.sin(mouth_angles)], 1)
    inner_angles = np.linspace(0, 2 * np.pi, 8, endpoint=False)
    inner = np.stack([100 + 20 * np.cos(inner_angles), 155 + 5 * np.sin(inner_angles)], 1)
    face = np.r_[jaw, brows, nose, eyes, outer, inner]
    return face + rng.normal(0, 0.5, face.shape)


def test_similarity_recovers_a_known_rotation_scale_and_shift():
    points = np.random.default_rng(0).uniform(0, 200, size=(73, 2))
    angle, scale = 0.3, 0.7
    rotation = scale * np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    known = np.hstack([rotation, np.array([[12.0], [-5.0]])])
    estimated = shapes.similarity(points, shapes.apply(known, points))
    assert np.allclose(estimated, known, atol=1e-9)
    back = shapes.apply(shapes.invert(known), shapes.apply(known, points))
    assert np.allclose(back, points)
    assert np.isclose(shapes.scale_of(known), scale)


def test_forehead_points_sit_above_the_brows_and_follow_the_face_when_it_rotates():
    face = a_face()
    dense = shapes.dense_landmarks(face)
    assert dense.shape == (shapes.DENSE_POINTS, 2)
    assert (dense[68:73, 1] < face[17:27, 1].min()).all()  # y grows downwards
    turn = np.array([[0.0, -1.0, 300.0], [1.0, 0.0, 0.0]])  # 90 degrees
    assert np.allclose(shapes.dense_landmarks(shapes.apply(turn, face)), shapes.apply(turn, dense))


def test_the_ring_lies_outside_the_face():
    dense = shapes.dense_landmarks(a_face())
    pinned = shapes.ring(dense)
    centre = dense.mean(0)
    assert pinned.shape == (shapes.RING_POINTS, 2)
    assert (
        np.linalg.norm(pinned - centre, axis=1).min() > np.linalg.norm(dense - centre, axis=1).max()
    )


def test_the_shape_model_round_trips_and_whitens():
    rng = np.random.default_rng(1)
    faces = np.stack(
        [shapes.dense_landmarks(a_face(rng) * rng.uniform(0.8, 1.2)) for _ in range(60)]
    )
    mean = shapes.procrustes_mean(faces)
    aligned = np.stack([shapes.apply(shapes.similarity(f, mean), f) for f in faces])
    model = shapes.ShapeModel.fit(aligned, components=200)
    coefficients = model.encode(aligned)
    assert np.allclose(model.decode(coefficients), aligned, atol=1e-8)
    leading = coefficients[:, :5]
    assert np.allclose(leading.std(0, ddof=1), 1, atol=1e-6)


def test_a_frontal_face_has_no_yaw_and_a_turned_one_does():
    face = a_face()
    assert abs(shapes.yaw_estimate(face)) < 0.05
    turned = face.copy()
    turned[27:36, 0] += 35  # nose towards the right side of the jaw
    assert shapes.yaw_estimate(turned) < -0.3


def test_a_thin_plate_spline_hits_its_control_points_and_is_the_identity_when_nothing_moves():
    rng = np.random.default_rng(2)
    source = rng.uniform(0, 100, (30, 2))
    target = source + rng.normal(0, 3, source.shape)
    spline = ThinPlateSpline.fit(source, target, smoothing=1e-9)
    assert np.allclose(spline(source), target, atol=1e-4)
    identity = ThinPlateSpline.fit(source, source)
    probes = rng.uniform(0, 100, (50, 2))
    assert np.allclose(identity(probes), probes, atol=1e-6)


def test_a_mesh_maps_its_own_vertices_to_the_identity():
    points = np.array([[0, 0], [40, 0], [0, 40], [40, 40], [20, 20]], dtype=float)
    triangles = np.array([[0, 1, 4], [1, 3, 4], [3, 2, 4], [2, 0, 4]])
    mesh = Mesh.build(points, triangles, 40)
    positions = mesh.positions(points)
    centres = np.stack(np.meshgrid(np.arange(40) + 0.5, np.arange(40) + 0.5), -1).reshape(-1, 2)
    assert np.allclose(positions, centres)
    shifted = mesh.positions(points + np.array([5.0, -2.0]))
    assert np.allclose(shifted, centres + np.array([5.0, -2.0]))


def test_lab_round_trip_is_lossless_for_in_gamut_colours():
    rgb = torch.rand(50, 3)
    assert torch.allclose(colour.lab_to_rgb(colour.rgb_to_lab(rgb)), rgb, atol=1e-4)


def test_the_held_out_split_is_fixed_by_the_file_name():
    names = [f"{age}_0_0_2017{age:04d}.jpg.chip.jpg" for age in range(1, 400)]
    chosen = [name for name in names if data.is_held_out(name)]
    assert 0.05 < len(chosen) / len(names) < 0.15
    assert chosen == [name for name in names if data.is_held_out(name)]


def test_labels_are_parsed_from_file_names_and_bad_names_are_skipped():
    record = data.parse_name(Path("34_1_2_20170109.jpg.chip.jpg"))
    assert record is not None
    assert (record.age, record.female, record.race, record.child) == (34, True, "asian", False)
    assert data.parse_name(Path("39_1_20170116174525125.jpg.chip.jpg")).race is None
    assert data.parse_name(Path("notes.jpg")) is None
    assert data.parse_name(Path("30_7_0_2017.jpg")) is None


def test_laplacian_variance_is_higher_for_a_sharper_image():
    noise = torch.rand(64, 64, generator=torch.Generator().manual_seed(0))
    blurred = torch.nn.functional.avg_pool2d(noise[None, None], 5, 1, 2)[0, 0]
    assert colour.laplacian_variance(noise) > 10 * colour.laplacian_variance(blurred)
    assert colour.laplacian_variance(noise, torch.ones(64, 64)) > 0
