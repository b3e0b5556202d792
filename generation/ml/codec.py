"""PCA latent codec with a luma/chroma split.

Measured on held-out UTKFace chips (see MODEL_CARD.md): at the same byte budget, PCA on luma at
full resolution plus PCA on chroma at half resolution reconstructs better than PCA on RGB,
because chroma carries little detail. The latent is [luma coefficients, chroma coefficients],
whitened per component (each divided by the square root of its variance) for LightSB.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

# ITU-R BT.601 full-range RGB -> YCbCr (on values in [-1, 1], so no offsets)
_TO_YCC = torch.tensor(
    [[0.299, 0.587, 0.114], [-0.168736, -0.331264, 0.5], [0.5, -0.418688, -0.081312]]
)
_FROM_YCC = torch.linalg.inv(_TO_YCC)


def split_channels(crops: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(N, R, R, 3) RGB in [-1, 1] -> luma (N, R*R) and half-resolution chroma (N, 2*(R/2)^2)."""
    ycc = crops @ _TO_YCC.to(crops).T
    luma = ycc[..., 0].reshape(len(crops), -1)
    chroma = F.avg_pool2d(ycc[..., 1:].permute(0, 3, 1, 2), 2).reshape(len(crops), -1)
    return luma, chroma


def merge_channels(luma: torch.Tensor, chroma: torch.Tensor, resolution: int) -> torch.Tensor:
    count = len(luma)
    half = resolution // 2
    chroma_full = F.interpolate(
        chroma.reshape(count, 2, half, half), scale_factor=2, mode="bilinear", align_corners=False
    ).permute(0, 2, 3, 1)
    ycc = torch.cat([luma.reshape(count, resolution, resolution, 1), chroma_full], dim=-1)
    return ycc @ _FROM_YCC.to(ycc).T


@dataclass
class PcaCodec:
    resolution: int
    luma_mean: torch.Tensor  # (R*R,)
    luma_basis: torch.Tensor  # (R*R, k_luma), orthonormal columns
    chroma_mean: torch.Tensor
    chroma_basis: torch.Tensor
    latent_std: torch.Tensor  # (k_luma + k_chroma,) for whitening

    @property
    def luma_components(self) -> int:
        return self.luma_basis.shape[1]

    @property
    def latent_dim(self) -> int:
        return self.luma_basis.shape[1] + self.chroma_basis.shape[1]

    def to(self, device: torch.device | str) -> PcaCodec:
        return PcaCodec(
            self.resolution,
            *(
                tensor.to(device)
                for tensor in (
                    self.luma_mean,
                    self.luma_basis,
                    self.chroma_mean,
                    self.chroma_basis,
                    self.latent_std,
                )
            ),
        )

    def encode(self, crops: torch.Tensor) -> torch.Tensor:
        """(N, R, R, 3) RGB in [-1, 1] -> whitened latents (N, latent_dim)."""
        luma, chroma = split_channels(crops)
        coefficients = torch.cat(
            [
                (luma - self.luma_mean) @ self.luma_basis,
                (chroma - self.chroma_mean) @ self.chroma_basis,
            ],
            dim=1,
        )
        return coefficients / self.latent_std

    def decode(self, latents: torch.Tensor) -> torch.Tensor:
        """Whitened latents -> (N, R, R, 3) RGB in about [-1, 1]."""
        return self.merge_coefficients(latents, with_mean=True)

    def decode_difference(self, latents: torch.Tensor, reference: torch.Tensor) -> torch.Tensor:
        """D(latents) - D(reference) without the means: the codec is linear."""
        return self.merge_coefficients(latents - reference, with_mean=False)

    def merge_coefficients(self, latents: torch.Tensor, *, with_mean: bool) -> torch.Tensor:
        coefficients = latents * self.latent_std
        split = self.luma_components
        luma = coefficients[:, :split] @ self.luma_basis.T
        chroma = coefficients[:, split:] @ self.chroma_basis.T
        if with_mean:
            luma = luma + self.luma_mean
            chroma = chroma + self.chroma_mean
        return merge_channels(luma, chroma, self.resolution)


def fit_pca(
    samples: torch.Tensor, components: int, *, seed: int = 0
) -> tuple[torch.Tensor, torch.Tensor]:
    """(mean, basis) by randomized SVD; deterministic for a fixed seed and thread count."""
    mean = samples.mean(0)
    state = torch.random.get_rng_state()
    torch.manual_seed(seed)
    try:
        _, _, basis = torch.pca_lowrank(samples - mean, q=components + 16, center=False, niter=3)
    finally:
        torch.random.set_rng_state(state)
    basis = basis[:, :components].contiguous()
    # Fix each component's sign so the basis does not depend on the SVD's arbitrary choice.
    signs = torch.sign(basis[basis.abs().argmax(0), torch.arange(components)])
    return mean, basis * signs
