"""The cross-entropy method (CEM) over action sequences.

Each iteration samples a Gaussian population around the mean, clips it into the action
box, keeps the ``elites`` best and refits the mean and standard deviation to them,
smoothed by ``alpha`` (the weight kept on the old values).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor

from planners.base import Objective, Optimizer


@dataclass
class CEMConfig:
    """CEM's settings.

    Attributes:
        population: Sequences sampled per iteration.
        elites: Best sequences the distribution is refitted to.
        iterations: Sample-and-refit rounds per call.
        alpha: Smoothing: the new mean (std) is ``alpha * old + (1 - alpha) * elites'``.
        init_std: Initial standard deviation, as a fraction of half the action range.
        min_std: Floor on the standard deviation, same units, so sampling never collapses.
        return_mean: Return the final mean instead of the best sequence seen.
    """

    population: int = 100
    elites: int = 10
    iterations: int = 3
    alpha: float = 0.1
    init_std: float = 0.5
    min_std: float = 0.02
    return_mean: bool = False

    def __post_init__(self) -> None:
        check_gaussian_search(self)


def check_gaussian_search(cfg: Any) -> None:
    """Validate the fields CEM's and iCEM's configs share (population, elites, iterations, alpha,
    init_std, min_std); a ValueError names the bad one."""
    if cfg.population < 2:
        raise ValueError(f"population must be >= 2, got {cfg.population!r}")
    if not 1 <= cfg.elites <= cfg.population:
        raise ValueError(f"elites must be in [1, population={cfg.population}], got {cfg.elites!r}")
    if cfg.iterations < 1:
        raise ValueError(f"iterations must be >= 1, got {cfg.iterations!r}")
    if not 0.0 <= cfg.alpha < 1.0:
        raise ValueError(f"alpha must be in [0, 1), got {cfg.alpha!r}")
    if not (0 < cfg.init_std < math.inf and 0 <= cfg.min_std < math.inf):
        raise ValueError(
            f"need finite init_std > 0 and min_std >= 0 (fractions of half the action "
            f"range, e.g. 0.5), got init_std={cfg.init_std!r}, min_std={cfg.min_std!r}"
        )


class CEM(Optimizer):
    """Cross-entropy method with a diagonal Gaussian per time step and action dimension.

    >>> import torch
    >>> opt = CEM(-1.0, 1.0, CEMConfig(population=64, elites=8, iterations=5))
    >>> plan = opt.optimize(lambda a: -(a - 0.5).square().sum((1, 2)), torch.zeros(3, 2))
    >>> bool(((plan - 0.5).abs() < 0.1).all())
    True
    """

    def __init__(
        self,
        low: float | Sequence[float] | Tensor,
        high: float | Sequence[float] | Tensor,
        config: CEMConfig | None = None,
        generator: torch.Generator | None = None,
    ) -> None:
        super().__init__(low, high, generator)
        self.config = config or CEMConfig()

    def _optimize(self, objective: Objective, mean: Tensor) -> Tensor:
        c = self.config
        half = self.half_range(mean)
        std = torch.ones_like(mean) * half * c.init_std  # [H, A]
        min_std = half * c.min_std
        best, best_return = mean, torch.tensor(-torch.inf, device=mean.device)
        for _ in range(c.iterations):
            noise = self.randn((c.population, *mean.shape), mean)  # [B, H, A]
            samples = self.clip(mean + std * noise)
            returns = objective(samples)
            top, idx = torch.topk(returns, c.elites)
            elites = samples[idx]  # [K, H, A]
            if top[0] > best_return:
                best, best_return = samples[idx[0]], top[0]
            mean = c.alpha * mean + (1 - c.alpha) * elites.mean(0)
            new_std = elites.std(0, unbiased=False) if c.elites > 1 else std
            std = torch.maximum(c.alpha * std + (1 - c.alpha) * new_std, min_std)
        if c.return_mean or not torch.isfinite(best_return):
            return mean
        return best
