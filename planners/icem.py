"""The improved cross-entropy method (iCEM, Pinneri et al. 2020).

CEM plus five changes that let it work with far fewer samples:

* coloured noise: the perturbations along the horizon have a power spectrum ``1 / f^beta``
  (``beta = 0`` is white noise, larger ``beta`` gives smoother, more correlated pushes);
* population decay: iteration ``i`` samples ``population * decay^-i`` sequences (at least
  twice the elites);
* elites kept: a fraction of the elites joins the next iteration's population, and, shifted
  by the executed steps and padded with random actions, the next time step's first one;
* the mean itself is evaluated in the last iteration;
* the best sequence seen in any iteration is executed, not the mean.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import Tensor

from planners.base import Objective, Optimizer
from planners.cem import check_gaussian_search


@dataclass
class ICEMConfig:
    """iCEM's settings (defaults close to the paper's).

    Attributes:
        population: Sequences sampled in the first iteration.
        elites: Best sequences the distribution is refitted to.
        iterations: Sample-and-refit rounds per call.
        alpha: Smoothing: the new mean (std) is ``alpha * old + (1 - alpha) * elites'``.
        init_std: Initial standard deviation, as a fraction of half the action range.
        min_std: Floor on the standard deviation, same units.
        beta: Colour of the noise along the horizon (0 white, 1 pink, 2 brown).
        population_decay: Population shrinks by this factor each iteration (>= 1).
        keep_elites: Fraction of the elites carried into the next iteration and (shifted)
            into the next call.
        add_mean: Evaluate the mean in the last iteration.
    """

    population: int = 100
    elites: int = 10
    iterations: int = 3
    alpha: float = 0.1
    init_std: float = 0.5
    min_std: float = 0.02
    beta: float = 2.0
    population_decay: float = 1.25
    keep_elites: float = 0.3
    add_mean: bool = True

    def __post_init__(self) -> None:
        check_gaussian_search(self)  # the fields shared with CEM
        if not 0 <= self.beta < math.inf:
            raise ValueError(f"beta must be finite and >= 0, got {self.beta!r}")
        if not 1 <= self.population_decay < math.inf:
            raise ValueError(f"population_decay must be >= 1, got {self.population_decay!r}")
        if not 0.0 <= self.keep_elites <= 1.0:
            raise ValueError(f"keep_elites must be in [0, 1], got {self.keep_elites!r}")

    def population_at(self, iteration: int) -> int:
        """New samples drawn in ``iteration`` (0-based)."""
        n = int(self.population * self.population_decay ** (-iteration))
        return max(n, 2 * self.elites)


def colored_noise(
    shape: Sequence[int], beta: float, generator: torch.Generator, like: Tensor
) -> Tensor:
    """Gaussian noise with unit variance and power spectrum ``1 / f^beta`` along the last
    axis (the horizon), on ``like``'s device and dtype.

    Spectral synthesis: random Fourier coefficients scaled by ``f^(-beta / 2)``, the
    lowest frequency clipped at ``1 / T``, transformed back and normalised.

    >>> g = torch.Generator().manual_seed(0)
    >>> x = colored_noise((4000, 16), 2.0, g, torch.zeros(()))
    >>> x.shape, round(float(x.std()), 1)
    (torch.Size([4000, 16]), 1.0)
    """
    *lead, t = shape
    if beta == 0 or t < 2:
        return torch.randn(tuple(shape), generator=generator, device=like.device, dtype=like.dtype)
    f = torch.fft.rfftfreq(t, device=like.device, dtype=torch.float64)  # [T // 2 + 1]
    f[0] = 1.0 / t
    scale = f ** (-beta / 2)
    # Exact variance of the result (the same for every position), to normalise it: the
    # DC term (and Nyquist term for even T) is real with variance 2 s^2, the others add
    # 4 s^2 each, all divided by T^2 by the inverse transform.
    var = 2 * scale[0] ** 2 + 4 * (scale[1:] ** 2).sum()
    if t % 2 == 0:
        var = var - 4 * scale[-1] ** 2 + 2 * scale[-1] ** 2
    sigma = math.sqrt(float(var)) / t
    nf = f.numel()
    g = dict(generator=generator, device=like.device, dtype=torch.float64)
    real = torch.randn((*lead, nf), **g) * scale
    imag = torch.randn((*lead, nf), **g) * scale
    imag[..., 0] = 0.0  # the DC term is real
    real[..., 0] *= math.sqrt(2.0)
    if t % 2 == 0:  # so is the Nyquist term for even lengths
        imag[..., -1] = 0.0
        real[..., -1] *= math.sqrt(2.0)
    x = torch.fft.irfft(torch.complex(real, imag), n=t, dim=-1) / sigma
    return x.to(like.dtype)


class ICEM(Optimizer):
    """iCEM: see the module docstring.

    >>> import torch
    >>> opt = ICEM(-1.0, 1.0, ICEMConfig(population=64, elites=8, iterations=5))
    >>> plan = opt.optimize(lambda a: -(a - 0.5).square().sum((1, 2)), torch.zeros(3, 2))
    >>> bool(((plan - 0.5).abs() < 0.15).all())
    True
    """

    def __init__(
        self,
        low: float | Sequence[float] | Tensor,
        high: float | Sequence[float] | Tensor,
        config: ICEMConfig | None = None,
        generator: torch.Generator | None = None,
    ) -> None:
        super().__init__(low, high, generator)
        self.config = config or ICEMConfig()
        self._kept: Tensor | None = None  # [K, H, A] elites carried to the next call

    def reset(self) -> None:
        self._kept = None

    def shift(self, steps: int) -> None:
        if self._kept is None or steps <= 0:
            return
        kept = self._kept
        h = kept.shape[1]
        if steps >= h:
            self._kept = None
            return
        low = self.low.to(kept.device, kept.dtype)
        width = (self.high - self.low).to(kept.device, kept.dtype)
        pad = low + width * self.rand((kept.shape[0], steps, kept.shape[2]), kept)
        self._kept = torch.cat([kept[:, steps:], pad], dim=1)

    def _sample(self, n: int, mean: Tensor, std: Tensor) -> Tensor:
        h, a = mean.shape
        noise = colored_noise((n, a, h), self.config.beta, self.rng(mean.device), mean)
        return self.clip(mean + std * noise.transpose(1, 2))  # [n, A, H] -> [n, H, A]

    def _optimize(self, objective: Objective, mean: Tensor) -> Tensor:
        c = self.config
        half = self.half_range(mean)
        std = torch.ones_like(mean) * half * c.init_std
        min_std = half * c.min_std
        n_keep = round(c.keep_elites * c.elites)
        kept = self._kept
        if kept is not None and kept.shape[1:] != mean.shape:
            kept = None  # the horizon or action dimension changed
        best, best_return = mean, torch.tensor(-torch.inf, device=mean.device)
        elites = None
        for i in range(c.iterations):
            samples = self._sample(c.population_at(i), mean, std)
            extra = []
            if kept is not None and n_keep > 0:
                extra.append(kept[:n_keep])
            if c.add_mean and i == c.iterations - 1:
                extra.append(mean[None])
            if extra:
                samples = torch.cat([samples, *extra], dim=0)
            returns = objective(samples)
            k = min(c.elites, samples.shape[0])
            top, idx = torch.topk(returns, k)
            elites = samples[idx]  # [K, H, A], best first
            if top[0] > best_return:
                best, best_return = samples[idx[0]], top[0]
            kept = elites
            mean = c.alpha * mean + (1 - c.alpha) * elites.mean(0)
            new_std = elites.std(0, unbiased=False) if k > 1 else std
            std = torch.maximum(c.alpha * std + (1 - c.alpha) * new_std, min_std)
        self._kept = elites[:n_keep] if (elites is not None and n_keep > 0) else None
        if not torch.isfinite(best_return):
            return mean
        return best
