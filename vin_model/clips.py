"""Training clips read from datasets on disk (``vin_gym.data``), and the record of their
train/validation split that a checkpoint carries."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from vin_model.train_config import Clips


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
