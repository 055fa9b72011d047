"""What a training run is told and what it reads: the settings and the data's contract.

:class:`TrainConfig` holds every setting of a run (the budget, the optimiser and its
schedules, the loss's weights, where and how it runs), checked when it is built;
:data:`RESUME_MAY_CHANGE` names the settings a resumed run may change without altering
the run; :class:`Clips` is what training reads (:class:`vin_gym.data.ClipDataset` or a
look-alike); :class:`TrainingDiverged` is raised when the loss or the weights stop being
finite. The trainer itself is :func:`vin_model.training.fit`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import torch

from vin_model.augment import AUGMENTATIONS

#: TrainConfig fields a resumed run may change: the budget and where or how it runs.
#: Any other change alters the run and is refused unless ``allow_changes`` records it.
RESUME_MAY_CHANGE = (
    "steps",
    "max_minutes",
    "device",
    "threads",
    "amp",
    "compile",
    "progress",
    "log_every",
    "checkpoint_every",
    "val_clips",
    "val_every",
)


class TrainingDiverged(RuntimeError):
    """The loss or the weights became NaN or infinite; nothing after the last finite
    checkpoint was saved."""


class Clips(Protocol):
    """What training reads: :class:`vin_gym.data.ClipDataset` or any look-alike."""

    meta: dict[str, Any]

    def __len__(self) -> int: ...

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]: ...


@dataclass
class TrainConfig:
    """How to train a VIN.

    Attributes:
        steps: Optimiser steps; the learning-rate and rollout schedules follow them.
        batch_size: Clips per step (per process under DDP).
        lr: Peak learning rate of Adam.
        lr_final: Learning rate at the end of the cosine decay.
        warmup_steps: Linear warm-up steps.
        grad_clip: Maximum gradient norm.
        discount: Weight of rollout step r is ``discount ** (r - 1)``, normalised.
        rollout_start: Rollout steps trained on at the start.
        rollout_max: Rollout steps at the end of the curriculum; clips must hold
            ``visible + rollout_max`` frames of states.
        curriculum_fraction: Fraction of training over which the rollout grows.
        code_noise: Std of Gaussian noise added to codes the dynamics read back.
        tail_from: Rollout steps computed for the whole batch; beyond them only the
            first ``tail_fraction`` of the batch is rolled on, so long rollouts cost a
            fraction of their full price.
        tail_fraction: Share of the batch trained beyond ``tail_from`` steps (``1``: all).
        encoder_weight: Weight of the encoder loss.
        contact_weight: Extra weight of the rollout steps from a contact on: a clip's
            step counts ``1 + contact_weight`` times in its step's mean once an object
            other than the cue (object 0, the one the action pushes) has changed velocity
            by more than ``contact_threshold`` in one step (a collision or a bounce),
            since contacts last one or two steps of an episode and decide where the
            target goes (``0``: every step counts the same).
        contact_threshold: Velocity change per step (table units per second) that marks
            a contact.
        augment: ``"none"``, or ``"d4"``: each training clip is moved by one of the eight
            symmetries of the square table (reflections and quarter turns), drawn per
            clip, at no cost in environment steps; only for systems that keep those
            symmetries (every registered system at its defaults, on the plain
            background: checked against the data's env before training starts).
        checkpoint_every: Steps between checkpoints (``--resume`` loses at most this many).
        val_clips: Validation clips (at most) evaluated every epoch.
        val_every: Validate at least this often (steps), for very large epochs.
        seed: Seed of initialisation, batch order and noise.
        max_minutes: A safety cap: stop after this much training time even before
            ``steps`` (``None``: none). It never changes the schedules; a run it stops is
            reported as stopped by the cap, not the fixed-step run.
        device: ``"auto"``, ``"cpu"``, ``"cuda"``...
        threads: Torch CPU threads (``0``: torch's default).
        amp: bf16 autocast on CUDA (ignored on CPU, which trains in float32).
        compile: Wrap the model in ``torch.compile``.
        log_every: Steps between TensorBoard scalars.
        progress: Show a tqdm progress bar.
    """

    steps: int = 10_000
    batch_size: int = 100
    lr: float = 1e-3
    lr_final: float = 5e-5
    warmup_steps: int = 200
    grad_clip: float = 1.0
    discount: float = 0.95
    rollout_start: int = 8
    rollout_max: int = 48
    curriculum_fraction: float = 0.5
    code_noise: float = 0.0
    tail_from: int = 8
    tail_fraction: float = 0.25
    encoder_weight: float = 1.0
    contact_weight: float = 0.0
    contact_threshold: float = 0.5
    augment: str = "none"
    checkpoint_every: int = 500
    val_clips: int = 500
    val_every: int = 1000
    seed: int = 0
    max_minutes: float | None = None
    device: str = "auto"
    threads: int = 1
    amp: bool = True
    compile: bool = False
    log_every: int = 25
    progress: bool = True

    def __post_init__(self) -> None:
        positive = (
            "steps",
            "batch_size",
            "rollout_start",
            "rollout_max",
            "checkpoint_every",
            "val_every",
            "log_every",
        )
        for name in positive:
            if getattr(self, name) < 1:
                raise ValueError(f"TrainConfig.{name} must be >= 1, got {getattr(self, name)!r}")
        if self.rollout_max < self.rollout_start:
            raise ValueError(
                f"rollout_max ({self.rollout_max}) must be >= rollout_start ({self.rollout_start})"
            )
        if not 0 < self.tail_fraction <= 1:
            raise ValueError(f"tail_fraction must be in (0, 1], got {self.tail_fraction!r}")
        if not 0 < self.discount <= 1:
            raise ValueError(f"discount must be in (0, 1], got {self.discount!r}")
        if not self.lr > 0 or self.lr_final < 0:
            raise ValueError(f"need lr > 0 and lr_final >= 0, got {self.lr!r}, {self.lr_final!r}")
        if self.contact_weight < 0 or not self.contact_threshold > 0:
            raise ValueError(
                f"need contact_weight >= 0 and contact_threshold > 0, got "
                f"{self.contact_weight!r}, {self.contact_threshold!r}"
            )
        if self.augment not in AUGMENTATIONS:
            raise ValueError(f"augment must be one of {AUGMENTATIONS}, got {self.augment!r}")
        if self.max_minutes is not None and not self.max_minutes > 0:
            raise ValueError(f"max_minutes must be positive, got {self.max_minutes!r}")
