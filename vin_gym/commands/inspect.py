"""``vin-gym inspect``: summarise datasets and verify every shard's checksum.

Exits non-zero, naming the file, when a shard is missing, truncated or corrupted.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from vin_gym.commands.common import add_json_arg, report

#: One line for ``vin-gym --help``.
HELP = "summarise datasets and verify their shards"


def add_parser(sub: argparse._SubParsersAction, name: str) -> None:
    p = sub.add_parser(name, help=HELP, description=__doc__)
    p.add_argument("dirs", type=Path, nargs="+", metavar="DIR", help="dataset directories")
    p.add_argument(
        "--no-checksums",
        action="store_true",
        help="check sizes and headers only (fast), not sha256 checksums",
    )
    add_json_arg(p)
    p.set_defaults(run=run)


def summarise(root: Path, checksums: bool = True) -> dict:
    """One dataset's summary; raises :class:`vin_gym.data.DatasetError` on damage."""
    import numpy as np

    from vin_gym.data import open_dataset, verify_dataset
    from vin_gym.utils import progress_bar

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


def check_finite(ds, shard: int) -> None:
    """Raise :class:`vin_gym.data.DatasetError` naming the first episode of ``shard`` whose
    states or actions hold NaN or infinite values."""
    import numpy as np

    from vin_gym.data import DatasetError

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


def run(args: argparse.Namespace) -> int:
    rows = [summarise(d, checksums=not args.no_checksums) for d in args.dirs]
    report({"datasets": rows}, rows, args.json)
    return 0
