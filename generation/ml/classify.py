"""A small logistic regression (torch, L-BFGS): the engine's estimate of a face's age group and
sex from its latent, and the evaluation's attribute classifiers on dlib descriptors."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch


@dataclass
class LogisticRegression:
    """L2-regularised, class-balanced logistic regression on standardised features."""

    mean: torch.Tensor  # (D,)
    scale: torch.Tensor  # (D,)
    weights: torch.Tensor  # (D,)
    bias: torch.Tensor  # (1,)

    @classmethod
    def fit(cls, features: np.ndarray, labels: np.ndarray, l2: float = 1e-3) -> LogisticRegression:
        x = torch.from_numpy(np.asarray(features)).double()
        y = torch.from_numpy(np.asarray(labels).astype(np.float64))
        mean = x.mean(0)
        scale = x.std(0).clamp(min=1e-6)
        x = (x - mean) / scale
        positive = y.mean().clamp(1e-3, 1 - 1e-3)
        sample_weights = torch.where(y > 0.5, 0.5 / positive, 0.5 / (1 - positive))
        weights = torch.zeros(x.shape[1], dtype=torch.float64, requires_grad=True)
        bias = torch.zeros(1, dtype=torch.float64, requires_grad=True)
        optimiser = torch.optim.LBFGS([weights, bias], max_iter=200, line_search_fn="strong_wolfe")

        def closure():
            optimiser.zero_grad()
            logits = x @ weights + bias
            value = (
                torch.nn.functional.binary_cross_entropy_with_logits(
                    logits, y, weight=sample_weights
                )
                + l2 * (weights**2).sum()
            )
            value.backward()
            return value

        optimiser.step(closure)
        return cls(mean.float(), scale.float(), weights.detach().float(), bias.detach().float())

    def probability(self, features: np.ndarray | torch.Tensor) -> np.ndarray:
        x = torch.as_tensor(np.atleast_2d(np.asarray(features)), dtype=torch.float32)
        with torch.no_grad():
            return torch.sigmoid(((x - self.mean) / self.scale) @ self.weights + self.bias).numpy()

    def tensors(self, prefix: str) -> dict[str, torch.Tensor]:
        return {
            f"{prefix}.mean": self.mean.contiguous(),
            f"{prefix}.scale": self.scale.contiguous(),
            f"{prefix}.weights": self.weights.contiguous(),
            f"{prefix}.bias": self.bias.contiguous(),
        }

    @classmethod
    def from_tensors(cls, tensors: dict[str, torch.Tensor], prefix: str) -> LogisticRegression:
        return cls(*(tensors[f"{prefix}.{name}"] for name in ("mean", "scale", "weights", "bias")))
