"""Checkpoints that rebuild the model without the trainer.

A run directory holds ``checkpoints/step_XXXXXXXX/``, each with

* ``model.safetensors``: the weights, normalisation statistics included;
* ``config.json``: ``{"model": asdict(VINConfig), "train": ..., "step": ..., "meta": ...}``;
* ``trainer.pt`` (optional): optimiser and schedule state for ``--resume``, a plain
  tensor/number dict loaded with ``torch.load(weights_only=True)``.

Each checkpoint is written into a temporary directory that is renamed into place, so a
crash leaves complete checkpoints only; the newest ``keep`` are kept.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file

from vin_model.config import VINConfig
from vin_model.vin import VIN

FORMAT = "vin-gym-vin-checkpoint-1"
_PREFIX = "step_"


def save_checkpoint(
    run_dir: str | os.PathLike,
    model: VIN,
    step: int,
    trainer_state: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
    keep: int = 2,
) -> Path:
    """Write the checkpoint of ``step`` under ``run_dir/checkpoints`` and return its path."""
    root = Path(run_dir) / "checkpoints"
    root.mkdir(parents=True, exist_ok=True)
    final = root / f"{_PREFIX}{step:08d}"
    tmp = Path(tempfile.mkdtemp(prefix=".tmp_", dir=root))
    try:
        weights = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
        save_file(weights, str(tmp / "model.safetensors"), metadata={"step": str(step)})
        config = {"format": FORMAT, "model": model.config.to_dict(), "step": step, **(extra or {})}
        (tmp / "config.json").write_text(json.dumps(config, indent=2, default=_jsonable) + "\n")
        if trainer_state is not None:
            torch.save(trainer_state, tmp / "trainer.pt")
        os.chmod(tmp, 0o755)
        if final.exists():
            shutil.rmtree(final)
        os.replace(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    for old in list_checkpoints(run_dir)[:-keep] if keep > 0 else []:
        shutil.rmtree(old, ignore_errors=True)
    return final


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
    config = json.loads((ckpt / "config.json").read_text())
    if config.get("format") != FORMAT:
        raise ValueError(
            f"{ckpt} is not a VIN checkpoint (format {config.get('format')!r}, expected {FORMAT!r})"
        )
    return config


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
    model.load_state_dict(load_file(str(ckpt / "model.safetensors")))
    return model.to(get_device(device)).eval()


def load_trainer_state(path: str | os.PathLike) -> dict[str, Any]:
    """Optimiser and schedule state saved beside the weights (safe loading)."""
    ckpt = resolve_checkpoint(path)
    file = ckpt / "trainer.pt"
    if not file.is_file():
        raise FileNotFoundError(f"{ckpt} has no trainer.pt: it cannot be resumed")
    return torch.load(file, map_location="cpu", weights_only=True)


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
