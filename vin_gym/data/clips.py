"""A torch ``Dataset`` of training clips cut from stored episodes.

A clip starts at any frame ``s`` of an episode and takes every ``frame_step``-th frame:
``visible`` input frames, then ``rollout`` more whose states are the prediction targets.
With ``k = frame_step``, clip frame ``j`` is episode frame ``s + j k``, and
``actions[j]`` is the **mean** of the ``k`` actions applied between clip frames ``j`` and
``j + 1`` (episode actions ``s + j k`` to ``s + j k + k - 1``; exact for ``k = 1``; actions
past the episode's end count as zero). The mean keeps actions in the action space and,
for pushes that change a velocity, is ``1 / k`` of the total change over the gap.

The train/validation split is by episode, a permutation drawn from ``seed``, so the same
seed always gives the same split and no episode feeds both.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset

from vin_gym.data.dataset import EpisodeDataset, open_dataset
from vin_gym.data.storage import DatasetError

SPLITS = ("train", "val", "all")


def split_episodes(num_episodes: int, val_fraction: float, seed: int) -> dict[str, np.ndarray]:
    """Sorted episode indices of the ``"train"``, ``"val"`` and ``"all"`` splits.

    >>> s = split_episodes(10, 0.2, seed=0)
    >>> len(s["train"]), len(s["val"]), sorted({*s["train"], *s["val"]}) == list(range(10))
    (8, 2, True)
    """
    if not 0.0 <= val_fraction < 1.0:
        raise ValueError(f"val_fraction must be in [0, 1), got {val_fraction!r}")
    n_val = round(val_fraction * num_episodes)
    if val_fraction > 0 and num_episodes > 1:
        n_val = min(max(n_val, 1), num_episodes - 1)
    order = np.random.default_rng(seed).permutation(num_episodes)
    return {
        "train": np.sort(order[n_val:]),
        "val": np.sort(order[:n_val]),
        "all": np.arange(num_episodes),
    }


class ClipDataset(Dataset):
    """Clips of ``visible + rollout`` frames from one or more datasets.

    Args:
        paths: A dataset directory, a list of them (read as one), or an opened
            :class:`EpisodeDataset`.
        visible: Input frames per clip (V).
        rollout: Further frames whose states are targets (R).
        frame_step: Env steps between consecutive clip frames (k).
        split: ``"train"``, ``"val"`` or ``"all"`` episodes.
        val_fraction: Share of episodes held out for ``"val"``.
        seed: Seed of the split.
        verify: Check shard checksums when opening (see :func:`open_dataset`).

    Each item is a dict of tensors: ``frames`` uint8 ``[V, H, W, 3]``, ``states`` float32
    ``[V + R, N, 4]`` (x, y, vx, vy of every clip frame) and ``actions`` float32
    ``[V + R, A]`` (``actions[t]`` leads from clip frame ``t`` to ``t + 1``).
    """

    def __init__(
        self,
        paths: str | os.PathLike | Sequence[str | os.PathLike] | EpisodeDataset,
        visible: int = 6,
        rollout: int = 8,
        frame_step: int = 1,
        split: str = "train",
        val_fraction: float = 0.1,
        seed: int = 0,
        verify: bool = True,
    ) -> None:
        for name, value, low in (
            ("visible", visible, 1),
            ("rollout", rollout, 0),
            ("frame_step", frame_step, 1),
        ):
            if not isinstance(value, int | np.integer) or value < low:
                raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
        if split not in SPLITS:
            raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
        self.episodes = (
            paths if isinstance(paths, EpisodeDataset) else open_dataset(paths, verify=verify)
        )
        self.visible, self.rollout, self.frame_step = int(visible), int(rollout), int(frame_step)
        self.split = split
        self.splits = split_episodes(self.episodes.num_episodes, val_fraction, seed)
        self.episode_ids = self.splits[split]
        length = self.episodes.episode_length
        span = (self.visible + self.rollout - 1) * self.frame_step + 1  # frames a clip covers
        self.starts_per_episode = length - span + 1
        if self.starts_per_episode < 1:
            raise DatasetError(
                f"a clip of {self.visible} + {self.rollout} frames {self.frame_step} steps "
                f"apart spans {span} frames, but episodes have only {length}: lower "
                "rollout_max (the training's rollout) or frame_step, or record longer "
                "episodes (vin-gym collect --steps)"
            )
        if len(self.episode_ids) == 0:
            raise DatasetError(
                f"the {split!r} split is empty ({self.episodes.num_episodes} episodes, "
                f"val_fraction={val_fraction})"
            )
        self._stats: dict[str, torch.Tensor] | None = None

    @property
    def meta(self) -> dict[str, Any]:
        return self.episodes.meta

    def __len__(self) -> int:
        return len(self.episode_ids) * self.starts_per_episode

    def locate(self, index: int) -> tuple[int, int]:
        """(global episode, first frame) of clip ``index``."""
        if not 0 <= index < len(self):
            raise IndexError(f"clip {index} out of range [0, {len(self)})")
        e, start = divmod(index, self.starts_per_episode)
        return int(self.episode_ids[e]), start

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        episode, s = self.locate(int(index))
        shard, local = self.episodes.locate(episode)
        v, k, total = self.visible, self.frame_step, self.visible + self.rollout
        frames = self.episodes.shard_array(shard, "frames")[local, s : s + v * k : k]
        states = self.episodes.shard_array(shard, "states")[local, s : s + total * k : k]
        actions = self.episodes.shard_array(shard, "actions")[local, s : s + total * k]
        if k > 1:
            a = np.zeros((total * k, actions.shape[-1]), dtype=np.float32)
            a[: len(actions)] = actions
            actions = a.reshape(total, k, -1).mean(axis=1)  # [V + R, k, A] -> [V + R, A]
        return {
            "frames": torch.from_numpy(np.array(frames)),
            "states": torch.from_numpy(np.array(states, dtype=np.float32)),
            "actions": torch.from_numpy(np.array(actions, dtype=np.float32)),
            "masses": torch.from_numpy(
                np.array(self.episodes.shard_array(shard, "masses")[local], dtype=np.float32)
            ),
        }

    def state_stats(self) -> dict[str, torch.Tensor]:
        """Mean and standard deviation of x, y, vx, vy over every object and frame of the
        train episodes (whatever this dataset's split): float32 ``[4]`` each."""
        if self._stats is None:
            total = np.zeros(4)
            squares = np.zeros(4)
            count = 0
            for e in self.splits["train"]:
                s = np.asarray(self.episodes.array("states", int(e)), dtype=np.float64)
                s = s.reshape(-1, 4)  # [F, N, 4] -> [F * N, 4]
                total += s.sum(axis=0)
                squares += np.square(s).sum(axis=0)
                count += len(s)
            mean = total / count
            std = np.sqrt(np.maximum(squares / count - mean**2, 0.0))
            self._stats = {
                "mean": torch.tensor(mean, dtype=torch.float32),
                "std": torch.tensor(std, dtype=torch.float32),
            }
        return {k: v.clone() for k, v in self._stats.items()}
