"""A vin-gym dataset's episodes as the fields of Minari's ``EpisodeBuffer`` (the table in
:mod:`vin_gym.data.minari_export`), rewards and terminations from the env's task."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from vin_gym.data.dataset import EpisodeDataset
from vin_gym.data.storage import DatasetError

#: Largest difference allowed between a stored reward and the task's (float32 states).
REWARD_TOLERANCE = 1e-4


def minari_episodes(
    dataset: EpisodeDataset, task: Any, stop_at_success: bool = False
) -> Iterator[dict[str, Any]]:
    """The episodes of ``dataset`` as Minari ``EpisodeBuffer`` fields (plain dicts).

    Args:
        dataset: The source episodes.
        task: The env's task (a :class:`vin_gym.task.GoalTask`), giving rewards and
            terminations from the stored states and goals.
        stop_at_success: End each episode at its first success.

    Raises:
        DatasetError: An episode has no goal or non-finite states, or its stored rewards
            disagree with the task's.
    """
    for e in range(dataset.num_episodes):
        ep = {k: np.asarray(v) for k, v in dataset.episode(e).items()}
        states, goals = ep["states"], ep["goals"]
        if not (np.isfinite(states).all() and np.isfinite(goals).all()):
            what = "no goal" if not np.isfinite(goals).all() else "non-finite states"
            raise DatasetError(
                f"episode {e} has {what}: rewards and terminations are undefined (datasets "
                "from `vin-gym import-mat` have no goal; export a collected dataset)"
            )
        rewards = np.asarray(task.reward(states[1:], goals[1:]), dtype=np.float32)
        terminations = np.asarray(task.success(states[1:], goals[1:]), dtype=bool)
        stored = ep["rewards"][:-1]
        if np.isfinite(stored).all() and np.abs(stored - rewards).max() > REWARD_TOLERANCE:
            t = int(np.argmax(np.abs(stored - rewards)))
            raise DatasetError(
                f"episode {e}, step {t}: the stored reward {stored[t]:.6f} disagrees with "
                f"the env task's {rewards[t]:.6f} ({task}); the dataset was made with "
                "another task"
            )
        steps = len(rewards)
        if stop_at_success and terminations.any():
            steps = int(np.argmax(terminations)) + 1
        truncations = np.zeros(steps, dtype=bool)
        truncations[-1] = steps == len(rewards)
        frames = steps + 1
        per_object = {
            k: np.broadcast_to(ep[k], (frames, *ep[k].shape)).copy()
            for k in ("masses", "radii", "visible")
        }
        yield {
            "seed": int(ep["seeds"]),
            "observations": ep["frames"][:frames],
            "actions": ep["actions"][:steps],
            "rewards": rewards[:steps],
            "terminations": terminations[:steps],
            "truncations": truncations,
            "infos": {
                "states": states[:frames],
                "goal": goals[:frames],
                "is_success": ep["success"][:frames],
                **per_object,
            },
        }
