"""Evaluation: position error per rollout step against simple baselines.

For every clip, the model sees ``visible`` frames and predicts ``horizon`` further
states. Two numbers per rollout step: the mean squared position error per coordinate
(``mse_per_step``, the seed's measure, in squared table units) and the mean Euclidean
position error per object (``euclid_per_step``, table units). The baselines use the same
clips: *constant position* keeps the last visible position; *constant velocity* moves
straight on at the last visible true velocity (through walls).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from vin_model.loss import collate, split_batch
from vin_model.train_config import Clips
from vin_model.vin import VIN

#: Rollout steps shown in tables (those within the horizon).
TABLE_STEPS = (1, 2, 4, 8, 50, 100)
#: What evaluation needs of the data: the model's objects and frame size (another env id
#: is allowed with ``allow_mismatch``, as a warning; other physics is what it may measure).
_EVALUATE_FIELDS = ("env_id", "n_objects", "frame_size")


def check_data(
    checkpoints: Sequence[str | os.PathLike], meta: dict[str, Any], allow_mismatch: bool = False
) -> None:
    """Refuse data (its manifest ``meta``) that is not of the env the ``checkpoints``
    learned, naming each differing field with both values: other objects or frame sizes
    always, another env id unless ``allow_mismatch`` (then a warning)."""
    import warnings

    from vin_gym.env_record import EnvRecord, describe
    from vin_model.checkpoint import read_env_record

    data = EnvRecord.from_meta(meta)
    for path in checkpoints:
        diff = read_env_record(path).diff(data, _EVALUATE_FIELDS)
        if not diff:
            continue
        details = describe(diff, "checkpoint", "data")
        message = f"checkpoint {path} does not fit the data ({details})"
        if set(diff) != {"env_id"}:
            raise ValueError(message)
        if not allow_mismatch:
            raise ValueError(message + "; pass allow_mismatch=True to evaluate anyway")
        warnings.warn(message, stacklevel=2)


def recorded_radius(episodes: Any) -> float:
    """The objects' radius as a dataset (an ``EpisodeDataset``) records it: its first
    episode's largest, the float32 it is stored in rounded back to the env's value."""
    radii = np.asarray(episodes.array("radii", 0), dtype=np.float64)
    if radii.size == 0 or not np.all(np.isfinite(radii)) or radii.max() <= 0:
        raise ValueError(
            f"{episodes.roots[0]} records no object radius (radii {radii.tolist()}): the "
            "trajectory GIF cannot be drawn; skip it (gif=False)"
        )
    return round(float(radii.max()), 6)


def _errors(pred: torch.Tensor, true: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Sums over clips of squared error per coordinate and Euclidean error per object,
    ``[R]`` each, for positions ``[B, R, N, 2]``."""
    diff = pred - true
    sq = diff.square().mean(dim=(2, 3)).sum(0)
    eu = diff.square().sum(-1).sqrt().mean(2).sum(0)
    return sq, eu


def clip_indices(n_clips: int, max_clips: int | None) -> list[int]:
    """Up to ``max_clips`` clip indices spread evenly over ``n_clips``."""
    if max_clips is None or max_clips >= n_clips:
        return list(range(n_clips))
    return np.linspace(0, n_clips - 1, max_clips).round().astype(int).tolist()


@torch.no_grad()
def evaluate(
    models: dict[str, VIN],
    clips: Clips,
    horizon: int,
    dt: float = 0.1,
    batch_size: int = 100,
    max_clips: int | None = 1000,
    device: torch.device | str = "cpu",
    progress: bool = True,
) -> dict[str, Any]:
    """Errors per rollout step of each model and of the baselines.

    Args:
        models: Name -> trained VIN (the first is "ours"; others are ablations).
        clips: Clips of at least ``visible + horizon`` frames.
        horizon: Rollout steps R.
        dt: Seconds per frame (constant-velocity baseline).
        batch_size: Clips per forward pass.
        max_clips: Evaluate at most this many clips, spread over the dataset.
        device: Where to run the models.
        progress: Show a progress bar.

    Returns:
        ``{"horizon", "clips", "models": {name: {"mse_per_step", "euclid_per_step"}},
        "baselines": {"constant_position": [...], "constant_velocity": [...]},
        "baselines_euclid": {...}}`` (lists of length ``horizon``).
    """
    from vin_gym.utils import progress_bar
    from vin_model.device import get_device

    device = get_device(device)
    if not models:
        raise ValueError("evaluate needs at least one model")
    if horizon < 1 or batch_size < 1 or (max_clips is not None and max_clips < 1):
        raise ValueError(
            f"need horizon >= 1, batch_size >= 1 and max_clips >= 1 (or None); got "
            f"horizon={horizon!r}, batch_size={batch_size!r}, max_clips={max_clips!r}"
        )
    idx = clip_indices(len(clips), max_clips)
    if not idx:
        raise ValueError("no clips to evaluate: the chosen episodes hold none of that length")
    names = [*list(models), "constant_position", "constant_velocity"]
    sums = {k: [torch.zeros(horizon, dtype=torch.float64) for _ in range(2)] for k in names}
    first_model = next(iter(models.values()))
    sample: dict[str, np.ndarray] = {}
    for start in progress_bar(
        range(0, len(idx), batch_size), disable=not progress, desc="evaluate"
    ):
        batch = collate(clips, idx[start : start + batch_size])
        _, _, enc_target, target = split_batch(batch, first_model, horizon, device)
        true = target[..., :2].double()  # [B, R, N, 2]
        last = batch["states"][:, first_model.config.visible - 1].to(device).double()  # [B, N, 4]
        steps = torch.arange(1, horizon + 1, device=device, dtype=torch.float64)
        preds = {
            "constant_position": last[:, None, :, :2].expand_as(true),
            "constant_velocity": last[:, None, :, :2]
            + steps[None, :, None, None] * dt * last[:, None, :, 2:],
        }
        for name, model in models.items():
            model.to(device).eval()
            context, actions, _, _ = split_batch(batch, model, horizon, device)
            preds[name] = model.predict(context, actions)[..., :2].double()
        for name, pred in preds.items():
            sq, eu = _errors(pred, true)
            sums[name][0] += sq.cpu()
            sums[name][1] += eu.cpu()
        if not sample:
            sample = {
                "true": target[0].cpu().numpy(),
                **{n: preds[n][0].cpu().numpy() for n in models},
            }
    n = len(idx)
    for name in models:
        if not bool(torch.isfinite(sums[name][0]).all()):
            raise ValueError(
                f"model {name!r} predicts NaN or infinite positions: its errors would be NaN; "
                "the model is broken (a diverged run?)"
            )
    result: dict[str, Any] = {
        "horizon": horizon,
        "clips": n,
        "models": {
            k: {
                "mse_per_step": (sums[k][0] / n).tolist(),
                "euclid_per_step": (sums[k][1] / n).tolist(),
            }
            for k in models
        },
        "baselines": {
            k: (sums[k][0] / n).tolist() for k in ("constant_position", "constant_velocity")
        },
        "baselines_euclid": {
            k: (sums[k][1] / n).tolist() for k in ("constant_position", "constant_velocity")
        },
    }
    result["_sample"] = sample  # not JSON: for the GIF
    return result


def summary_rows(result: dict[str, Any], metric: str = "mse") -> list[dict[str, Any]]:
    """Table rows (one per model and baseline) at the steps of :data:`TABLE_STEPS`
    within the horizon, plus the mean over steps 1-8."""
    key = "mse_per_step" if metric == "mse" else "euclid_per_step"
    base = result["baselines"] if metric == "mse" else result["baselines_euclid"]
    series = {name: m[key] for name, m in result["models"].items()} | dict(base)
    rows = []
    for name, err in series.items():
        row: dict[str, Any] = {"model": name, "metric": metric}
        for s in TABLE_STEPS:
            if s <= len(err):
                row[f"step {s}"] = float(err[s - 1])
            if s == 8:
                row["mean 1-8"] = float(np.mean(err[: min(8, len(err))]))
        rows.append(row)
    return rows


def plot_errors(result: dict[str, Any], path: str | os.PathLike, metric: str = "mse") -> Path:
    """A PNG of error vs rollout step for every model and baseline."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from vin_gym.utils import atomic_write

    key = "mse_per_step" if metric == "mse" else "euclid_per_step"
    base = result["baselines"] if metric == "mse" else result["baselines_euclid"]
    fig, ax = plt.subplots(figsize=(6, 4), dpi=100)
    for name, m in result["models"].items():
        ax.plot(range(1, len(m[key]) + 1), m[key], label=name, lw=2)
    for name, err in base.items():
        ax.plot(range(1, len(err) + 1), err, label=name, ls="--")
    ax.set_xlabel("rollout step")
    ax.set_ylabel("MSE per coordinate" if metric == "mse" else "Euclidean error per object")
    ax.set_yscale("log")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    out = atomic_write(path, lambda tmp: fig.savefig(tmp, format="png"))
    plt.close(fig)
    return out


def trajectory_gif(
    sample: dict[str, np.ndarray],
    path: str | os.PathLike,
    meta: dict[str, Any],
    names: Sequence[str],
    size: int = 128,
    radius: float = 1.0,
) -> Path:
    """A GIF of one clip: the true trajectory on the left, each model's to its right,
    drawn with the environment's renderer."""
    import imageio.v3 as iio

    from vin_gym import Renderer
    from vin_gym.utils import atomic_write

    table = float(meta.get("table_size", 10.0))
    renderer = Renderer(size, table, style=meta.get("render_style", "disc"))
    true = sample["true"]
    radii = np.full(true.shape[1], radius)
    frames = []
    for t in range(true.shape[0]):
        panels = [renderer.render(true[t, :, :2], radii)]
        panels += [  # predictions may leave the table: drawn at its edge
            renderer.render(np.clip(np.asarray(sample[n][t, :, :2], np.float64), 0, table), radii)
            for n in names
        ]
        gap = np.full((size, 2, 3), 255, dtype=np.uint8)
        row = [panels[0]]
        for p in panels[1:]:
            row += [gap, p]
        frames.append(np.concatenate(row, axis=1))
    return atomic_write(
        path, lambda tmp: iio.imwrite(tmp, np.stack(frames), extension=".gif", duration=100, loop=0)
    )
