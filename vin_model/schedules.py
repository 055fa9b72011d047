"""The schedules of a training run, all functions of the step count.

The fraction of training done (steps only, never the clock), the learning rate (linear
warm-up, then cosine decay), the rollout curriculum (from ``rollout_start`` to
``rollout_max`` steps over ``curriculum_fraction`` of training: trained on 8-step
rollouts only, the model is accurate for 8 steps and diverges beyond them; see
``benchmarks/prediction.py``) and the seeded order of the clips in each epoch, so that a
resumed run sees the same batches.
"""

from __future__ import annotations

import math

import torch

from vin_model.train_config import TrainConfig


def progress_at(step: int, cfg: TrainConfig) -> float:
    """Fraction of training done: steps only, never the clock, so that the schedules (and
    so the whole run) are the same for the same seed on any machine under any load."""
    return min(step / cfg.steps, 1.0)


def learning_rate(step: int, progress: float, cfg: TrainConfig) -> float:
    """Linear warm-up, then cosine decay from ``lr`` to ``lr_final`` over training."""
    if step < cfg.warmup_steps:
        return cfg.lr * (step + 1) / cfg.warmup_steps
    return cfg.lr_final + 0.5 * (cfg.lr - cfg.lr_final) * (1 + math.cos(math.pi * progress))


def rollout_length(progress: float, cfg: TrainConfig) -> int:
    """The curriculum: rollout steps trained on at this point of training."""
    frac = 1.0 if cfg.curriculum_fraction <= 0 else min(1.0, progress / cfg.curriculum_fraction)
    return int(round(cfg.rollout_start + frac * (cfg.rollout_max - cfg.rollout_start)))


def epoch_order(n: int, epoch: int, seed: int) -> torch.Tensor:
    """The order ``[n]`` of the clips in ``epoch``: a permutation seeded by ``seed`` and
    the epoch, so that a resumed run sees the same batches."""
    g = torch.Generator().manual_seed(seed * 1_000_003 + epoch)
    return torch.randperm(n, generator=g)
