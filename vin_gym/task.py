"""The goal-reaching task: bring the target object (object 1) to a goal.

Reward is dense: minus the distance of the target to the goal divided by the table size.
Success (and termination) when that distance falls below the goal radius. The same
definitions exist in numpy for the environment and as batched torch functions for
planners; ``tests/test_task.py`` checks that they agree on the same states.
"""

from __future__ import annotations

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

    def sample_goal(self, np_random: np.random.Generator) -> np.ndarray:
        lo, hi = self.goal_margin, self.table_size - self.goal_margin
        return np_random.uniform(lo, hi, size=2)

    def distance(self, states: np.ndarray, goal: np.ndarray) -> np.ndarray:
        """Target-to-goal distance for states ``(..., N, 4)`` and goal ``(..., 2)``."""
        diff = states[..., self.target, :2] - goal
        return np.sqrt(np.sum(diff * diff, axis=-1))

    def reward(self, states: np.ndarray, goal: np.ndarray) -> np.ndarray | float:
        return -self.distance(states, goal) / self.table_size

    def success(self, states: np.ndarray, goal: np.ndarray) -> np.ndarray | bool:
        return self.distance(states, goal) < self.goal_radius

    # -- batched torch, for planners ---------------------------------------------------
    def torch_reward(self, states: torch.Tensor, goal: torch.Tensor) -> torch.Tensor:
        """Rewards ``[B, H]`` for predicted states ``[B, H, N, 4]`` and a goal ``[2]``
        (or ``[B, 2]``)."""
        goal = goal.to(states.dtype)
        if goal.dim() == 2:
            goal = goal[:, None, :]
        diff = states[..., self.target, :2] - goal
        return -diff.square().sum(-1).sqrt() / self.table_size

    def torch_success(self, states: torch.Tensor, goal: torch.Tensor) -> torch.Tensor:
        """Booleans ``[B, H]``: target within ``goal_radius`` of the goal."""
        return -self.torch_reward(states, goal) * self.table_size < self.goal_radius
