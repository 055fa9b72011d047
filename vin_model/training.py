"""Training: the loop that fits a VIN, with checkpoints, resume and DDP.

:func:`fit` builds the model, resumes it from the newest checkpoint when asked (after
:func:`check_resume_data` and :func:`resume_changes` have checked that the data and the
settings continue the same run), and runs the optimiser steps: it follows the schedules
(:mod:`vin_model.schedules`), minimises the loss (:mod:`vin_model.loss`), watches for
divergence, validates, checkpoints and logs (:mod:`vin_model.train_log`), on one process
or under ``torchrun`` (:mod:`vin_model.distributed`). :func:`open_clips` and
:func:`split_record` read the datasets on disk and record their split. The settings are a
:class:`TrainConfig` (:mod:`vin_model.train_config`); the names of those modules that
callers use are importable from here too.

Deterministic on CPU for a seed: initialisation, batch order and noise come from
generators seeded by the seed (and the step), so a resumed run sees the same batches.
Under ``torchrun`` each process trains on its own share of every batch (DDP).
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import torch

from vin_gym.locking import check_new_or_resume
from vin_model.checkpoint import (
    CHECKSUM,
    check_config,
    env_record,
    list_checkpoints,
    load_into,
    load_trainer_state,
    read_config,
    remove_partial_checkpoints,
    save_checkpoint,
)
from vin_model.config import VINConfig
from vin_model.device import get_device, set_threads
from vin_model.distributed import (
    barrier,
    init_distributed,
    max_over_processes,
    process_device,
    rank_and_world,
    wrap_model,
)
from vin_model.loss import (
    collate,
    compute_loss,
    contact_weights,
    rollout_weights,
    split_batch,
    validate,
)
from vin_model.schedules import epoch_order, learning_rate, progress_at, rollout_length
from vin_model.train_config import RESUME_MAY_CHANGE, Clips, TrainConfig, TrainingDiverged
from vin_model.train_log import TrainLog
from vin_model.vin import VIN

__all__ = [
    "RESUME_MAY_CHANGE",
    "Clips",
    "TrainConfig",
    "TrainingDiverged",
    "check_resume_data",
    "collate",
    "compute_loss",
    "contact_weights",
    "fit",
    "learning_rate",
    "open_clips",
    "resume_changes",
    "rollout_length",
    "rollout_weights",
    "split_batch",
    "split_record",
    "train",
    "validate",
]


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
    init: str | os.PathLike | None = None,
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
        init: Fine-tune: start a new run from this checkpoint's weights and state
            normalisation (its model config must be ``model_config``) instead of a fresh
            initialisation; recorded in the checkpoints' config. Ignored on resume.

    Returns:
        The trained model (this process's copy) and a JSON-able summary.

    Raises:
        TrainingDiverged: The loss or the weights became non-finite; the newest
            checkpoint on disk is still the last finite one.
        ValueError: Bad settings, or a resume that would change the run.
        FileNotFoundError: ``resume`` on a directory without checkpoints.
    """
    run_dir = Path(run_dir)
    dist = init_distributed()
    rank, world = rank_and_world(dist)
    set_threads(cfg.threads)
    device = process_device(get_device(cfg.device), dist)

    if run_dir.exists() and not run_dir.is_dir():
        raise ValueError(f"the run directory {run_dir} is an existing file")
    if rank == 0:
        remove_partial_checkpoints(run_dir)  # a killed checkpoint write's leftovers
    existing = list_checkpoints(run_dir)
    check_new_or_resume(run_dir, resume, "checkpoints/step_*", holds=bool(existing))
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
    extra = dict(extra or {})
    if init is not None and not resume:
        source = read_config(init)
        check_config(VINConfig.from_dict(source["model"]), model_config, init)
        load_into(vin, init)  # its weights and its normalisation
        extra["init"] = {"path": str(init), "sha256": source.get(CHECKSUM)}
    vin.to(device)
    opt = torch.optim.Adam(vin.parameters(), lr=cfg.lr)
    step, elapsed_before = 0, 0.0
    if "meta" in extra:
        extra["env"] = env_record({"meta": extra["meta"], "model": model_config.to_dict()})
    if resume and existing:
        saved = read_config(existing[-1])
        check_config(VINConfig.from_dict(saved["model"]), model_config, existing[-1])
        check_resume_data(saved, extra, existing[-1])
        if "init" in saved:  # a fine-tuned run stays one
            extra.setdefault("init", saved["init"])
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
    model = wrap_model(vin, device, dist)
    if cfg.compile:
        model = torch.compile(model)

    log = TrainLog(run_dir, cfg, step, rank)
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
        log.close()
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
        if cfg.max_minutes is not None:  # every process must agree on when to stop
            elapsed = max_over_processes(elapsed, device, dist)
        if cfg.max_minutes is not None and elapsed >= 60.0 * cfg.max_minutes:
            stopped_by = "max_minutes"
            if rank == 0:
                print(
                    f"train: the --max-minutes cap ({cfg.max_minutes:g}) stopped training at "
                    f"step {step} of {cfg.steps}; this run is not the fixed-step run",
                    file=sys.stderr,
                )
            break
        progress = progress_at(step, cfg)
        lr = learning_rate(step, progress, cfg)
        for group in opt.param_groups:
            group["lr"] = lr
        rollout = rollout_length(progress, cfg)
        epoch, pos = divmod(step, per_epoch)
        if epoch != order_epoch:
            order, order_epoch = epoch_order(len(train_clips), epoch, cfg.seed), epoch
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
        if step % cfg.log_every == 0 or step == 1:
            check_finite(step, weights=False)  # the loss flag only: non-finite weights
            # make the next loss non-finite, and saves check the weights themselves
        log.train_step(step, parts, lr, rollout, grad_norm)
        if (
            val_clips is not None
            and rank == 0
            and (step % per_epoch == 0 or step % cfg.val_every == 0)
        ):
            val = validate(vin, val_clips, cfg, device)
            log.scalars(val, step)
        if step % cfg.checkpoint_every == 0:
            checkpoint(step, elapsed_before + time.perf_counter() - t0)
            last_saved = step
    check_finite(step)
    log.close()
    elapsed = elapsed_before + time.perf_counter() - t0
    if step != last_saved or not list_checkpoints(run_dir):
        checkpoint(step, elapsed)
    if val_clips is not None and rank == 0:
        val = validate(vin, val_clips, cfg, device)
    barrier(dist)
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
