"""What a training run shows while it runs: TensorBoard scalars and a progress bar.

:class:`TrainLog` writes the training scalars (the loss and its parts, learning rate,
rollout steps, gradient norm) every ``log_every`` steps and the validation scores to
TensorBoard under ``run_dir/tb``, and keeps a tqdm bar of the steps; only the first
process (rank 0) writes or shows anything. It reads the run, never changes it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import torch

from vin_model.train_config import TrainConfig


class TrainLog:
    """TensorBoard scalars and a progress bar of one training run (rank 0 only).

    Args:
        run_dir: The run's directory; events go to ``run_dir/tb``.
        cfg: The run's settings (``steps``, ``log_every``, ``progress``).
        step: The step the run starts from (``0``, or the resumed checkpoint's).
        rank: This process's rank; only rank 0 writes events and shows the bar.
    """

    def __init__(self, run_dir: Path, cfg: TrainConfig, step: int, rank: int) -> None:
        self.log_every = cfg.log_every
        self.writer = None
        if rank == 0:
            from torch.utils.tensorboard import SummaryWriter

            self.writer = SummaryWriter(str(run_dir / "tb"))
        from vin_gym.utils import progress_bar

        self.bar = progress_bar(
            total=cfg.steps,
            initial=step,
            disable=not (cfg.progress and rank == 0),
            desc="train",
            unit="step",
            dynamic_ncols=True,
        )

    def train_step(
        self,
        step: int,
        parts: Mapping[str, torch.Tensor],
        lr: float,
        rollout: int,
        grad_norm: torch.Tensor,
    ) -> None:
        """Advance the bar to ``step`` (just done) and, at log steps (every
        ``log_every`` and the first), write its scalars."""
        self.bar.update(1)
        if self.writer is None or not (step % self.log_every == 0 or step == 1):
            return
        for k, v in parts.items():
            self.writer.add_scalar(f"train/{k}", float(v), step)
        self.writer.add_scalar("train/lr", lr, step)
        self.writer.add_scalar("train/rollout_steps", rollout, step)
        self.writer.add_scalar("train/grad_norm", float(grad_norm), step)
        self.bar.set_postfix(loss=f"{float(parts['loss']):.4f}", R=rollout)

    def scalars(self, values: Mapping[str, float], step: int) -> None:
        """Write ``values`` (e.g. validation scores) under their own names at ``step``."""
        if self.writer is None:
            return
        for k, v in values.items():
            self.writer.add_scalar(k, v, step)

    def close(self) -> None:
        """Flush and close the events file and the bar (again: nothing)."""
        if self.writer is not None:
            self.writer.close()
            self.writer = None
        self.bar.close()
