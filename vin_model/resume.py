"""Continuing a training run: the checks that a resume continues the same run, and the
state it takes back from the newest checkpoint.

:func:`resume_from` restores the weights, the optimiser and the step of a run after
:func:`check_resume_data` (the data come from the same env) and :func:`resume_changes`
(the settings are the run's, outside :data:`RESUME_MAY_CHANGE`, or the changes are
recorded) have passed.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import torch

from vin_gym.env_record import EnvRecord, describe
from vin_model.checkpoint import (
    check_config,
    load_into,
    load_trainer_state,
    read_config,
)
from vin_model.config import VINConfig
from vin_model.train_config import RESUME_MAY_CHANGE, TrainConfig
from vin_model.vin import VIN


def resume_from(
    checkpoint: Path,
    vin: VIN,
    opt: torch.optim.Optimizer,
    model_config: VINConfig,
    cfg: TrainConfig,
    extra: dict[str, Any],
    allow_changes: bool,
) -> tuple[int, float]:
    """Load ``checkpoint``'s weights into ``vin`` and its optimiser state into ``opt``,
    after checking that it continues the same run; carry its fine-tuning source and its
    recorded changes (with this resume's) into ``extra``. Returns the step it reached and
    the seconds it had trained."""
    saved = read_config(checkpoint)
    check_config(VINConfig.from_dict(saved["model"]), model_config, checkpoint)
    check_resume_data(saved, extra, checkpoint)
    if "init" in saved:  # a fine-tuned run stays one
        extra.setdefault("init", saved["init"])
    changes = resume_changes(saved, cfg, checkpoint, allow_changes)
    load_into(vin, checkpoint)
    state = load_trainer_state(checkpoint)
    try:
        opt.load_state_dict(state["optimizer"])
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(
            f"{checkpoint / 'trainer.pt'} does not fit this model's optimiser ({exc})"
        ) from None
    step, elapsed = int(state["step"]), float(state["elapsed"])
    if saved.get("changes") or changes:
        extra["changes"] = [*saved.get("changes", []), *({"step": step} | c for c in changes)]
    return step, elapsed


def check_resume_data(saved: dict[str, Any], extra: dict[str, Any], where: Any) -> None:
    """Refuse to resume a run on data from another env (``ValueError`` naming each
    differing field with both values): the checkpoint's record (``saved``, its config)
    against the data's (``extra["env"]``)."""
    if "meta" not in saved or "env" not in extra:
        return
    diff = EnvRecord.from_checkpoint(saved).diff(EnvRecord.from_dict(extra["env"]))
    if diff:
        raise ValueError(
            f"cannot resume: {where} was trained on data of another env "
            f"({describe(diff, 'checkpoint', 'data')}); train a new run on this data instead"
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
    # a field the checkpoint lacks is newer than the run, which trained as its default does
    default = json.loads(json.dumps(asdict(TrainConfig())))
    was = {k: old.get(k, default[k]) for k in new}
    changes = [
        {"field": k, "from": was[k], "to": new[k]}
        for k in new
        if k not in RESUME_MAY_CHANGE and was[k] != new[k]
    ]
    if changes and not allow:
        details = ", ".join(f"{c['field']}: {c['from']!r} -> {c['to']!r}" for c in changes)
        raise ValueError(
            f"resuming would change the run of {where} ({details}); repeat its settings, or "
            "pass allow_changes=True to change them, recorded in the "
            "checkpoint's config"
        )
    return changes
