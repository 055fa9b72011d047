"""Checkpoints that rebuild the model without the trainer.

A run directory holds ``checkpoints/step_XXXXXXXX/``, each with

* ``model.safetensors``: the weights, normalisation statistics included;
* ``config.json``: ``{"model": asdict(VINConfig), "train": ..., "step": ..., "meta": ...,
  "weights_sha256": ...}``;
* ``trainer.pt`` (optional): optimiser and schedule state for ``--resume``, a plain
  tensor/number dict loaded with ``torch.load(weights_only=True)``.

Each checkpoint is written into a temporary directory that is renamed into place, so a
crash leaves complete checkpoints only (a killed write's ``.tmp_*`` directory is removed
by :func:`remove_partial_checkpoints` at the next start). Non-finite weights are never written.
The newest ``keep`` are kept, and apart from them the one with the lowest recorded
``score`` (the best), so a run that goes bad never rotates out its last good weights.

The weights' sha256 checksum is recorded in ``config.json`` and verified on every load;
a damaged file, or weights that are not finite, are refused with a ``ValueError`` naming
the file. Checkpoints of older versions, without a checksum, load with a warning.
"""

from __future__ import annotations

import json
import math
import os
import pickle
import shutil
import warnings
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file

from vin_gym.env_record import EnvRecord
from vin_gym.utils import atomic_directory, file_sha256
from vin_model.config import VINConfig
from vin_model.vin import VIN

CHECKPOINT_FORMAT = "vin-gym-vin-checkpoint-1"
_PREFIX = "step_"
_TMP_PREFIX = ".tmp_"
#: The ``config.json`` field holding the sha256 checksum of ``model.safetensors``.
CHECKSUM = "weights_sha256"


def save_checkpoint(
    run_dir: str | os.PathLike,
    model: VIN,
    step: int,
    trainer_state: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
    keep: int = 2,
    score: float | None = None,
) -> Path:
    """Write the checkpoint of ``step`` under ``run_dir/checkpoints`` and return its path.

    Args:
        run_dir: The run directory.
        model: The VIN to save.
        step: Its optimiser step (names the checkpoint).
        trainer_state: Optimiser and schedule state for resuming (``trainer.pt``).
        extra: More JSON-able fields for ``config.json``.
        keep: The newest checkpoints to keep (``0``: keep all).
        score: Lower is better (e.g. a loss); the best-scored checkpoint is kept apart
            from the rotation.

    Raises:
        ValueError: The weights hold NaN or infinite values (nothing is written).
    """
    weights = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    bad = nonfinite_tensors(weights)
    if bad:
        raise ValueError(
            f"refusing to save the checkpoint of step {step}: non-finite weights in "
            f"{', '.join(bad[:5])}{' ...' if len(bad) > 5 else ''}"
        )
    final = Path(run_dir) / "checkpoints" / f"{_PREFIX}{step:08d}"
    with atomic_directory(final, prefix=_TMP_PREFIX, mode=0o755) as tmp:
        save_file(weights, str(tmp / "model.safetensors"), metadata={"step": str(step)})
        config = {
            "format": CHECKPOINT_FORMAT,
            "model": model.config.to_dict(),
            "step": step,
            **(extra or {}),
        }
        if score is not None and math.isfinite(score):
            config["score"] = float(score)
        config[CHECKSUM] = file_sha256(tmp / "model.safetensors")
        (tmp / "config.json").write_text(json.dumps(config, indent=2, default=_jsonable) + "\n")
        if trainer_state is not None:
            torch.save(trainer_state, tmp / "trainer.pt")
    if keep > 0:
        found = list_checkpoints(run_dir)
        best = best_checkpoint(run_dir)
        for old in found[:-keep]:
            if old != best:
                shutil.rmtree(old, ignore_errors=True)
    return final


def best_checkpoint(run_dir: str | os.PathLike) -> Path | None:
    """The checkpoint with the lowest recorded ``score`` (``None`` if none has one)."""
    scored = []
    for ckpt in list_checkpoints(run_dir):
        try:
            score = json.loads((ckpt / "config.json").read_text()).get("score")
        except (OSError, ValueError, AttributeError):
            continue
        if isinstance(score, int | float) and math.isfinite(score):
            scored.append((float(score), ckpt))
    return min(scored, key=lambda item: item[0])[1] if scored else None


def remove_partial_checkpoints(run_dir: str | os.PathLike) -> list[Path]:
    """Delete the ``.tmp_*`` directories a killed checkpoint write left behind; return them."""
    root = Path(run_dir) / "checkpoints"
    stale = sorted(root.glob(f"{_TMP_PREFIX}*")) if root.is_dir() else []
    for tmp in stale:
        shutil.rmtree(tmp, ignore_errors=True)
    return stale


def nonfinite_tensors(tensors: dict[str, torch.Tensor]) -> list[str]:
    """Names of the floating-point tensors holding NaN or infinite values."""
    return [
        k for k, v in tensors.items() if v.is_floating_point() and not bool(torch.isfinite(v).all())
    ]


def list_checkpoints(run_dir: str | os.PathLike) -> list[Path]:
    """Complete checkpoints of a run, oldest first."""
    root = Path(run_dir) / "checkpoints"
    if not root.is_dir():
        return []
    found = [
        p
        for p in root.iterdir()
        if p.name.startswith(_PREFIX)
        and (p / "model.safetensors").is_file()
        and (p / "config.json").is_file()
    ]
    return sorted(found, key=lambda p: int(p.name[len(_PREFIX) :]))


def resolve_checkpoint(path: str | os.PathLike) -> Path:
    """A checkpoint directory from a run directory (its newest) or a checkpoint directory."""
    path = Path(path)
    if (path / "model.safetensors").is_file():
        return path
    found = list_checkpoints(path)
    if not found:
        raise FileNotFoundError(
            f"no checkpoint at {path}: expected a run directory with checkpoints/step_* or a "
            "checkpoint directory holding model.safetensors and config.json"
        )
    return found[-1]


def read_config(path: str | os.PathLike) -> dict[str, Any]:
    """The ``config.json`` of a checkpoint (``path`` as for :func:`resolve_checkpoint`)."""
    ckpt = resolve_checkpoint(path)
    file = ckpt / "config.json"
    try:
        config = json.loads(file.read_text())
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError(f"{file} is not valid JSON ({exc}): the checkpoint is damaged") from None
    if not isinstance(config, dict) or config.get("format") != CHECKPOINT_FORMAT:
        found = config.get("format") if isinstance(config, dict) else type(config).__name__
        raise ValueError(
            f"{file} is not a VIN checkpoint (format {found!r}, expected {CHECKPOINT_FORMAT!r})"
        )
    if not isinstance(config.get("model"), dict):
        raise ValueError(f"{file} lacks the 'model' field (a dict of VINConfig fields)")
    for key, kind in (("meta", dict), ("train", dict), ("step", int)):
        value = config.get(key)
        if value is not None and (not isinstance(value, kind) or isinstance(value, bool)):
            shown = repr(value)[:60]
            raise ValueError(f"{file}: {key!r} must be a {kind.__name__}, got {shown}")
    return config


def load_weights(path: str | os.PathLike) -> dict[str, torch.Tensor]:
    """The weights of a checkpoint, checked: the recorded sha256 checksum must match and
    every value must be finite.

    Raises:
        ValueError: The file is damaged (checksum, truncation) or holds NaN/inf values.
    """
    ckpt = resolve_checkpoint(path)
    file = ckpt / "model.safetensors"
    expected = read_config(ckpt).get(CHECKSUM)
    if expected is None:
        warnings.warn(
            f"{ckpt} records no weights checksum (made by an older vin-gym): its weights "
            "cannot be verified",
            stacklevel=2,
        )
    elif file_sha256(file) != expected:
        raise ValueError(
            f"{file} fails its sha256 checksum (expected {str(expected)[:16]}...): the "
            "weights are damaged; use another checkpoint of the run (remove this one to "
            "resume from the one before)"
        )
    try:
        weights = load_file(str(file))
    except Exception as exc:  # safetensors raises its own error types for damaged files
        raise ValueError(f"cannot read {file} ({exc}): the weights are damaged") from None
    bad = nonfinite_tensors(weights)
    if bad:
        raise ValueError(
            f"{file} holds non-finite weights (NaN or inf in {', '.join(bad[:5])}"
            f"{' ...' if len(bad) > 5 else ''}): the run diverged before this checkpoint"
        )
    return weights


def load_model(
    path: str | os.PathLike, device: str | torch.device = "cpu", expect: VINConfig | None = None
) -> VIN:
    """Rebuild the VIN of a checkpoint, in eval mode on ``device``.

    Args:
        path: A run directory (its newest checkpoint is used) or a checkpoint directory.
        device: Where to put the model (``"auto"`` picks CUDA when available).
        expect: If given, the config the checkpoint must match; a mismatch raises
            ``ValueError`` naming every differing field.
    """
    from vin_model.device import get_device

    ckpt = resolve_checkpoint(path)
    config = VINConfig.from_dict(read_config(ckpt)["model"])
    check_config(config, expect, ckpt)
    model = VIN(config)
    load_into(model, ckpt)
    return model.to(get_device(device)).eval()


def load_into(model: VIN, path: str | os.PathLike) -> None:
    """Load a checkpoint's checked weights (:func:`load_weights`) into ``model``."""
    weights = load_weights(path)
    try:
        model.load_state_dict(weights)
    except RuntimeError as exc:
        first = str(exc).strip().splitlines()[0]
        raise ValueError(f"the weights of {path} do not fit its config ({first})") from None


def load_trainer_state(path: str | os.PathLike) -> dict[str, Any]:
    """Optimiser and schedule state saved beside the weights (safe loading)."""
    ckpt = resolve_checkpoint(path)
    file = ckpt / "trainer.pt"
    if not file.is_file():
        raise FileNotFoundError(f"{ckpt} has no trainer.pt: it cannot be resumed")
    try:
        state = torch.load(file, map_location="cpu", weights_only=True)
    except (RuntimeError, EOFError, OSError, ValueError, pickle.UnpicklingError) as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise ValueError(
            f"cannot read {file} ({first}): it is truncated or not a vin-gym trainer state"
        ) from None
    if not isinstance(state, dict) or not {"optimizer", "step", "elapsed"} <= set(state):
        found = sorted(state) if isinstance(state, dict) else type(state).__name__
        raise ValueError(
            f"{file} is not a vin-gym trainer state (expected the keys 'optimizer', 'step', "
            f"'elapsed'; found {found})"
        )
    return state


def check_config(found: VINConfig, expect: VINConfig | None, where: Any) -> None:
    if expect is None:
        return
    diff = found.mismatch(expect)
    if diff:
        details = ", ".join(
            f"{k}: checkpoint {a!r} vs requested {b!r}" for k, (a, b) in diff.items()
        )
        raise ValueError(f"checkpoint {where} does not match the requested model ({details})")


def _jsonable(value: Any) -> Any:
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, tuple):
        return list(value)
    return str(value)


def read_env_record(path: str | os.PathLike) -> EnvRecord:
    """The env a checkpoint's model learned (``path`` as for :func:`resolve_checkpoint`):
    :meth:`EnvRecord.from_checkpoint` of its ``config.json``."""
    return EnvRecord.from_checkpoint(read_config(path))


def recorded_split(
    checkpoint: str | os.PathLike, val_fraction: float | None = None, seed: int | None = None
) -> tuple[float, int]:
    """The validation fraction and split seed to evaluate ``checkpoint`` on: those given,
    else what its training recorded (older checkpoints record nothing: 0.1 and 0)."""
    recorded = read_config(checkpoint).get("split", {})
    if val_fraction is None:
        val_fraction = float(recorded.get("val_fraction", 0.1))
    return val_fraction, int(recorded.get("seed", 0)) if seed is None else seed
