"""Light Schrödinger Bridge (Korotin, Gushchin, Burnaev, ICLR 2024), written from the paper.

The adjusted Schrödinger potential is a Gaussian mixture
``v(y) = sum_k alpha_k N(y | r_k, eps S_k)`` with diagonal ``S_k``. For the Wiener prior with
volatility ``eps`` the entropic OT conditional is ``pi(y | x) ∝ exp(<x, y> / eps) v(y)``, which is
again a Gaussian mixture:

    weights  alpha_k exp(x^T S_k x / (2 eps) + r_k^T x / eps)
    means    r_k + S_k x
    covs     eps S_k

so sampling needs no iterations. Training minimises ``E_x[log C(x)] - E_y[log v(y)]`` where
``C(x) = sum_k alpha_k exp(x^T S_k x / (2 eps) + r_k^T x / eps)`` is the normaliser of the
conditional. Intermediate times follow the bridge's drift with Euler-Maruyama steps.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

BRIDGE_STEPS = 64


@dataclass
class LightSBParams:
    log_alpha: torch.Tensor  # (K,)
    means: torch.Tensor  # (K, D)  r_k
    log_variances: torch.Tensor  # (K, D)  log diag S_k
    epsilon: float

    def to(self, device: torch.device | str) -> LightSBParams:
        return LightSBParams(
            self.log_alpha.to(device),
            self.means.to(device),
            self.log_variances.to(device),
            self.epsilon,
        )


def log_potential(params: LightSBParams, y: torch.Tensor) -> torch.Tensor:
    """log v(y) for a batch ``y`` of shape (N, D)."""
    eps = params.epsilon
    variances = eps * params.log_variances.exp()  # (K, D)
    diff = y[:, None, :] - params.means[None]  # (N, K, D)
    log_normal = -0.5 * (
        (diff**2 / variances[None]).sum(-1)
        + torch.log(variances).sum(-1)[None]
        + y.shape[1] * math.log(2 * math.pi)
    )
    return torch.logsumexp(params.log_alpha[None] + log_normal, dim=1)


def _component_log_weights(params: LightSBParams, x: torch.Tensor) -> torch.Tensor:
    eps = params.epsilon
    variances = params.log_variances.exp()
    quadratic = (x**2) @ variances.T / (2 * eps)  # (N, K)
    linear = x @ params.means.T / eps
    return params.log_alpha[None] + quadratic + linear


def log_normaliser(params: LightSBParams, x: torch.Tensor) -> torch.Tensor:
    """log C(x)."""
    return torch.logsumexp(_component_log_weights(params, x), dim=1)


def loss(params: LightSBParams, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return log_normaliser(params, x).mean() - log_potential(params, y).mean()


def conditional(params: LightSBParams, x: torch.Tensor):
    """Mixture of pi(y | x): (weights (N, K), means (N, K, D), variances (K, D))."""
    weights = torch.softmax(_component_log_weights(params, x), dim=1)
    variances = params.log_variances.exp()
    means = params.means[None] + variances[None] * x[:, None, :]
    return weights, means, params.epsilon * variances


def sample_conditional(
    params: LightSBParams,
    x: torch.Tensor,
    generator: torch.Generator | None = None,
    *,
    variation: float = 1.0,
) -> torch.Tensor:
    """One sample of y ~ pi(y | x) per row of ``x``; exact at ``variation`` 1.

    ``variation`` scales the within-component noise (0: the chosen component's mean, so variants
    differ only by which mixture component they draw; 2: twice the bridge's own spread).
    """
    weights, means, variances = conditional(params, x)
    component = torch.multinomial(weights, 1, generator=generator).squeeze(1)
    noise = torch.randn(x.shape, generator=generator, device=x.device, dtype=x.dtype)
    rows = torch.arange(len(x), device=x.device)
    return means[rows, component] + variation * variances[component].sqrt() * noise


def drift(params: LightSBParams, x: torch.Tensor, t: float) -> torch.Tensor:
    """The Schrödinger bridge drift at time ``t`` < 1: (E[Y | X_t = x] - x) / (1 - t).

    Given X_t = x, the endpoint law is ∝ N(y | x, (1 - t) eps I) v(y) exp(|y|^2 / (2 eps)),
    a Gaussian mixture whose per-dimension precision is (t / (1 - t) + 1 / s) / eps.
    """
    eps = params.epsilon
    variances = params.log_variances.exp()  # (K, D) = s
    precision = t / (1 - t) + 1 / variances  # (K, D) times 1/eps
    linear = x[:, None, :] / (1 - t) + (params.means / variances)[None]  # (N, K, D)
    means = linear / precision[None]
    log_weights = (
        params.log_alpha[None]
        + (
            -0.5 * torch.log(variances)
            - params.means**2 / (2 * eps * variances)
            - 0.5 * torch.log(precision)
        ).sum(-1)[None]
    )
    log_weights = log_weights + (linear**2 / (2 * eps * precision[None])).sum(-1)
    weights = torch.softmax(log_weights, dim=1)
    expected_end = (weights[..., None] * means).sum(1)
    return (expected_end - x) / (1 - t)


def sample_bridge_em(
    params: LightSBParams,
    x: torch.Tensor,
    *,
    steps: int = BRIDGE_STEPS,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Simulate the bridge from x with the learned drift; returns X_1 (last step noise-free)."""
    state = x
    step = 1.0 / steps
    for index in range(steps):
        state = state + drift(params, state, index * step) * step
        if index < steps - 1:
            noise = torch.randn(state.shape, generator=generator, dtype=x.dtype, device=x.device)
            state = state + math.sqrt(params.epsilon * step) * noise
    return state


def bridge_path(
    x: torch.Tensor,
    y: torch.Tensor,
    epsilon: float,
    *,
    steps: int = BRIDGE_STEPS,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Euler-Maruyama path of the bridge pinned at x (t=0) and y (t=1): (steps + 1, N, D).

    The Schrödinger bridge is a mixture of such Brownian bridges with endpoints drawn from the
    learned coupling, so pinning y to a conditional sample gives a path of the learned bridge,
    and every time along it (strength, journey frames) lies on one consistent trajectory.
    """
    step = 1.0 / steps
    noise = torch.randn((steps - 1, *x.shape), generator=generator, dtype=x.dtype, device=x.device)
    states = [x]
    state = x
    for index in range(steps):
        t = index * step
        state = state + (y - state) / (1 - t) * step
        if index < steps - 1:
            state = state + math.sqrt(epsilon * step) * noise[index]
        states.append(state)
    states[-1] = y  # the last drift step lands on y; keep it exact, not rounded
    return torch.stack(states)


def path_at(path: torch.Tensor, t: float) -> torch.Tensor:
    """State at time t in [0, 1], interpolating linearly between Euler-Maruyama steps."""
    steps = path.shape[0] - 1
    position = min(max(t, 0.0), 1.0) * steps
    lower = min(math.floor(position), steps - 1)
    fraction = position - lower
    if fraction == 0.0:
        return path[lower]
    return path[lower] * (1 - fraction) + path[lower + 1] * fraction


def fit(
    source: torch.Tensor,
    target: torch.Tensor,
    *,
    epsilon: float = 0.05,
    potentials: int = 10,
    steps: int = 3000,
    batch_size: int = 128,
    learning_rate: float = 1e-3,
    initial_variance: float = 0.1,
    seed: int = 0,
) -> tuple[LightSBParams, list[float]]:
    """Train LightSB from unpaired samples; returns the parameters and the loss history."""
    generator = torch.Generator().manual_seed(seed)
    dim = source.shape[1]
    init_rows = torch.randperm(len(target), generator=generator)[:potentials]
    log_alpha = torch.full((potentials,), -math.log(potentials), requires_grad=True)
    means = target[init_rows].clone().requires_grad_(True)
    log_variances = torch.full((potentials, dim), math.log(initial_variance), requires_grad=True)
    optimiser = torch.optim.Adam([log_alpha, means, log_variances], lr=learning_rate)
    history = []
    for _ in range(steps):
        x = source[torch.randint(len(source), (batch_size,), generator=generator)]
        y = target[torch.randint(len(target), (batch_size,), generator=generator)]
        params = LightSBParams(log_alpha, means, log_variances, epsilon)
        value = loss(params, x, y)
        optimiser.zero_grad()
        value.backward()
        optimiser.step()
        history.append(value.detach().item())
    return (
        LightSBParams(log_alpha.detach(), means.detach(), log_variances.detach(), epsilon),
        history,
    )
