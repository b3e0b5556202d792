"""Similarity alignment onto the template, crop extraction, masks and paste-back.

Coordinates are continuous: pixel (row i, column j) covers [j, j+1) x [i, i+1), its centre at
(j + 0.5, i + 0.5). The template lives in the codec's crop frame of side ``resolution``.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageDraw, ImageFilter

# Jaw and nose are stable under expression; the mouth moves, so it counts less.
_ALIGN_POINTS = np.r_[0:17, 17:27, 27:36, 36:48, 48:68]
_ALIGN_WEIGHTS = np.r_[
    np.full(17, 0.5), np.full(10, 1.0), np.full(9, 1.0), np.full(12, 2.0), np.full(20, 0.5)
]


def estimate_similarity(source: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Weighted least-squares similarity (rotation, uniform scale, shift) mapping source -> target.

    Returns a 2x3 matrix M with target ≈ M @ [x, y, 1].
    """
    src = source[_ALIGN_POINTS]
    dst = target[_ALIGN_POINTS]
    weights = _ALIGN_WEIGHTS / _ALIGN_WEIGHTS.sum()
    src_mean = (weights[:, None] * src).sum(0)
    dst_mean = (weights[:, None] * dst).sum(0)
    src_c = src - src_mean
    dst_c = dst - dst_mean
    # Complex-number form of the 2-D similarity: z_dst = a z_src, a = sum(w conj(s) d)/sum(w|s|^2)
    s = src_c[:, 0] + 1j * src_c[:, 1]
    d = dst_c[:, 0] + 1j * dst_c[:, 1]
    a = (weights * np.conj(s) * d).sum() / (weights * np.abs(s) ** 2).sum()
    rotation_scale = np.array([[a.real, -a.imag], [a.imag, a.real]])
    shift = dst_mean - rotation_scale @ src_mean
    return np.hstack([rotation_scale, shift[:, None]])


def invert(matrix: np.ndarray) -> np.ndarray:
    linear_inverse = np.linalg.inv(matrix[:, :2])
    return np.hstack([linear_inverse, -(linear_inverse @ matrix[:, 2])[:, None]])


def apply(matrix: np.ndarray, points: np.ndarray) -> np.ndarray:
    return points @ matrix[:, :2].T + matrix[:, 2]


def scale_of(matrix: np.ndarray) -> float:
    return float(np.sqrt(abs(np.linalg.det(matrix[:, :2]))))


def _region(photo_shape: tuple, crop_to_photo: np.ndarray, side: float, margin: int = 2):
    corners = apply(crop_to_photo, np.array([[0, 0], [side, 0], [0, side], [side, side]], float))
    height, width = photo_shape[:2]
    left = int(np.clip(np.floor(corners[:, 0].min()) - margin, 0, width - 1))
    top = int(np.clip(np.floor(corners[:, 1].min()) - margin, 0, height - 1))
    right = int(np.clip(np.ceil(corners[:, 0].max()) + margin, left + 1, width))
    bottom = int(np.clip(np.ceil(corners[:, 1].max()) + margin, top + 1, height))
    return left, top, right, bottom


def extract_crop(
    rgb: np.ndarray, photo_to_crop: np.ndarray, resolution: int, size: int
) -> torch.Tensor:
    """Aligned (size, size, 3) float crop in [0, 1]; ``photo_to_crop`` maps to the frame of side
    ``resolution``. Large faces are downscaled with an antialiasing filter before sampling."""
    crop_to_photo = invert(photo_to_crop)
    left, top, right, bottom = _region(rgb.shape, crop_to_photo, resolution)
    region = rgb[top:bottom, left:right]
    photo_px_per_output_px = scale_of(crop_to_photo) * resolution / size
    factor = 1.0
    if photo_px_per_output_px > 1.5:
        factor = 1.0 / photo_px_per_output_px
        new_size = (
            max(1, round(region.shape[1] * factor)),
            max(1, round(region.shape[0] * factor)),
        )
        region = np.asarray(Image.fromarray(region).resize(new_size, Image.Resampling.BILINEAR))
    region_height, region_width = region.shape[:2]
    scale_x = region_width / (right - left)
    scale_y = region_height / (bottom - top)
    centres = (np.arange(size) + 0.5) * resolution / size
    grid_x, grid_y = np.meshgrid(centres, centres)
    photo_points = apply(crop_to_photo, np.stack([grid_x.ravel(), grid_y.ravel()], 1))
    sample_x = (photo_points[:, 0] - left) * scale_x / region_width * 2 - 1
    sample_y = (photo_points[:, 1] - top) * scale_y / region_height * 2 - 1
    grid = torch.from_numpy(np.stack([sample_x, sample_y], 1).reshape(1, size, size, 2)).float()
    source = torch.from_numpy(region.copy()).permute(2, 0, 1)[None].float() / 255
    crop = F.grid_sample(source, grid, mode="bilinear", padding_mode="border", align_corners=False)
    return crop[0].permute(1, 2, 0)


def face_mask(landmarks_in_crop: np.ndarray, resolution: int) -> torch.Tensor:
    """Feathered (R, R) mask in [0, 1] over the face: jaw line, raised brows for the forehead."""
    jaw = landmarks_in_crop[0:17]
    brows = landmarks_in_crop[17:27][::-1].copy()
    brow_to_chin = np.linalg.norm(landmarks_in_crop[8] - brows.mean(0))
    brows[:, 1] -= 0.22 * brow_to_chin
    polygon = np.concatenate([jaw, brows])
    centre = polygon.mean(0)
    polygon = centre + (polygon - centre) * 0.94  # keep the feather inside the face outline
    scale = 4  # draw large, then shrink, for a smooth edge
    canvas = Image.new("L", (resolution * scale, resolution * scale), 0)
    ImageDraw.Draw(canvas).polygon([tuple(p * scale) for p in polygon], fill=255)
    canvas = canvas.resize((resolution, resolution), Image.Resampling.BOX)
    canvas = canvas.filter(ImageFilter.GaussianBlur(radius=resolution * 0.035))
    return torch.from_numpy(np.asarray(canvas, dtype=np.float32) / 255)


def skin_region(landmarks_in_crop: np.ndarray, resolution: int) -> torch.Tensor:
    """Cheek/nose box: between the outer eye corners, from the nose bridge to the upper lip."""
    left = landmarks_in_crop[36, 0]
    right = landmarks_in_crop[45, 0]
    top = landmarks_in_crop[28, 1]
    bottom = landmarks_in_crop[51, 1]
    centres = np.arange(resolution) + 0.5
    columns = (centres >= left) & (centres <= right)
    rows = (centres >= top) & (centres <= bottom)
    mask = np.outer(rows, columns).astype(np.float32)
    if mask.sum() == 0:  # degenerate landmarks: fall back to the crop's centre
        quarter = resolution // 4
        mask[quarter : 3 * quarter, quarter : 3 * quarter] = 1
    return torch.from_numpy(mask)


def paste_delta(
    photo: np.ndarray,
    delta: torch.Tensor,
    mask: torch.Tensor,
    photo_to_crop: np.ndarray,
    resolution: int,
) -> None:
    """Add a (R, R, 3) crop-frame change, weighted by ``mask``, onto a float (H, W, 3) photo in
    [0, 255] in place, at the photo's own resolution (the change is smooth, the detail is the
    photo's)."""
    crop_to_photo = invert(photo_to_crop)
    left, top, right, bottom = _region(photo.shape, crop_to_photo, resolution)
    xs = np.arange(left, right) + 0.5
    ys = np.arange(top, bottom) + 0.5
    grid_x, grid_y = np.meshgrid(xs, ys)
    crop_points = apply(photo_to_crop, np.stack([grid_x.ravel(), grid_y.ravel()], 1))
    normalised = crop_points / resolution * 2 - 1
    grid = torch.from_numpy(normalised.reshape(1, bottom - top, right - left, 2)).to(delta)
    source = (delta * mask[..., None]).permute(2, 0, 1)[None]
    sampled = F.grid_sample(
        source, grid, mode="bilinear", padding_mode="zeros", align_corners=False
    )
    change = sampled[0].permute(1, 2, 0).cpu().numpy() * 255
    region = photo[top:bottom, left:right]
    np.clip(region + change, 0, 255, out=region)
