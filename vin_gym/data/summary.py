"""A dataset summarised for ``vin-gym inspect``: every shard verified, the arrays read
back and checked finite, and a few figures of what the episodes hold."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from vin_gym.data.dataset import open_dataset
from vin_gym.data.storage import DatasetError
from vin_gym.data.verification import verify_dataset
from vin_gym.utils import progress_bar


def summarise(root: str | Path, checksums: bool = True) -> dict[str, Any]:
    """One dataset's summary; raises :class:`vin_gym.data.DatasetError` on damage."""
    manifest = verify_dataset(root, checksums=checksums)
    ds = open_dataset(root, verify=False)
    meta = ds.meta
    speeds, pushed, success = [], [], []
    shards = range(len(manifest["shards"]))
    for s in progress_bar(shards, desc=f"inspect {Path(root).name}", unit="shard", leave=False):
        states = ds.shard_array(s, "states")
        check_finite(ds, s)
        speeds.append(float(np.hypot(states[..., 2], states[..., 3]).mean()))
        pushed.append(float(np.any(ds.shard_array(s, "actions")[:, :-1] != 0, axis=-1).mean()))
        success.append(float(ds.shard_array(s, "success").mean()))
    size = sum(f["bytes"] for s in manifest["shards"] for f in s["files"].values())
    return {
        "dir": str(root),
        "env": meta["env_id"],
        "policy": meta["policy"],
        "episodes": ds.num_episodes,
        "frames": ds.num_episodes * ds.episode_length,
        "frames_per_episode": ds.episode_length,
        "frame_shape": f"{meta['obs_size']}x{meta['obs_size']}x3",
        "objects": meta["n_objects"],
        "shards": len(manifest["shards"]),
        "megabytes": round(size / 1e6, 2),
        "mean_speed": round(float(np.mean(speeds)), 3),
        "pushed_steps": round(float(np.mean(pushed)), 3),
        "success_frames": round(float(np.mean(success)), 3),
        "verified": "sha256" if checksums else "sizes",
    }


def check_finite(ds: Any, shard: int) -> None:
    """Raise :class:`vin_gym.data.DatasetError` naming the first episode of ``shard`` whose
    states or actions hold NaN or infinite values."""
    for name in ("states", "actions"):
        arr = ds.shard_array(shard, name)
        bad = ~np.isfinite(arr).reshape(len(arr), -1).all(axis=1)
        if bad.any():
            local = int(np.argmax(bad))
            episode = int(ds.shard_array(shard, "episodes")[local])
            raise DatasetError(
                f"{ds.shard_path(shard) / (name + '.npy')}: episode {episode} holds non-finite "
                f"{name} ({int(bad.sum())} episodes of this shard do); the dataset is damaged"
            )
