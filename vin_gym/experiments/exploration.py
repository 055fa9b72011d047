"""The online loop's behaviour policy, as :func:`vin_gym.data.collection` calls it.

:class:`MPCExplorer`, an MPC agent over the current world model with Gaussian noise on
its actions, sees only what an agent sees (frames, the goal, its own generator), never
the true states, so the data it collects is fair for a model-based agent. The loop seeds
its dataset with the blind policies of :mod:`vin_gym.data.policies` (``random``,
``colored``).

Each is deterministic given the episode's generator, which the collector derives from
the dataset seed and the episode index: the same episode comes out the same whichever
run (or resumed run) collects it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import gymnasium as gym

    from planners import MPCAgent


def _torch_seed(rng: np.random.Generator) -> int:
    return int(rng.integers(0, 2**62))


class MPCExplorer:
    """An MPC agent as a collection policy, with Gaussian exploration noise on its actions.

    Every episode reseeds the agent's optimizer from the episode's generator and binds the
    episode's goal (from ``info``) into the planning reward; the executed action is the
    agent's plus ``N(0, explore_std^2)`` per component, clipped to ``[-1, 1]``. The agent
    is built on the first episode, so a collection that finds its data already on disk
    never loads a model.

    Args:
        make_agent: Builds the agent (its optimizer must own a ``torch.Generator``).
        task_env: An env of the collected task, whose ``unwrapped.task`` gives the reward.
        explore_std: Noise standard deviation, as a fraction of half the action range.
    """

    def __init__(
        self, make_agent: Callable[[], MPCAgent], task_env: gym.Env, explore_std: float = 0.3
    ) -> None:
        if explore_std < 0:
            raise ValueError(f"explore_std must be >= 0, got {explore_std!r}")
        self._make_agent = make_agent
        self.agent: MPCAgent | None = None
        self._rng: np.random.Generator | None = None
        self.task_env = task_env
        self.explore_std = explore_std

    def reset(self, obs: Any, info: dict, rng: np.random.Generator) -> None:
        from vin_gym.experiments.episodes import goal_fns

        if self.agent is None:
            self.agent = self._make_agent()
        self.agent.optimizer.generator.manual_seed(_torch_seed(rng))
        self.agent.reset(*goal_fns(self.task_env, info["goal"], self.agent.model.device))
        self._rng = rng

    def __call__(self, obs: Any, info: dict) -> np.ndarray:
        if self.agent is None or self._rng is None:
            raise RuntimeError("MPCExplorer.reset() must start every episode")
        action = self.agent.act(obs, info)
        if self.explore_std > 0:
            action = action + self._rng.normal(0.0, self.explore_std, action.shape)
        return np.clip(action, -1.0, 1.0).astype(np.float32)
