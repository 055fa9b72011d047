"""Training: the loop that fits a VIN, with checkpoints, resume and DDP.

:func:`fit` builds the model, resumes it from the newest checkpoint when asked
(:mod:`vin_model.resume` checks that the data and the settings continue the same run),
and runs the optimiser steps: it follows the schedules
(:mod:`vin_model.schedules`), minimises the loss (:mod:`vin_model.loss`), watches for
divergence, validates, checkpoints and logs (:mod:`vin_model.train_log`), on one process
or under ``torchrun`` (:mod:`vin_model.distributed`). :func:`open_clips` and
:func:`split_record` (:mod:`vin_model.clips`) read the datasets on disk and record their
split. The settings are a
:class:`TrainConfig` (:mod:`vin_model.train_config`); the names of those modules that
callers use are importable from here too.

Deterministic on CPU for a seed: initialisation, batch order and noise come from
generators seeded by the seed (and the step), so a resumed run sees the same batches.
Under ``torchrun`` each process trains on its own share of every batch (DDP).
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import torch

from vin_gym.env_record import EnvRecord
from vin_gym.locking import check_new_or_resume
from vin_gym.symmetry import check_square_symmetric
from vin_model.augment import dihedral
from vin_model.checkpoint import (
    CHECKSUM,
    check_config,
    list_checkpoints,
    load_into,
    read_config,
    remove_partial_checkpoints,
    save_checkpoint,
)
from vin_model.clips import open_clips, split_record
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
from vin_model.resume import check_resume_data, resume_changes, resume_from
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
    table_size = _augment_table_size(train_clips, cfg)  # checked before anything is written
    dist = init_distributed()
    rank, world = rank_and_world(dist)
    set_threads(cfg.threads)
    device = process_device(get_device(cfg.device), dist)
    existing = _open_run_dir(run_dir, resume, rank)
    per_epoch = _batches_per_epoch(len(train_clips), cfg.batch_size, world)
    extra = dict(extra or {})
    vin = _new_model(
        model_config, cfg.seed, train_clips, state_stats, None if resume else init, extra
    )
    vin.to(device)
    opt = torch.optim.Adam(vin.parameters(), lr=cfg.lr)
    step, elapsed_before = 0, 0.0
    if resume and existing:
        step, elapsed_before = resume_from(
            existing[-1], vin, opt, model_config, cfg, extra, allow_changes
        )
    model = wrap_model(vin, device, dist)
    if cfg.compile:
        model = torch.compile(model)

    log = TrainLog(run_dir, cfg, step, rank)
    run = _Run(run_dir, vin, model, opt, cfg, val_clips, log, device, rank, step)
    run.save_extra = {"train": asdict(cfg), **extra}
    t0 = time.perf_counter()
    last_step = cfg.steps if stop_at is None else min(int(stop_at), cfg.steps)
    stopped_by = run.train(
        train_clips, per_epoch, world, last_step, elapsed_before, t0, dist, table_size
    )
    run.check_finite(run.step)
    log.close()
    elapsed = elapsed_before + time.perf_counter() - t0
    if run.step != run.last_saved or not list_checkpoints(run_dir):
        run.checkpoint(run.step, elapsed)
    if val_clips is not None and rank == 0:
        run.val = validate(vin, val_clips, cfg, device)
    barrier(dist)
    run_time = elapsed - elapsed_before
    return vin, {
        "run_dir": str(run_dir),
        "step": run.step,
        "steps_target": cfg.steps,
        "stopped_by": stopped_by,
        "minutes": elapsed / 60.0,
        "steps_per_s": (run.step - run.start_step) / run_time if run_time > 0 else float("nan"),
        **{f"train/{k}": float(v) for k, v in run.parts.items()},
        **run.val,
    }


def _open_run_dir(run_dir: Path, resume: bool, rank: int) -> list[Path]:
    """The run directory's checkpoints, after removing a killed write's leftovers and
    checking that a new run starts empty and a resumed one has checkpoints."""
    if run_dir.exists() and not run_dir.is_dir():
        raise ValueError(f"the run directory {run_dir} is an existing file")
    if rank == 0:
        remove_partial_checkpoints(run_dir)  # a killed checkpoint write's leftovers
    existing = list_checkpoints(run_dir)
    check_new_or_resume(run_dir, resume, "checkpoints/step_*", holds=bool(existing))
    return existing


def _batches_per_epoch(clips: int, batch_size: int, world: int) -> int:
    per_epoch = clips // (batch_size * world)
    if per_epoch < 1:
        raise ValueError(
            f"{clips} training clips are fewer than one batch of {batch_size} x {world} processes"
        )
    return per_epoch


def _new_model(
    model_config: VINConfig,
    seed: int,
    train_clips: Clips,
    state_stats: dict[str, torch.Tensor] | None,
    init: str | os.PathLike | None,
    extra: dict[str, Any],
) -> VIN:
    """A VIN initialised from ``seed``, normalising states by ``state_stats`` (default:
    the clips'), or with the weights and normalisation of the checkpoint ``init``
    (recorded in ``extra``, with the env record of the data's ``extra["meta"]``)."""
    torch.manual_seed(seed)
    vin = VIN(model_config)
    if state_stats is None:
        state_stats = train_clips.state_stats()  # type: ignore[attr-defined]
    vin.set_state_stats(state_stats["mean"], state_stats["std"])
    if init is not None:
        source = read_config(init)
        check_config(VINConfig.from_dict(source["model"]), model_config, init)
        load_into(vin, init)  # its weights and its normalisation
        extra["init"] = {"path": str(init), "sha256": source.get(CHECKSUM)}
    if "meta" in extra:
        extra["env"] = EnvRecord.from_meta(extra["meta"], model_config.to_dict()).to_dict()
    return vin


def _augment_table_size(clips: Clips, cfg: TrainConfig) -> float | None:
    """The table side that ``cfg.augment`` moves states by (``None``: no augmentation),
    after checking that the data's system keeps the table's symmetries."""
    if cfg.augment == "none":
        return None
    meta = getattr(clips, "meta", {})
    check_square_symmetric(meta.get("env_id"), meta.get("background", "plain"))
    if "table_size" not in meta:
        raise ValueError(f"augment={cfg.augment!r} needs the data's table_size in its meta")
    return float(meta["table_size"])


class _Run:
    """One training process's moving parts and the state its steps share: the model and
    its optimiser, the divergence watch, the loss since the last checkpoint and the
    latest validation scores."""

    def __init__(
        self,
        run_dir: Path,
        vin: VIN,
        model: torch.nn.Module,
        opt: torch.optim.Optimizer,
        cfg: TrainConfig,
        val_clips: Clips | None,
        log: TrainLog,
        device: torch.device,
        rank: int,
        step: int,
    ) -> None:
        self.run_dir, self.vin, self.model, self.opt, self.cfg = run_dir, vin, model, opt, cfg
        self.val_clips, self.log, self.device, self.rank = val_clips, log, device, rank
        self.step = self.start_step = self.last_saved = step
        self.save_extra: dict[str, Any] = {}
        # Divergence watch, on the device (no sync per step): the first step whose loss or
        # gradient norm was not finite (-1: none), read at log steps and before any save.
        self.first_bad = torch.full((), -1, dtype=torch.long, device=device)
        self.loss_sum = torch.zeros((), dtype=torch.float64, device=device)
        self.loss_count = 0
        self.val: dict[str, float] = {}
        self.parts: dict[str, torch.Tensor] = {}

    def train(
        self,
        train_clips: Clips,
        per_epoch: int,
        world: int,
        last_step: int,
        elapsed_before: float,
        t0: float,
        dist: Any,
        table_size: float | None,
    ) -> str:
        """Optimiser steps up to ``last_step`` or the time cap; what stopped them. With a
        ``table_size``, each batch is moved by symmetries of the table (``cfg.augment``)."""
        cfg, rank = self.cfg, self.rank
        generator = torch.Generator(device=self.device)
        symmetries = torch.Generator()  # CPU: the batch is augmented before it moves
        order, order_epoch = torch.empty(0, dtype=torch.long), -1
        self.vin.train()
        while self.step < last_step:
            if self._time_is_up(elapsed_before + time.perf_counter() - t0, dist):
                return "max_minutes"
            step = self.step
            progress = progress_at(step, cfg)
            lr = learning_rate(step, progress, cfg)
            for group in self.opt.param_groups:
                group["lr"] = lr
            rollout = rollout_length(progress, cfg)
            epoch, pos = divmod(step, per_epoch)
            if epoch != order_epoch:
                order, order_epoch = epoch_order(len(train_clips), epoch, cfg.seed), epoch
            first = (pos * world + rank) * cfg.batch_size
            batch = collate(train_clips, order[first : first + cfg.batch_size].tolist())
            if table_size is not None:
                symmetries.manual_seed(cfg.seed * 6_151 + step * 92_821 + rank)
                batch = dihedral(batch, table_size, symmetries)
            generator.manual_seed(cfg.seed * 7_919 + step * 104_729 + rank)
            self._optimiser_step(batch, rollout, lr, generator)
            if self.step % per_epoch == 0 or self.step % cfg.val_every == 0:
                self._validate()
            if self.step % cfg.checkpoint_every == 0:
                self.checkpoint(self.step, elapsed_before + time.perf_counter() - t0)
                self.last_saved = self.step
        return "steps"

    def _time_is_up(self, elapsed: float, dist: Any) -> bool:
        cap = self.cfg.max_minutes
        if cap is None:
            return False
        elapsed = max_over_processes(elapsed, self.device, dist)  # every process agrees
        if elapsed < 60.0 * cap:
            return False
        if self.rank == 0:
            print(
                f"train: the --max-minutes cap ({cap:g}) stopped training at step "
                f"{self.step} of {self.cfg.steps}; this run is not the fixed-step run",
                file=sys.stderr,
            )
        return True

    def _optimiser_step(
        self, batch: dict[str, torch.Tensor], rollout: int, lr: float, generator: torch.Generator
    ) -> None:
        cfg, vin = self.cfg, self.vin
        loss, self.parts = compute_loss(
            self.model, vin, batch, rollout, cfg, self.device, generator, cfg.code_noise
        )
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        grad_norm = torch.nn.utils.clip_grad_norm_(vin.parameters(), cfg.grad_clip)
        bad = ~(torch.isfinite(self.parts["loss"]) & torch.isfinite(grad_norm))
        self.first_bad = torch.where(bad & (self.first_bad < 0), self.step + 1, self.first_bad)
        self.loss_sum += self.parts["loss"].double()
        self.loss_count += 1
        self.opt.step()
        self.step += 1
        if self.step % cfg.log_every == 0 or self.step == 1:
            self.check_finite(self.step, weights=False)  # the loss flag only: non-finite
            # weights make the next loss non-finite, and saves check the weights themselves
        self.log.train_step(self.step, self.parts, lr, rollout, grad_norm)

    def _validate(self) -> None:
        if self.val_clips is not None and self.rank == 0:
            self.val = validate(self.vin, self.val_clips, self.cfg, self.device)
            self.log.scalars(self.val, self.step)

    def check_finite(self, at: int, weights: bool = True) -> None:
        """Raise :class:`TrainingDiverged` if a loss or gradient norm up to step ``at``
        (and, with ``weights``, a weight) is not finite."""
        bad = int(self.first_bad)
        if bad < 0 and weights and at > self.start_step:  # the last update may overflow
            finite = [torch.isfinite(v).all() for v in self.vin.state_dict().values()]
            if not bool(torch.stack(finite).all()):  # one sync
                bad = at
        if bad < 0:
            return
        self.log.close()
        good = list_checkpoints(self.run_dir)
        where = f"the last good checkpoint is {good[-1]}" if good else "no checkpoint was saved"
        raise TrainingDiverged(
            f"training diverged: the loss or the weights became NaN or infinite at step "
            f"{bad} (lr {self.cfg.lr:g}); nothing after it was saved and {where}. Resume "
            "with a lower lr (resume with allow_changes=True) or check the data with "
            "`vin-gym inspect`"
        )

    def checkpoint(self, at: int, elapsed: float) -> None:
        """Save step ``at`` (rank 0) once its weights are checked, scored by the validation
        loss (at ``rollout_max``, comparable across the curriculum) when there is
        validation, else by the mean training loss since the last save."""
        self.check_finite(at)
        if self.rank == 0:
            state = {"optimizer": self.opt.state_dict(), "step": at, "elapsed": elapsed}
            if self.val_clips is not None:
                score = self.val.get("val/loss")
            else:
                score = float(self.loss_sum) / self.loss_count if self.loss_count else None
            save_checkpoint(self.run_dir, self.vin, at, state, self.save_extra, score=score)
        self.loss_sum, self.loss_count = torch.zeros_like(self.loss_sum), 0
