"""Ship a trained checkpoint with vin-gym: copy it into a ``pretrained`` folder with its card.

Both shipping scripts (``benchmarks/ship_systems.py`` for the paper systems' VINs,
``benchmarks/ship_tasks.py`` for the skill tasks') go through :func:`ship_checkpoint`, so
a shipped folder always holds the same three files, is replaced whole or not at all, and
names no path of the machine that trained it.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any


def without_machine_paths(config: dict[str, Any]) -> dict[str, Any]:
    """``config`` (a checkpoint's ``config.json``) with its training data's absolute paths
    cut to their last two parts; changed in place and returned."""
    meta = config.get("meta", {})
    for source in meta.get("sources", []):
        if isinstance(source.get("path"), str) and Path(source["path"]).is_absolute():
            source["path"] = "/".join(Path(source["path"]).parts[-2:])
    return config


def ship_checkpoint(ckpt: Path, card: dict[str, Any], target: Path) -> Path:
    """Write ``target`` (replacing it whole) with the weights and the config of the
    checkpoint directory ``ckpt`` and ``card`` as ``card.json``; the folder is built
    beside ``target`` and renamed into place, so a crash leaves the old one or the new one."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        shutil.copy2(ckpt / "model.safetensors", tmp / "model.safetensors")
        config = json.loads((ckpt / "config.json").read_text())
        (tmp / "config.json").write_text(json.dumps(without_machine_paths(config), indent=2) + "\n")
        (tmp / "card.json").write_text(json.dumps(card, indent=2) + "\n")
        if target.exists():
            shutil.rmtree(target)
        tmp.rename(target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target
