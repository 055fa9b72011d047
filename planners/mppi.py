"""Model predictive path integral control (MPPI, Williams et al.).

Each iteration perturbs the mean with Gaussian noise of scale ``noise_std``, clips the
candidates into the action box, and moves the mean to the average of the candidates
weighted by ``exp((R - max R) / temperature)``: a low temperature follows the best
candidates closely, a high one averages broadly.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import Tensor

from planners.base import Objective, Optimizer


@dataclass
class MPPIConfig:
    """MPPI's settings.

    Attributes:
        population: Candidates sampled per iteration.
        iterations: Perturb-and-reweight rounds per call.
        temperature: lambda, in units of return: weights are ``exp((R - max R) / lambda)``.
        noise_std: Standard deviation of the perturbations, as a fraction of half the
            action range.
        alpha: Smoothing: the new mean is ``alpha * old + (1 - alpha) * weighted mean``.
    """

    population: int = 200
    iterations: int = 3
    temperature: float = 0.05
    noise_std: float = 0.5
    alpha: float = 0.0

    def __post_init__(self) -> None:
        if self.population < 1:
            raise ValueError(f"population must be >= 1, got {self.population!r}")
        if self.iterations < 1:
            raise ValueError(f"iterations must be >= 1, got {self.iterations!r}")
        if not 0 < self.temperature < math.inf:
            raise ValueError(f"temperature must be finite and > 0, got {self.temperature!r}")
        if not 0 < self.noise_std < math.inf:
            raise ValueError(
                f"noise_std must be finite and > 0 (a fraction of half the action range), "
                f"got {self.noise_std!r}"
            )
        if not 0.0 <= self.alpha < 1.0:
            raise ValueError(f"alpha must be in [0, 1), got {self.alpha!r}")


class MPPI(Optimizer):
    """MPPI: the exponentially return-weighted mean of noisy candidates.

    >>> import torch
    >>> opt = MPPI(-1.0, 1.0, MPPIConfig(population=256, iterations=5, temperature=0.1))
    >>> plan = opt.optimize(lambda a: -(a - 0.5).square().sum((1, 2)), torch.zeros(3, 2))
    >>> bool(((plan - 0.5).abs() < 0.15).all())
    True
    """

    def __init__(
        self,
        low: float | Sequence[float] | Tensor,
        high: float | Sequence[float] | Tensor,
        config: MPPIConfig | None = None,
        generator: torch.Generator | None = None,
    ) -> None:
        super().__init__(low, high, generator)
        self.config = config or MPPIConfig()

    def _optimize(self, objective: Objective, mean: Tensor) -> Tensor:
        c = self.config
        std = self.half_range(mean) * c.noise_std
        for _ in range(c.iterations):
            noise = self.randn((c.population, *mean.shape), mean)  # [B, H, A]
            samples = self.clip(mean + std * noise)
            returns = objective(samples)
            if not torch.isfinite(returns).any():
                continue  # every candidate diverged: keep the mean
            weights = torch.softmax((returns - returns.max()) / c.temperature, dim=0)  # [B]
            weighted = (weights[:, None, None] * samples).sum(0)  # [H, A]
            mean = c.alpha * mean + (1 - c.alpha) * weighted
        return mean
