"""Rendering an edit into a photo: identity when nothing moves, untouched outside the region,
continuous at its edge, and the skin edits stay inside the face."""

from __future__ import annotations

import numpy as np
import torch

from generation.ml import render
from generation.ml import shape as shapes
from generation.ml.evaluate import seam_figures
from generation.tests.test_ml_geometry import a_face

FRAME = 128


def a_photo() -> tuple[np.ndarray, np.ndarray]:
    """A 480x440 photo with smooth shading and fine grain, and a face's 68 landmarks in it."""
    rng = np.random.default_rng(3)
    ys, xs = np.mgrid[0:440, 0:480]
    base = 120 + 60 * np.sin(xs / 37.0) * np.cos(ys / 53.0)
    grain = rng.normal(0, 6, (440, 480))
    photo = np.stack([base + grain, base * 0.8 + grain, base * 0.6 + grain], -1)
    landmarks = a_face() + np.array([140, 110])
    return np.clip(photo, 0, 255).astype(np.uint8), landmarks


def an_edit(
    landmarks: np.ndarray, *, move: float = 0.0, texture: torch.Tensor | None = None, **skin
):
    dense = shapes.dense_landmarks(landmarks)
    target = dense.copy()
    target[4:13, 1] -= move  # chin and jaw up
    mean = shapes.procrustes_mean(dense[None])
    to_model = shapes.similarity(dense, mean)
    scale = 0.4 * FRAME / float(np.linalg.norm(mean, axis=1).max())
    to_frame = np.vstack([to_model * scale, [0, 0, 1]])[:2] + np.array(
        [[0, 0, FRAME / 2], [0, 0, FRAME / 2]]
    )
    return render.FaceEdit(
        source=dense,
        target=target,
        texture=texture,
        frame_dense=mean * scale + FRAME / 2,
        to_frame=to_frame,
        **skin,
    )


def outside_mask(photo: np.ndarray, landmarks: np.ndarray) -> np.ndarray:
    pinned = shapes.ring(shapes.dense_landmarks(landmarks))
    centre = pinned.mean(0)
    radius = np.linalg.norm(pinned - centre, axis=1).mean()
    ys, xs = np.mgrid[0 : photo.shape[0], 0 : photo.shape[1]]
    return np.hypot(xs + 0.5 - centre[0], ys + 0.5 - centre[1]) >= render.FEATHER_OUTER * radius


def test_an_edit_that_moves_nothing_returns_the_photo_unchanged():
    photo, landmarks = a_photo()
    assert np.array_equal(render.render(photo, [an_edit(landmarks)]), photo)


def test_moving_the_jaw_changes_the_face_and_nothing_outside_the_region():
    photo, landmarks = a_photo()
    texture = torch.zeros(FRAME, FRAME, 3)
    texture[60:90, 40:90] = 0.1
    output = render.render(photo, [an_edit(landmarks, move=12.0, texture=texture)])
    outside = outside_mask(photo, landmarks)
    assert np.array_equal(output[outside], photo[outside])
    inside_change = np.abs(output.astype(int) - photo).max(-1)[~outside]
    assert inside_change.max() > 20


def test_the_change_is_continuous_at_the_edge_of_the_region():
    photo, landmarks = a_photo()
    output = render.render(photo, [an_edit(landmarks, move=12.0)])
    figures = seam_figures(photo, output, landmarks)
    assert figures["changed_outside"] == 0
    # A seam would be a step of the change at the region's edge: the change there is gradual.
    assert figures["edge_step"] <= 2.0


def test_skin_edits_stay_inside_the_face_and_smooth_it():
    photo, landmarks = a_photo()
    output = render.render(photo, [an_edit(landmarks, smoothing=1.0, stubble=1.0, seed=1)])
    outside = outside_mask(photo, landmarks)
    assert np.array_equal(output[outside], photo[outside])
    cheek = (slice(240, 270), slice(200, 240))
    assert output[cheek].astype(float).std() < photo[cheek].astype(float).std()


def test_beard_removal_brings_a_dark_chin_back_to_the_skin_tone():
    photo, landmarks = a_photo()
    photo[:] = (200, 160, 130)  # plain skin
    chin = (slice(282, 297), slice(215, 265))  # between the lower lip and the chin point
    photo[chin] = (60, 45, 35)  # a dark beard
    output = render.render(photo, [an_edit(landmarks, beard_removal=1.0)])
    assert output[chin].astype(float).mean() > photo[chin].astype(float).mean() + 60


def test_a_moustache_between_nose_and_lip_is_removed_in_full():
    photo, landmarks = a_photo()
    photo[:] = (200, 160, 130)
    dense = shapes.dense_landmarks(landmarks)
    top, bottom = dense[33, 1], dense[48:60, 1].min()  # nose bottom, top of the lips
    left, right = sorted((dense[49, 0], dense[53, 0]))
    moustache = (
        slice(int(top + 0.3 * (bottom - top)), int(bottom - 1)),
        slice(int(left), int(right)),
    )
    photo[moustache] = (50, 40, 30)
    output = render.render(photo, [an_edit(landmarks, beard_removal=1.0)])
    # Most of the way back to the skin (163): a blurred mask used to leave more than half of
    # the moustache (102 here).
    assert output[moustache].astype(float).mean() > 125


def test_the_skin_reference_follows_the_light_across_the_face():
    photo, landmarks = a_photo()
    xs = np.mgrid[0 : photo.shape[0], 0 : photo.shape[1]][1]
    photo[:] = np.clip(80 + 0.6 * xs, 0, 255)[..., None].astype(np.uint8)
    image = torch.from_numpy(photo).permute(2, 0, 1).float()
    field = render.skin_luma_field(image, shapes.dense_landmarks(landmarks), 200.0)
    assert field[250, 200] < field[250, 300] - 20


def test_faces_near_the_border_never_pull_pixels_from_beyond_it():
    photo, landmarks = a_photo()
    shifted = landmarks - [130, 0]  # the jaw now reaches the photo's left edge
    output = render.render(photo, [an_edit(shifted, move=20.0)])
    assert output.shape == photo.shape
    assert np.isfinite(output).all()
