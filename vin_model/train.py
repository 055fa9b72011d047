"""Training: discounted rollout loss plus encoder loss, checkpoints, resume, DDP.

The loss is a discounted mean over rollout steps of the squared error of the predicted
states, normalised by the training data's statistics, plus the squared error of the
states decoded from the encoder's codes. Long-horizon accuracy comes from a curriculum
that lengthens the training rollouts from ``rollout_start`` to ``rollout_max`` steps, with
the steps beyond ``tail_from`` computed for a share of the batch only (the recurrent
dynamics, not the encoder, dominate the cost of long rollouts), and optionally from
Gaussian noise on the codes the dynamics read back. Trained on 8-step rollouts only, the
model is accurate for 8 steps and diverges beyond them (the seed's failure); see
``benchmarks/prediction.py``.

Deterministic on CPU for a seed: initialisation, batch order and noise come from
generators seeded by the seed (and the step), so a resumed run sees the same batches.
Under ``torchrun`` each process trains on its own share of every batch (DDP).
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol

import torch

from vin_model.checkpoint import (
    check_config,
    env_record,
    list_checkpoints,
    load_into,
    load_trainer_state,
    read_config,
    remove_temporaries,
    save_checkpoint,
)
from vin_model.config import VINConfig
from vin_model.device import get_device, set_threads
from vin_model.vin import VIN

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
        checkpoint_every: Steps between checkpoints (``--resume`` loses at most this many).
        val_clips: Validation clips (at most) evaluated every epoch.
        val_every: Validate at least this often (steps), for very large epochs.
        seed: Seed of initialisation, batch order and noise.
        max_minutes: A safety cap: stop after this much training time even before
            ``steps`` (``None``: none). It never changes the schedules; a run it stops is
            reported (``stopped_by``) as not the fixed-step run.
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
        if self.max_minutes is not None and not self.max_minutes > 0:
            raise ValueError(f"max_minutes must be positive, got {self.max_minutes!r}")


def collate(clips: Clips, indices: Sequence[int]) -> dict[str, torch.Tensor]:
    """Stack the clips at ``indices`` into a batch (``[B, ...]`` per key)."""
    batch_fn = getattr(clips, "batch", None)
    if callable(batch_fn):
        return batch_fn(list(indices))
    items = [clips[int(i)] for i in indices]
    return {k: torch.stack([torch.as_tensor(it[k]) for it in items]) for k in items[0]}


def split_batch(
    batch: dict[str, torch.Tensor], model: VIN, rollout: int, device: torch.device
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Context, rollout actions ``[B, R, A]``, encoder targets ``[B, V - 2, N, 4]`` and
    rollout targets ``[B, R, N, 4]`` (table units) of a batch of clips."""
    cfg = model.config
    v = cfg.visible
    states = batch["states"].to(device, torch.float32)
    if states.shape[1] < v + rollout:
        raise ValueError(
            f"clips hold {states.shape[1]} states, need visible + rollout = {v} + {rollout}"
        )
    if cfg.state_input:
        context = states[:, :v]
    else:
        context = batch["frames"][:, :v].to(device, non_blocking=True)
    if "actions" in batch and cfg.action_dim:
        actions = batch["actions"][:, v - 1 : v - 1 + rollout].to(device, torch.float32)
    else:
        actions = torch.zeros(states.shape[0], rollout, cfg.action_dim, device=device)
    if actions.shape[1] < rollout:  # the dataset may stop the actions at the last frame
        pad = torch.zeros(
            actions.shape[0], rollout - actions.shape[1], actions.shape[2], device=device
        )
        actions = torch.cat([actions, pad], dim=1)
    return context, actions, states[:, 2:v], states[:, v : v + rollout]


def rollout_weights(rollout: int, discount: float, device: torch.device) -> torch.Tensor:
    """Normalised discount weights ``[R]`` of rollout steps."""
    w = discount ** torch.arange(rollout, dtype=torch.float32, device=device)
    return w / w.sum()


def compute_loss(
    model: torch.nn.Module,
    vin: VIN,
    batch: dict[str, torch.Tensor],
    rollout: int,
    cfg: TrainConfig,
    device: torch.device,
    generator: torch.Generator | None = None,
    noise: float = 0.0,
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """The training loss of a batch and its parts, detached (``model`` may be a DDP
    wrapper of ``vin``)."""
    context, actions, enc_target, roll_target = split_batch(batch, vin, rollout, device)
    b = context.shape[0]
    tail_batch = max(1, round(cfg.tail_fraction * b))
    tail = rollout > cfg.tail_from and tail_batch < b
    with torch.autocast(
        device.type, dtype=torch.bfloat16, enabled=cfg.amp and device.type == "cuda"
    ):
        out = model(
            context,
            actions,
            code_noise=noise,
            generator=generator,
            tail_from=cfg.tail_from if tail else None,
            tail_batch=tail_batch if tail else None,
        )
    enc = out[0]
    target = vin.normalize(roll_target)
    enc_err = (enc.float() - vin.normalize(enc_target)).square().mean()
    # Rollouts are [B, R, N, 4], or [E, B, R, N, 4] for an ensemble (every member
    # against the same targets); per_step averages all but the step dimension.
    weights = contact_weights(batch, vin.config.visible, rollout, cfg, device)  # [B, R]
    head = out[1].float()
    r_head = head.shape[-3]
    head_w = None if weights is None else weights[:, :r_head]
    per_step = _per_step((head - target[:, :r_head]).square(), head_w)
    if tail:  # steps beyond tail_from, on the first tail_batch clips: [R - tail_from]
        tail_err = (out[2].float() - target[:tail_batch, cfg.tail_from :]).square()
        tail_w = None if weights is None else weights[:tail_batch, cfg.tail_from :]
        per_step = torch.cat([per_step, _per_step(tail_err, tail_w)])
    roll_err = (per_step * rollout_weights(rollout, cfg.discount, device)).sum()
    loss = roll_err + cfg.encoder_weight * enc_err
    parts = {"loss": loss.detach(), "encoder": enc_err.detach(), "rollout": roll_err.detach()}
    return loss, parts


def contact_weights(
    batch: dict[str, torch.Tensor],
    visible: int,
    rollout: int,
    cfg: TrainConfig,
    device: torch.device,
) -> torch.Tensor | None:
    """Weights ``[B, R]`` of a batch's rollout steps: ``1``, and ``1 + contact_weight``
    from the first step at which an object other than the cue changes velocity by more
    than ``contact_threshold`` (see :class:`TrainConfig`); ``None`` when every step
    counts the same."""
    states = batch["states"]
    if cfg.contact_weight == 0 or states.shape[2] < 2:
        return None
    # velocity change into each rollout step's state, objects 1.. only: [B, R, N - 1]
    vel = states[:, visible - 1 : visible + rollout, 1:, 2:4].to(device, torch.float32)
    jump = (vel[:, 1:] - vel[:, :-1]).norm(dim=-1).amax(-1) > cfg.contact_threshold
    since = jump.to(torch.float32).cummax(dim=1).values
    return 1.0 + cfg.contact_weight * since


def _per_step(err: torch.Tensor, weights: torch.Tensor | None = None) -> torch.Tensor:
    """Squared errors ``[..., B, R, N, 4]`` to one mean per rollout step ``[R]``, each
    clip's error weighted by ``weights [B, R]`` (normalised over the batch per step)."""
    if weights is None:
        return err.mean(dim=(-2, -1)).flatten(0, -2).mean(0)
    per_clip = err.mean(dim=(-2, -1))  # [..., B, R]
    per_clip = per_clip.reshape(-1, *per_clip.shape[-2:]).mean(0)  # [B, R]
    return (per_clip * weights).sum(0) / weights.sum(0)


def _progress(step: int, cfg: TrainConfig) -> float:
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


def _epoch_order(n: int, epoch: int, seed: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed * 1_000_003 + epoch)
    return torch.randperm(n, generator=g)


@torch.no_grad()
def validate(vin: VIN, clips: Clips, cfg: TrainConfig, device: torch.device) -> dict[str, float]:
    """Loss and position MSE per coordinate (table units) on up to ``cfg.val_clips`` clips
    at ``rollout_max`` steps."""
    n = min(len(clips), cfg.val_clips)
    if n == 0:
        return {}
    idx = torch.linspace(0, len(clips) - 1, n).round().long().tolist()
    was_training = vin.training
    vin.eval()
    totals: dict[str, float] = {}
    sq = None
    for start in range(0, n, cfg.batch_size):
        batch = collate(clips, idx[start : start + cfg.batch_size])
        loss, parts = compute_loss(vin, vin, batch, cfg.rollout_max, cfg, device)
        context, actions, _, target = split_batch(batch, vin, cfg.rollout_max, device)
        pred = vin.predict(context, actions)
        err = (pred[..., :2] - target[..., :2]).square().mean(dim=(2, 3)).sum(0)  # [R]
        sq = err if sq is None else sq + err
        for k, v in parts.items():
            totals[k] = totals.get(k, 0.0) + float(v) * len(batch["states"])
    vin.train(was_training)
    sq = (sq / n).cpu()
    out = {f"val/{k}": v / n for k, v in totals.items()}
    out["val/pos_mse_mean_1_8"] = float(sq[:8].mean())
    out["val/pos_mse_last"] = float(sq[-1])
    return out


def train(*args: Any, **kwargs: Any) -> dict[str, Any]:
    """Train a VIN (see :func:`fit`) and return only the summary."""
    return fit(*args, **kwargs)[1]


def fit(
    run_dir: str | os.PathLike,
    train_clips: Clips,
    val_clips: Clips | None,
    model_config: VINConfig,
    cfg: TrainConfig,
    state_stats: dict[str, torch.Tensor] | None = None,
    resume: bool = False,
    extra: dict[str, Any] | None = None,
    allow_changes: bool = False,
    stop_at: int | None = None,
) -> tuple[VIN, dict[str, Any]]:
    """Train a VIN and checkpoint it under ``run_dir``.

    Args:
        run_dir: Output directory (checkpoints, TensorBoard events).
        train_clips: Training clips of ``visible + rollout_max`` frames.
        val_clips: Validation clips (``None``: no validation).
        model_config: The model to build (or to find in the checkpoint when resuming).
        cfg: Training settings.
        state_stats: ``{"mean": [4], "std": [4]}`` normalising states (default: the
            clips' ``state_stats()``).
        resume: Continue from the newest checkpoint in ``run_dir`` (which must hold one).
            The training settings must be those of the checkpoint, except the fields in
            :data:`RESUME_MAY_CHANGE`, and the data (``extra["meta"]``) must come from the
            same env.
        extra: More JSON-able fields for the checkpoints' config (e.g. data meta under
            ``"meta"``, from which the env record ``"env"`` is derived).
        allow_changes: Accept changed settings when resuming, recording each change (step,
            field, old and new value) under ``"changes"`` in the checkpoints' config.
        stop_at: Stop (and checkpoint) at this step instead of ``cfg.steps``; the
            schedules still span ``cfg.steps``, so a run trained in parts and resumed,
            as the online loop trains, follows one schedule.

    Returns:
        The trained model (this process's copy) and a JSON-able summary.

    Raises:
        TrainingDiverged: The loss or the weights became non-finite; the newest
            checkpoint on disk is still the last finite one.
        ValueError: Bad settings, or a resume that would change the run.
        FileNotFoundError: ``resume`` on a directory without checkpoints.
    """
    run_dir = Path(run_dir)
    dist = _init_distributed()
    rank, world = (dist.get_rank(), dist.get_world_size()) if dist else (0, 1)
    set_threads(cfg.threads)
    device = get_device(cfg.device)
    if device.type == "cuda" and dist:
        device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", 0)))
        torch.cuda.set_device(device)

    if run_dir.exists() and not run_dir.is_dir():
        raise ValueError(f"the run directory {run_dir} is an existing file")
    if rank == 0:
        remove_temporaries(run_dir)  # a killed checkpoint write's leftovers
    existing = list_checkpoints(run_dir)
    if resume and not existing:
        raise FileNotFoundError(
            f"--resume: {run_dir} holds no checkpoint to continue (expected "
            f"{run_dir / 'checkpoints' / 'step_*'}); leave out --resume to start a new run"
        )
    if existing and not resume:
        raise ValueError(
            f"{run_dir} already holds checkpoints; pass resume=True (--resume) "
            "to continue it, or choose another output directory"
        )
    per_epoch = len(train_clips) // (cfg.batch_size * world)
    if per_epoch < 1:
        raise ValueError(
            f"{len(train_clips)} training clips are fewer than one batch of "
            f"{cfg.batch_size} x {world} processes"
        )

    torch.manual_seed(cfg.seed)
    vin = VIN(model_config)
    if state_stats is None:
        state_stats = train_clips.state_stats()  # type: ignore[attr-defined]
    vin.set_state_stats(state_stats["mean"], state_stats["std"])
    vin.to(device)
    opt = torch.optim.Adam(vin.parameters(), lr=cfg.lr)
    step, elapsed_before = 0, 0.0
    extra = dict(extra or {})
    if "meta" in extra:
        extra["env"] = env_record({"meta": extra["meta"], "model": model_config.to_dict()})
    if resume and existing:
        saved = read_config(existing[-1])
        check_config(VINConfig.from_dict(saved["model"]), model_config, existing[-1])
        check_resume_data(saved, extra, existing[-1])
        changes = resume_changes(saved, cfg, existing[-1], allow_changes)
        load_into(vin, existing[-1])
        state = load_trainer_state(existing[-1])
        try:
            opt.load_state_dict(state["optimizer"])
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(
                f"{existing[-1] / 'trainer.pt'} does not fit this model's optimiser ({exc})"
            ) from None
        step, elapsed_before = int(state["step"]), float(state["elapsed"])
        if saved.get("changes") or changes:
            extra["changes"] = [*saved.get("changes", []), *({"step": step} | c for c in changes)]
    model: torch.nn.Module = vin
    if dist:
        from torch.nn.parallel import DistributedDataParallel

        model = DistributedDataParallel(
            vin, device_ids=[device.index] if device.type == "cuda" else None
        )
    if cfg.compile:
        model = torch.compile(model)

    writer = None
    if rank == 0:
        from torch.utils.tensorboard import SummaryWriter

        writer = SummaryWriter(str(run_dir / "tb"))
    save_extra = {"train": asdict(cfg), **extra}
    # Divergence watch, on the device (no sync per step): the first step whose loss or
    # gradient norm was not finite (-1: none), read at log steps and before any save.
    first_bad = torch.full((), -1, dtype=torch.long, device=device)
    loss_sum = torch.zeros((), dtype=torch.float64, device=device)
    loss_count = 0

    def check_finite(at: int, weights: bool = True) -> None:
        bad = int(first_bad)
        if bad < 0 and weights and at > start_step:  # the last update may overflow
            finite = [torch.isfinite(v).all() for v in vin.state_dict().values()]
            if not bool(torch.stack(finite).all()):  # one sync
                bad = at
        if bad < 0:
            return
        if writer is not None:
            writer.close()
        bar.close()
        good = list_checkpoints(run_dir)
        where = f"the last good checkpoint is {good[-1]}" if good else "no checkpoint was saved"
        raise TrainingDiverged(
            f"training diverged: the loss or the weights became NaN or infinite at step "
            f"{bad} (lr {cfg.lr:g}); nothing after it was saved and {where}. Resume with "
            "a lower --lr (--resume --allow-changes) or check the data with `vin-gym inspect`"
        )

    def checkpoint(at: int, elapsed: float) -> None:
        nonlocal loss_sum, loss_count
        check_finite(at)
        if rank == 0:
            state = {"optimizer": opt.state_dict(), "step": at, "elapsed": elapsed}
            # one kind of score per run: validation loss (at rollout_max, comparable
            # across the curriculum) when there is validation, else the mean train loss
            if val_clips is not None:
                score = val.get("val/loss")
            else:
                score = float(loss_sum) / loss_count if loss_count else None
            save_checkpoint(run_dir, vin, at, state, save_extra, score=score)
        loss_sum, loss_count = torch.zeros_like(loss_sum), 0

    from tqdm.auto import tqdm

    bar = tqdm(
        total=cfg.steps,
        initial=step,
        disable=not (cfg.progress and rank == 0),
        desc="train",
        unit="step",
        dynamic_ncols=True,
    )
    generator = torch.Generator(device=device)
    t0 = time.perf_counter()
    val: dict[str, float] = {}
    parts: dict[str, torch.Tensor] = {}
    last_saved = step
    start_step = step
    order, order_epoch = torch.empty(0, dtype=torch.long), -1
    stopped_by = "steps"
    vin.train()
    last_step = cfg.steps if stop_at is None else min(int(stop_at), cfg.steps)
    while step < last_step:
        elapsed = elapsed_before + time.perf_counter() - t0
        if dist and cfg.max_minutes is not None:  # every process must agree on when to stop
            clock = torch.tensor([elapsed], dtype=torch.float64, device=device)
            dist.all_reduce(clock, op=dist.ReduceOp.MAX)
            elapsed = float(clock)
        if cfg.max_minutes is not None and elapsed >= 60.0 * cfg.max_minutes:
            stopped_by = "max_minutes"
            if rank == 0:
                print(
                    f"train: the --max-minutes cap ({cfg.max_minutes:g}) stopped training at "
                    f"step {step} of {cfg.steps}; this run is not the fixed-step run",
                    file=sys.stderr,
                )
            break
        progress = _progress(step, cfg)
        lr = learning_rate(step, progress, cfg)
        for group in opt.param_groups:
            group["lr"] = lr
        rollout = rollout_length(progress, cfg)
        epoch, pos = divmod(step, per_epoch)
        if epoch != order_epoch:
            order, order_epoch = _epoch_order(len(train_clips), epoch, cfg.seed), epoch
        first = (pos * world + rank) * cfg.batch_size
        batch = collate(train_clips, order[first : first + cfg.batch_size].tolist())
        generator.manual_seed(cfg.seed * 7_919 + step * 104_729 + rank)
        loss, parts = compute_loss(
            model, vin, batch, rollout, cfg, device, generator, cfg.code_noise
        )
        opt.zero_grad(set_to_none=True)
        loss.backward()
        grad_norm = torch.nn.utils.clip_grad_norm_(vin.parameters(), cfg.grad_clip)
        bad = ~(torch.isfinite(parts["loss"]) & torch.isfinite(grad_norm))
        first_bad = torch.where(bad & (first_bad < 0), step + 1, first_bad)
        loss_sum += parts["loss"].double()
        loss_count += 1
        opt.step()
        step += 1
        bar.update(1)
        if step % cfg.log_every == 0 or step == 1:
            check_finite(step, weights=False)  # the loss flag only: non-finite weights
            # make the next loss non-finite, and saves check the weights themselves
        if writer is not None and (step % cfg.log_every == 0 or step == 1):
            for k, v in parts.items():
                writer.add_scalar(f"train/{k}", float(v), step)
            writer.add_scalar("train/lr", lr, step)
            writer.add_scalar("train/rollout_steps", rollout, step)
            writer.add_scalar("train/grad_norm", float(grad_norm), step)
            bar.set_postfix(loss=f"{float(parts['loss']):.4f}", R=rollout)
        if (
            val_clips is not None
            and rank == 0
            and (step % per_epoch == 0 or step % cfg.val_every == 0)
        ):
            val = validate(vin, val_clips, cfg, device)
            for k, v in val.items():
                writer.add_scalar(k, v, step)
        if step % cfg.checkpoint_every == 0:
            checkpoint(step, elapsed_before + time.perf_counter() - t0)
            last_saved = step
    check_finite(step)
    bar.close()
    elapsed = elapsed_before + time.perf_counter() - t0
    if step != last_saved or not list_checkpoints(run_dir):
        checkpoint(step, elapsed)
    if val_clips is not None and rank == 0:
        val = validate(vin, val_clips, cfg, device)
    if writer is not None:
        writer.close()
    if dist:
        dist.barrier()
    run_time = elapsed - elapsed_before
    return vin, {
        "run_dir": str(run_dir),
        "step": step,
        "steps_target": cfg.steps,
        "stopped_by": stopped_by,
        "minutes": elapsed / 60.0,
        "steps_per_s": (step - start_step) / run_time if run_time > 0 else float("nan"),
        **{f"train/{k}": float(v) for k, v in parts.items()},
        **val,
    }


def check_resume_data(saved: dict[str, Any], extra: dict[str, Any], where: Any) -> None:
    """Refuse to resume a run on data from another env (``ValueError`` naming both)."""
    if "meta" not in saved or "env" not in extra:
        return
    old = env_record(saved)
    diff = {
        k: (old[k], v)
        for k, v in extra["env"].items()
        if old.get(k) is not None and v is not None and old[k] != v
    }
    if diff:
        details = ", ".join(f"{k}: checkpoint {a!r} vs data {b!r}" for k, (a, b) in diff.items())
        raise ValueError(
            f"--resume: {where} was trained on data of another env ({details}); train a new "
            "run on this data instead"
        )


def resume_changes(
    saved: dict[str, Any], cfg: TrainConfig, where: Any, allow: bool
) -> list[dict[str, Any]]:
    """Settings of ``cfg`` that differ from the checkpoint's, outside
    :data:`RESUME_MAY_CHANGE`: a ``ValueError`` naming them unless ``allow``, else the
    list of changes ``{"field", "from", "to"}`` to record."""
    old = saved.get("train")
    if not isinstance(old, dict):
        return []
    new = json.loads(json.dumps(asdict(cfg)))  # as it reads back from JSON
    changes = [
        {"field": k, "from": old[k], "to": new[k]}
        for k in new
        if k not in RESUME_MAY_CHANGE and k in old and old[k] != new[k]
    ]
    if changes and not allow:
        details = ", ".join(f"{c['field']}: {c['from']!r} -> {c['to']!r}" for c in changes)
        raise ValueError(
            f"--resume would change the run of {where} ({details}); repeat its settings, or "
            "pass --allow-changes (allow_changes=True) to change them, recorded in the "
            "checkpoint's config"
        )
    return changes


def _init_distributed():
    """``torch.distributed`` initialised from ``torchrun``'s variables, or ``None``."""
    if int(os.environ.get("WORLD_SIZE", "1")) <= 1:
        return None
    import torch.distributed as dist

    if not dist.is_initialized():
        backend = "nccl" if torch.cuda.is_available() else "gloo"
        dist.init_process_group(backend=backend)
    return dist


def open_clips(
    paths: Sequence[str | os.PathLike],
    visible: int,
    rollout: int,
    split: str,
    val_fraction: float = 0.1,
    seed: int = 0,
) -> Clips:
    """Clips of ``visible + rollout`` frames from datasets on disk (``vin_gym.data``)."""
    from vin_gym.data import ClipDataset

    return ClipDataset(
        [str(p) for p in paths],
        visible=visible,
        rollout=rollout,
        frame_step=1,
        split=split,
        val_fraction=val_fraction,
        seed=seed,
    )


def split_record(clips: Clips, val_fraction: float, seed: int) -> dict[str, Any]:
    """The train/validation split of ``clips`` (from :func:`open_clips`) for a checkpoint's
    config, so that evaluation scores the episodes this training held out."""
    return {
        "seed": int(seed),
        "val_fraction": float(val_fraction),
        "val_episodes": [int(e) for e in clips.splits["val"]],  # type: ignore[attr-defined]
    }
