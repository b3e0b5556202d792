"""LightSB against the entropic OT between Gaussians, where the answer has a closed form."""

from __future__ import annotations

import pytest
import torch

from generation.ml import lightsb

EPSILON = 0.1
SOURCE_MEAN = torch.tensor([1.0, -1.0, 0.0, 2.0])
SOURCE_VAR = torch.tensor([0.5, 1.0, 2.0, 1.5])
TARGET_MEAN = torch.tensor([-2.0, 0.0, 3.0, 1.0])
TARGET_VAR = torch.tensor([2.0, 0.5, 1.0, 1.5])


def analytic_conditional(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """For independent dimensions the EOT plan is Gaussian with cross-covariance c solving
    c^2 + eps c - a b = 0 (its precision's off-diagonal must equal -1/eps), so
    y | x ~ N(m1 + c/a (x - m0), b - c^2/a)."""
    a, b = SOURCE_VAR, TARGET_VAR
    c = (-EPSILON + torch.sqrt(EPSILON**2 + 4 * a * b)) / 2
    return TARGET_MEAN + c / a * (x - SOURCE_MEAN), b - c**2 / a


@pytest.fixture(scope="module")
def learned() -> lightsb.LightSBParams:
    generator = torch.Generator().manual_seed(0)
    source = SOURCE_MEAN + SOURCE_VAR.sqrt() * torch.randn(20000, 4, generator=generator)
    target = TARGET_MEAN + TARGET_VAR.sqrt() * torch.randn(20000, 4, generator=generator)
    params, history = lightsb.fit(
        source, target, epsilon=EPSILON, potentials=4, steps=2000, learning_rate=1e-2
    )
    assert history[-1] < history[0]
    return params


def test_learned_conditional_matches_the_closed_form_entropic_plan(learned):
    x = torch.tensor([[1.5, -0.5, 0.5, 1.0]])
    samples = lightsb.sample_conditional(
        learned, x.expand(20000, 4).contiguous(), torch.Generator().manual_seed(1)
    )
    mean, variance = analytic_conditional(x[0])
    assert torch.allclose(samples.mean(0), mean, atol=0.12)
    assert torch.allclose(samples.var(0), variance, rtol=0.15, atol=0.01)


def test_bridge_drift_simulated_with_euler_maruyama_ends_in_the_same_conditional(learned):
    x = torch.tensor([[0.5, -1.5, -0.5, 2.5]])
    ends = lightsb.sample_bridge_em(
        learned, x.expand(4000, 4).contiguous(), generator=torch.Generator().manual_seed(2)
    )
    mean, variance = analytic_conditional(x[0])
    assert torch.allclose(ends.mean(0), mean, atol=0.15)
    assert torch.allclose(ends.var(0), variance, rtol=0.25, atol=0.02)


def test_pinned_bridge_path_starts_at_the_source_and_ends_exactly_at_the_endpoint():
    x = torch.zeros(3, 2)
    y = torch.ones(3, 2)
    path = lightsb.bridge_path(x, y, 0.1, generator=torch.Generator().manual_seed(0))
    assert path.shape == (lightsb.BRIDGE_STEPS + 1, 3, 2)
    assert torch.equal(lightsb.path_at(path, 0.0), x)
    assert torch.equal(lightsb.path_at(path, 1.0), y)
    halfway = lightsb.path_at(path, 0.5)
    assert torch.allclose(halfway.mean(), torch.tensor(0.5), atol=0.3)


def test_path_at_interpolates_between_euler_maruyama_steps():
    path = torch.arange(5, dtype=torch.float32).reshape(5, 1, 1)  # 4 steps: t = 0, .25, .5, ...
    assert float(lightsb.path_at(path, 0.375)) == pytest.approx(1.5)
    assert float(lightsb.path_at(path, 2.0)) == 4.0
