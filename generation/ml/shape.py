"""Face shape: dense landmarks, Procrustes alignment and the shape PCA.

A face's shape is dlib's 68 landmarks plus five forehead points (the 68 stop at the brows, so an
edit could never move the forehead). The forehead points are placed above the brows along the
face's own up direction, at a fixed fraction of its size, so they follow the brows when the shape
changes. A ring of points well outside the face is added for rendering only: it is pinned, so
the warp fades to nothing before the hair line, ears and background.

Shapes are compared after similarity (rotation, scale, shift) alignment onto the mean shape; what
is left is the proportions, which is what the shape PCA describes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FOREHEAD_BROW_POINTS = (17, 19, 21, 22, 24, 26)  # pairs 21/22 are averaged into one point
FOREHEAD_LIFT = (0.22, 0.34, 0.40, 0.34, 0.22)  # fraction of brow-to-chin height, outer to centre
DENSE_POINTS = 68 + len(FOREHEAD_LIFT)
RING_POINTS = 20
RING_SCALE = 1.75  # ring radius as a multiple of the face's half-size


def up_direction(landmarks: np.ndarray) -> tuple[np.ndarray, float]:
    """Unit vector from the chin towards the brows, and the chin-to-brow distance."""
    brow_centre = landmarks[17:27].mean(0)
    axis = brow_centre - landmarks[8]
    height = float(np.linalg.norm(axis))
    return axis / max(height, 1e-6), height


def dense_landmarks(landmarks: np.ndarray) -> np.ndarray:
    """(73, 2): the 68 dlib points and five forehead points."""
    up, height = up_direction(landmarks)
    brows = [
        landmarks[17],
        landmarks[19],
        (landmarks[21] + landmarks[22]) / 2,
        landmarks[24],
        landmarks[26],
    ]
    forehead = [
        point + up * lift * height for point, lift in zip(brows, FOREHEAD_LIFT, strict=True)
    ]
    return np.vstack([landmarks, np.array(forehead)])


def face_frame(dense: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Centre, unit up vector, and half-size (across, along) of a dense face."""
    up, _ = up_direction(dense[:68])
    right = np.array([-up[1], up[0]])
    centre = dense.mean(0)
    offsets = dense - centre
    half = np.array([np.abs(offsets @ right).max(), np.abs(offsets @ up).max()], dtype=np.float64)
    return centre, up, half


def ring(dense: np.ndarray, scale: float = RING_SCALE) -> np.ndarray:
    """(RING_POINTS, 2) pinned points on an ellipse ``scale`` times the face's half-size."""
    centre, up, half = face_frame(dense)
    right = np.array([-up[1], up[0]])
    angles = np.linspace(0, 2 * np.pi, RING_POINTS, endpoint=False)
    radius = half.max() * scale
    return centre + radius * (np.cos(angles)[:, None] * right + np.sin(angles)[:, None] * up)


def similarity(source: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Least-squares similarity (2x3) mapping ``source`` points onto ``target`` points."""
    source_mean, target_mean = source.mean(0), target.mean(0)
    s = (source - source_mean) @ np.array([1, 1j])
    t = (target - target_mean) @ np.array([1, 1j])
    a = (np.conj(s) * t).sum() / max((np.abs(s) ** 2).sum(), 1e-12)
    linear = np.array([[a.real, -a.imag], [a.imag, a.real]])
    return np.hstack([linear, (target_mean - linear @ source_mean)[:, None]])


def apply(matrix: np.ndarray, points: np.ndarray) -> np.ndarray:
    return points @ matrix[:, :2].T + matrix[:, 2]


def invert(matrix: np.ndarray) -> np.ndarray:
    linear = np.linalg.inv(matrix[:, :2])
    return np.hstack([linear, -(linear @ matrix[:, 2])[:, None]])


def procrustes_mean(shapes: np.ndarray, iterations: int = 4) -> np.ndarray:
    """Generalised Procrustes mean of (N, P, 2) shapes: centred, unit root-mean-square size."""
    reference = _normalised(shapes[0])
    for _ in range(iterations):
        aligned = np.stack([apply(similarity(shape, reference), shape) for shape in shapes])
        reference = _normalised(aligned.mean(0))
    return reference


def _normalised(shape: np.ndarray) -> np.ndarray:
    centred = shape - shape.mean(0)
    return centred / np.sqrt((centred**2).sum(1).mean())


@dataclass
class ShapeModel:
    """PCA of similarity-aligned dense shapes."""

    mean: np.ndarray  # (P, 2), centred, unit RMS size
    basis: np.ndarray  # (P*2, k), orthonormal columns
    scale: np.ndarray  # (k,), standard deviation of each coefficient (for whitening)

    @property
    def components(self) -> int:
        return self.basis.shape[1]

    def align(self, dense: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(aligned shape, photo->model similarity)."""
        matrix = similarity(dense, self.mean)
        return apply(matrix, dense), matrix

    def encode(self, aligned: np.ndarray) -> np.ndarray:
        """Whitened coefficients of aligned shapes, (..., P, 2) -> (..., k)."""
        flat = (aligned - self.mean).reshape(*aligned.shape[:-2], -1)
        return flat @ self.basis / self.scale

    def decode(self, coefficients: np.ndarray) -> np.ndarray:
        flat = (coefficients * self.scale) @ self.basis.T
        return self.mean + flat.reshape(*coefficients.shape[:-1], -1, 2)

    @classmethod
    def fit(cls, aligned: np.ndarray, components: int) -> ShapeModel:
        mean = aligned.mean(0)
        flat = (aligned - mean).reshape(len(aligned), -1)
        _, singular, vectors = np.linalg.svd(flat, full_matrices=False)
        components = min(components, vectors.shape[0])
        basis = vectors[:components].T
        scale = singular[:components] / np.sqrt(max(len(aligned) - 1, 1))
        return cls(mean=mean, basis=basis, scale=np.maximum(scale, 1e-9))


def yaw_estimate(landmarks: np.ndarray) -> float:
    """Signed head turn in [-1, 1] from how far the nose tip sits from the jaw's middle:
    0 for a frontal face, about +-0.5 at a three-quarter view."""
    left = np.linalg.norm(landmarks[30] - landmarks[2])
    right = np.linalg.norm(landmarks[30] - landmarks[14])
    return float((right - left) / max(right + left, 1e-6) * 2)


def scale_of(matrix: np.ndarray) -> float:
    return float(np.sqrt(abs(np.linalg.det(matrix[:, :2]))))
