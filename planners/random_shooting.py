"""Random shooting: sample sequences uniformly in the action box, keep the best."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import Tensor

from planners.base import Objective, Optimizer, best_of


@dataclass
class RandomShootingConfig:
    """Random shooting's settings.

    Attributes:
        population: Sequences sampled (and evaluated) per call.
        include_init: Also evaluate the initial guess (the shifted previous plan), so a
            good plan is never lost to unlucky samples.
    """

    population: int = 500
    include_init: bool = True

    def __post_init__(self) -> None:
        if self.population < 1:
            raise ValueError(f"population must be >= 1, got {self.population!r}")


class RandomShooting(Optimizer):
    """Evaluate ``population`` uniform random sequences and return the best one.

    >>> import torch
    >>> opt = RandomShooting(-1.0, 1.0, RandomShootingConfig(population=256))
    >>> plan = opt.optimize(lambda a: -(a - 0.5).square().sum((1, 2)), torch.zeros(2, 1))
    >>> plan.shape, bool((plan.abs() <= 1).all())
    (torch.Size([2, 1]), True)
    """

    def __init__(
        self,
        low: float | Sequence[float] | Tensor,
        high: float | Sequence[float] | Tensor,
        config: RandomShootingConfig | None = None,
        generator: torch.Generator | None = None,
    ) -> None:
        super().__init__(low, high, generator)
        self.config = config or RandomShootingConfig()

    def _optimize(self, objective: Objective, mean: Tensor) -> Tensor:
        h, a = mean.shape
        low = self.low.to(mean.device, mean.dtype)
        width = (self.high - self.low).to(mean.device, mean.dtype)
        samples = low + width * self.rand((self.config.population, h, a), mean)  # [B, H, A]
        if self.config.include_init:
            samples = torch.cat([samples, mean[None]], dim=0)
        best, _ = best_of(samples, objective(samples))
        return best
