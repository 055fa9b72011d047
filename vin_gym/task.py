"""The goal-reaching task: bring the target object (object 1) to a goal.

Reward is dense: minus the distance of the target to the goal divided by the table size.
Success (and termination) when that distance falls below the goal radius. The same
definitions exist in numpy for the environment and as batched torch functions for
planners; ``tests/envs/test_task.py`` checks that they agree on the same states.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # torch is imported lazily so that ``import vin_gym`` stays light
    import torch


@dataclass(frozen=True)
class GoalTask:
    """Reward, success and termination for "object ``target`` to the goal".

    Attributes:
        table_size: Side of the table; distances are divided by it in the reward.
        goal_radius: Success when the target's centre is closer than this to the goal.
        target: Index of the object to bring to the goal.
        goal_margin: Goals are drawn at least this far from the walls.
    """

    table_size: float = 10.0
    goal_radius: float = 1.0
    target: int = 1
    goal_margin: float = 1.5

    def __post_init__(self) -> None:
        r = self.goal_radius
        if not isinstance(r, int | float) or not (math.isfinite(r) and 0 < r < self.table_size):
            raise ValueError(
                f"goal_radius must be a finite number > 0 and smaller than the table "
                f"({self.table_size:g}), got {r!r}"
            )

    def sample_goal(self, np_random: np.random.Generator) -> np.ndarray:
        lo, hi = self.goal_margin, self.table_size - self.goal_margin
        return np_random.uniform(lo, hi, size=2)

    # -- numpy, for the env, the oracle and the datasets ---------------------------------
    def outcome(self, states: np.ndarray, goal: np.ndarray) -> tuple[float, bool, float]:
        """``(reward, success, distance)`` of one scene's states ``(N, 4)``: what the env
        returns after a step. Plain floats, for the env's and the oracle's inner loops."""
        t = self.target
        distance = math.hypot(states[t, 0] - goal[0], states[t, 1] - goal[1])
        return -distance / self.table_size, distance < self.goal_radius, distance

    def distance(self, states: np.ndarray, goal: np.ndarray) -> np.ndarray | float:
        """Target-to-goal distance for states ``(..., N, 4)`` and goal ``(..., 2)``.

        Computed with :func:`math.hypot`, as :meth:`outcome` does, so that both give the
        same number to the last bit (``np.hypot`` and ``sqrt(dx^2 + dy^2)`` each differ
        from it in the last bit now and then); float32 states give float32 distances.
        """
        diff = np.asarray(states)[..., self.target, :2] - goal
        if diff.ndim == 1:
            return math.hypot(diff[0], diff[1])
        flat = [math.hypot(x, y) for x, y in diff.reshape(-1, 2).tolist()]
        return np.array(flat, dtype=diff.dtype).reshape(diff.shape[:-1])  # float32 stays

    def reward(self, states: np.ndarray, goal: np.ndarray) -> np.ndarray | float:
        """Minus the target-to-goal distance over the table size."""
        return -self.distance(states, goal) / self.table_size

    def success(self, states: np.ndarray, goal: np.ndarray) -> np.ndarray | bool:
        """Whether the target is within ``goal_radius`` of the goal."""
        return self.distance(states, goal) < self.goal_radius

    # -- batched torch, for planners ---------------------------------------------------
    def torch_distance(self, states: torch.Tensor, goal: torch.Tensor) -> torch.Tensor:
        """Distances ``[B, H]`` for predicted states ``[B, H, N, 4]`` and a goal ``[2]``
        (or ``[B, 2]``)."""
        goal = goal.to(states.dtype)
        if goal.dim() == 2:
            goal = goal[:, None, :]
        diff = states[..., self.target, :2] - goal
        return diff.square().sum(-1).sqrt()

    def torch_reward(self, states: torch.Tensor, goal: torch.Tensor) -> torch.Tensor:
        """Rewards ``[B, H]``: :meth:`reward`, batched."""
        return -self.torch_distance(states, goal) / self.table_size

    def torch_success(self, states: torch.Tensor, goal: torch.Tensor) -> torch.Tensor:
        """Booleans ``[B, H]``: :meth:`success`, batched."""
        return self.torch_distance(states, goal) < self.goal_radius
