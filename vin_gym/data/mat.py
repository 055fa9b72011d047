"""Import the seed's ``.mat`` billiards files into this project's dataset format.

The seed's files hold ``X``: float frames ``(E, T, H, W, 3)`` in [0, 1], and ``y``:
``(E, T, N, 4)`` rows of x, y, vx, vy in a 10x10 box, velocities in box units per frame.
Its frames put the first coordinate along columns and the second along rows, row 0 at
the low end, and sample pixel ``(row, col)`` at ``((col + 0.5) L / W, (row + 0.5) L / H)``:
the same axes and grid as :mod:`vin_gym.render`, so frames are imported as they are
(rounded to uint8) and only velocities change, multiplied by ``1 / dt`` into units per
second. :func:`frame_axes_error` checks the axes on the data itself, and the importer
refuses a file whose frames fit transposed states better than the states themselves.

The imported episodes have zero actions (the seed's balls are never pushed), no goal
(``goals`` and ``rewards`` are NaN, ``success`` is false) and the seed's masses (1) and
radii (1.2 by default); the manifest names ``SeedBilliards-v0``, the env that makes such
data.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import numpy as np

from vin_gym.data import storage
from vin_gym.extras import MissingExtraError
from vin_gym.utils import progress_bar

SEED_ENV = "SeedBilliards-v0"


def load_mat(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """``X`` and ``y`` of a seed ``.mat`` file, shapes checked."""
    try:
        from scipy.io import loadmat
    except ImportError:
        raise MissingExtraError(
            "importing .mat files needs SciPy: pip install 'vin-gym[model]'", "model"
        ) from None
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist")
    if path.stat().st_size == 0:
        raise storage.DatasetError(f"{path} is empty, not a MATLAB .mat file")
    try:
        data = loadmat(path, variable_names=["X", "y"])
    except Exception as exc:  # scipy raises many types (MatReadError, IndexError...)
        raise storage.DatasetError(f"cannot read {path} as a MATLAB v5 file: {exc}") from None
    for key in ("X", "y"):
        if key not in data:
            raise storage.DatasetError(f"{path} has no variable {key!r}; expected X and y")
    x, y = data["X"], data["y"]
    if x.ndim != 5 or x.shape[-1] != 3 or x.shape[2] != x.shape[3]:
        raise storage.DatasetError(
            f"{path}: X has shape {x.shape}, expected (episodes, frames, H, H, 3)"
        )
    if y.ndim != 4 or y.shape[-1] != 4 or y.shape[:2] != x.shape[:2]:
        raise storage.DatasetError(
            f"{path}: y has shape {y.shape}, expected {(*x.shape[:2], 'N', 4)} to match X"
        )
    for key, arr in (("X", x), ("y", y)):
        if not np.issubdtype(arr.dtype, np.number) or np.iscomplexobj(arr):
            raise storage.DatasetError(f"{path}: {key} holds {arr.dtype}, expected real numbers")
        bad = ~np.isfinite(arr).reshape(len(arr), -1).all(axis=1)
        if bad.any():
            raise storage.DatasetError(
                f"{path}: {key} holds NaN or infinite values (episode {int(np.argmax(bad))} is "
                f"the first of {int(bad.sum())}); refusing to import them"
            )
    lo, hi = float(x.min()), float(x.max())
    if lo < 0.0 or hi > 1.0:
        raise storage.DatasetError(
            f"{path}: X holds intensities from {lo:g} to {hi:g}; expected frames in [0, 1] "
            "(they would be clipped)"
        )
    return x, y


def frame_axes_error(
    frames: np.ndarray, states: np.ndarray, table_size: float = 10.0
) -> tuple[float, float]:
    """Mean distance between each channel's brightness centroid and its object's position,
    for the frames as they are and transposed (rows and columns swapped).

    Args:
        frames: ``(T, H, W, 3)`` intensities; object ``i`` in channel ``i`` (N <= 3).
        states: ``(T, N, 4)`` x, y, vx, vy.
    """
    t, h, w, _ = frames.shape
    n = min(states.shape[1], 3)
    cols = (np.arange(w) + 0.5) * table_size / w
    rows = (np.arange(h) + 0.5) * table_size / h
    weights = frames[..., :n].astype(np.float64)  # [T, H, W, n]
    mass = weights.sum(axis=(1, 2))  # [T, n]
    ok = mass > 0
    cx = np.einsum("thwn,w->tn", weights, cols) / np.where(ok, mass, 1)
    cy = np.einsum("thwn,h->tn", weights, rows) / np.where(ok, mass, 1)
    x, y = states[:, :n, 0], states[:, :n, 1]
    straight = np.hypot(cx - x, cy - y)[ok].mean()
    swapped = np.hypot(cy - x, cx - y)[ok].mean()
    return float(straight), float(swapped)


def import_mat(
    path: str | os.PathLike,
    out: str | os.PathLike,
    dt: float = 0.1,
    radius: float = 1.2,
    table_size: float = 10.0,
    episodes_per_shard: int = 100,
) -> dict[str, Any]:
    """Convert a seed ``.mat`` file into a dataset directory.

    Args:
        path: The ``.mat`` file (``X`` and ``y``, see the module docstring).
        out: Dataset directory to write; an import of the same file with the same
            arguments resumes, a different one is refused.
        dt: Seconds per frame; velocities are multiplied by ``1 / dt``.
        radius: Ball radius recorded per episode.
        table_size: Side of the seed's box.
        episodes_per_shard: Episodes per shard.

    Returns:
        The manifest written.
    """
    if not dt > 0 or not radius > 0 or episodes_per_shard < 1:
        raise ValueError(
            f"need dt > 0, radius > 0, episodes_per_shard >= 1; got dt={dt!r}, "
            f"radius={radius!r}, episodes_per_shard={episodes_per_shard!r}"
        )
    if not (math.isfinite(dt) and radius < table_size / 2):
        raise ValueError(
            f"radius must be in (0, {table_size / 2:g}) for a ball to fit the "
            f"{table_size:g}x{table_size:g} table (and dt finite); got radius={radius!r}, "
            f"dt={dt!r}"
        )
    path, root = Path(path), Path(out)
    x, y = load_mat(path)
    e, t, h, _, _ = x.shape
    n = y.shape[2]
    straight, swapped = frame_axes_error(x[0], y[0], table_size)
    if swapped < straight:
        raise storage.DatasetError(
            f"{path}: the frames match the states better with rows and columns swapped "
            f"(mean centroid error {swapped:.3f} vs {straight:.3f}); this is not the seed's "
            "layout (first coordinate along columns)"
        )
    config = {
        "source": path.name,
        "source_bytes": path.stat().st_size,
        "dt": dt,
        "radius": radius,
        "table_size": table_size,
        "episodes_per_shard": episodes_per_shard,
    }
    specs = storage.array_specs(t, h, n, 2)
    num_shards = -(-e // episodes_per_shard)
    meta = _meta(path, t, h, n, table_size, dt)
    manifest = {
        "format": storage.FORMAT,
        "version": storage.FORMAT_VERSION,
        "complete": False,
        "config": config,
        "meta": meta,
        "num_episodes": int(e),
        "episode_length": int(t),
        "num_shards": num_shards,
        "arrays": specs,
        "versions": storage.package_versions(),
        "created": storage.now(),
        "shards": [],
    }
    storage.prepare_output_dir(root, "out")
    storage.check_resume(root, manifest)
    storage.remove_temporaries(root)
    storage.write_manifest(root, manifest)
    records = []
    for s in progress_bar(range(num_shards), desc=f"import {Path(path).name}", unit="shard"):
        lo, hi = s * episodes_per_shard, min((s + 1) * episodes_per_shard, e)
        record = storage.complete_shard(root, s, hi - lo)
        if record is None:
            record = storage.write_shard(root, s, _convert(x[lo:hi], y[lo:hi], lo, dt, radius))
        records.append(record)
    manifest["shards"] = records
    manifest["complete"] = True
    storage.write_manifest(root, manifest)
    return manifest


def _meta(path: Path, t: int, h: int, n: int, table_size: float, dt: float) -> dict[str, Any]:
    """The ``meta`` of a dataset imported from ``path``: ``t`` frames of ``h`` pixels
    showing ``n`` balls per episode."""
    return {
        "env_id": SEED_ENV,
        "env_kwargs": {"obs_size": int(h)},
        "n_objects": int(n),
        "obs_size": int(h),
        "action_dim": 2,
        "table_size": float(table_size),
        "dt": float(dt),
        "max_push": 0.0,
        "show_goal": False,  # the seed draws no goal
        "background": "plain",
        "render_style": "blob",
        "policy": "zero",
        "steps": t - 1,
        "seed": None,
        "shard": [0, 1],
        "imported_from": str(path),
        "has_goal": False,
    }


def _convert(
    x: np.ndarray, y: np.ndarray, first: int, dt: float, radius: float
) -> dict[str, np.ndarray]:
    e, t, _, _, _ = x.shape
    n = y.shape[2]
    states = np.array(y, dtype=np.float64)
    states[..., 2:] /= dt  # box units per frame -> per second
    return {
        "frames": np.rint(np.clip(x, 0.0, 1.0) * 255.0).astype(np.uint8),
        "states": states.astype(np.float32),
        "actions": np.zeros((e, t, 2), dtype=np.float32),
        "rewards": np.full((e, t), np.nan, dtype=np.float32),
        "goals": np.full((e, t, 2), np.nan, dtype=np.float32),
        "success": np.zeros((e, t), dtype=bool),
        "masses": np.ones((e, n), dtype=np.float32),
        "radii": np.full((e, n), radius, dtype=np.float32),
        "visible": np.ones((e, n), dtype=bool),
        "seeds": np.full(e, -1, dtype=np.int64),
        "episodes": np.arange(first, first + e, dtype=np.int64),
    }
