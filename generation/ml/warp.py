"""Smooth 2-D maps between point sets: piecewise-affine meshes and thin-plate splines.

The piecewise-affine map turns a photo's face into the mean shape (a shape-free texture) with one
gather: every pixel of the texture frame knows its triangle and barycentric weights once, so the
photo position of that pixel is the same weights applied to the face's own landmarks.

The thin-plate spline is the smoothest map (least bending energy) that takes one point set onto
another; rendering evaluates it on a coarse grid and upsamples, so its cost does not grow with the
photo's resolution.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F


@dataclass
class Mesh:
    """A triangulation of points in a square frame of side ``size`` px, with, for every pixel
    centre of the frame, its triangle's vertices and barycentric weights."""

    size: int
    triangles: np.ndarray  # (T, 3) vertex indices
    vertex_index: np.ndarray  # (size*size, 3) the pixel's triangle's vertices
    weights: np.ndarray  # (size*size, 3) barycentric weights (may be < 0 outside the hull)

    @classmethod
    def build(cls, points: np.ndarray, triangles: np.ndarray, size: int) -> Mesh:
        """Assign every pixel centre to the triangle that contains it (or the nearest one)."""
        centres = (np.arange(size) + 0.5).astype(np.float64)
        grid_x, grid_y = np.meshgrid(centres, centres)
        pixels = np.stack([grid_x.ravel(), grid_y.ravel()], 1)
        best_weights = np.zeros((len(pixels), 3))
        best_index = np.zeros((len(pixels), 3), dtype=np.int64)
        best_score = np.full(len(pixels), -np.inf)
        for triangle in triangles:
            weights = barycentric(points[triangle], pixels)
            score = weights.min(1)  # >= 0 inside; the least negative is the nearest
            better = score > best_score
            best_score[better] = score[better]
            best_weights[better] = weights[better]
            best_index[better] = triangle
        return cls(size, np.asarray(triangles), best_index, best_weights)

    def positions(self, vertices: np.ndarray) -> np.ndarray:
        """Where each frame pixel lands when the mesh's vertices move to ``vertices``:
        (..., V, 2) -> (..., size*size, 2)."""
        gathered = vertices[..., self.vertex_index, :]  # (..., S, 3, 2)
        return (gathered * self.weights[..., None]).sum(-2)


def barycentric(triangle: np.ndarray, points: np.ndarray) -> np.ndarray:
    a, b, c = triangle
    matrix = np.array([[b[0] - a[0], c[0] - a[0]], [b[1] - a[1], c[1] - a[1]]])
    determinant = np.linalg.det(matrix)
    if abs(determinant) < 1e-12:
        return np.full((len(points), 3), -np.inf)
    solved = np.linalg.solve(matrix, (points - a).T).T
    return np.stack([1 - solved.sum(1), solved[:, 0], solved[:, 1]], 1)


def sample(image: torch.Tensor, positions: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """Bilinear samples of a (C, H, W) image at pixel positions (N, 2) (x, y in pixel units,
    centres at +0.5), returned as (C, N). Outside the image the border pixel repeats."""
    normalised = torch.empty_like(positions)
    normalised[:, 0] = positions[:, 0] / width * 2 - 1
    normalised[:, 1] = positions[:, 1] / height * 2 - 1
    sampled = F.grid_sample(
        image[None],
        normalised[None, None].to(image.dtype),
        mode="bilinear",
        padding_mode="border",
        align_corners=False,
    )
    return sampled[0, :, 0]


def _tps_kernel(distance_squared: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        values = distance_squared * np.log(distance_squared)
    return np.nan_to_num(values, nan=0.0, posinf=0.0, neginf=0.0)


@dataclass
class ThinPlateSpline:
    """x -> f(x) with f(source_i) ≈ target_i, minimal bending. The targets may have several
    columns (two maps over the same control points are one solve)."""

    controls: np.ndarray  # (N, 2)
    weights: np.ndarray  # (N, C)
    affine: np.ndarray  # (3, C)

    @classmethod
    def fit(
        cls, source: np.ndarray, target: np.ndarray, *, smoothing: float = 1e-3
    ) -> ThinPlateSpline:
        count = len(source)
        # Work in units of the point cloud's size so the smoothing means the same at any scale.
        scale = max(float(np.ptp(source, axis=0).max()), 1e-6)
        controls = source / scale
        difference = controls[:, None, :] - controls[None]
        kernel = _tps_kernel((difference**2).sum(-1)) + smoothing * np.eye(count)
        ones = np.hstack([np.ones((count, 1)), controls])
        system = np.zeros((count + 3, count + 3))
        system[:count, :count] = kernel
        system[:count, count:] = ones
        system[count:, :count] = ones.T
        values = np.zeros((count + 3, target.shape[1]))
        values[:count] = target / scale
        solution = np.linalg.solve(system, values)
        return cls(controls * scale, solution[:count] * scale, solution[count:] * scale)

    def __call__(self, points: np.ndarray) -> np.ndarray:
        scale = max(float(np.ptp(self.controls, axis=0).max()), 1e-6)
        scaled = points / scale
        difference = scaled[:, None, :] - (self.controls / scale)[None]
        kernel = _tps_kernel((difference**2).sum(-1))
        return kernel @ self.weights + self.affine[0] + scaled @ self.affine[1:]


def upsample_field(field: np.ndarray, height: int, width: int) -> torch.Tensor:
    """Bilinear upsampling of a coarse (h, w, C) field whose corner samples sit exactly on the
    region's corner pixel centres, to (height, width, C)."""
    tensor = torch.from_numpy(np.ascontiguousarray(field, dtype=np.float32)).permute(2, 0, 1)
    upsampled = F.interpolate(
        tensor[None], size=(height, width), mode="bilinear", align_corners=True
    )
    return upsampled[0].permute(1, 2, 0)
