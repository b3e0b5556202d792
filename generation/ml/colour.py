"""sRGB <-> CIE Lab (D65) and colour-difference helpers, in torch so they run on any device."""

from __future__ import annotations

import torch

_RGB_TO_XYZ = torch.tensor(
    [
        [0.4124564, 0.3575761, 0.1804375],
        [0.2126729, 0.7151522, 0.0721750],
        [0.0193339, 0.1191920, 0.9503041],
    ]
)
_WHITE = torch.tensor([0.95047, 1.0, 1.08883])
_DELTA = 6 / 29


def _to_linear(rgb: torch.Tensor) -> torch.Tensor:
    return torch.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)


def _to_gamma(linear: torch.Tensor) -> torch.Tensor:
    linear = linear.clamp(min=0)
    return torch.where(
        linear <= 0.0031308,
        linear * 12.92,
        1.055 * linear.clamp(min=0.0031308) ** (1 / 2.4) - 0.055,
    )


def rgb_to_lab(rgb: torch.Tensor) -> torch.Tensor:
    """(..., 3) sRGB in [0, 1] -> (..., 3) Lab."""
    xyz = _to_linear(rgb.clamp(0, 1)) @ _RGB_TO_XYZ.to(rgb).T / _WHITE.to(rgb)
    f = torch.where(
        xyz > _DELTA**3, xyz.clamp(min=1e-12) ** (1 / 3), xyz / (3 * _DELTA**2) + 4 / 29
    )
    return torch.stack(
        [116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], -1
    )


def lab_to_rgb(lab: torch.Tensor) -> torch.Tensor:
    """(..., 3) Lab -> (..., 3) sRGB in [0, 1] (clipped)."""
    fy = (lab[..., 0] + 16) / 116
    f = torch.stack([fy + lab[..., 1] / 500, fy, fy - lab[..., 2] / 200], -1)
    xyz = torch.where(f > _DELTA, f**3, 3 * _DELTA**2 * (f - 4 / 29)) * _WHITE.to(lab)
    linear = xyz @ torch.linalg.inv(_RGB_TO_XYZ).to(lab).T
    return _to_gamma(linear).clamp(0, 1)


def laplacian_variance(gray: torch.Tensor, weights: torch.Tensor | None = None) -> float:
    """Variance of the 4-neighbour Laplacian of an (H, W) image, optionally over a region."""
    lap = gray[1:-1, :-2] + gray[1:-1, 2:] + gray[:-2, 1:-1] + gray[2:, 1:-1] - 4 * gray[1:-1, 1:-1]
    if weights is None:
        return float(lap.var())
    w = weights[1:-1, 1:-1]
    total = w.sum().clamp(min=1e-6)
    mean = (lap * w).sum() / total
    return float(((lap - mean) ** 2 * w).sum() / total)
