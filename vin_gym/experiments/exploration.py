"""Behaviour policies of the online loop, as :func:`vin_gym.data.collect` calls them.

Both see only what an agent sees (frames, the goal, their own generator), never the true
states, so the data they collect is fair for a model-based agent:

* :class:`ColoredNoisePolicy`: random pushes whose direction and strength drift smoothly
  over an episode (coloured noise), for seeding the dataset;
* :class:`MPCExplorer`: an MPC agent over the current world model with Gaussian noise on
  its actions, for the loop's own episodes.

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


class ColoredNoisePolicy:
    """Random pushes drawn per episode as coloured noise (power spectrum ``1 / f^beta``).

    With ``beta = 0`` the actions are independent Gaussians; larger ``beta`` holds a push's
    direction for longer, so the cue travels further and meets other objects more often.

    Args:
        steps: Actions per episode (the collector's ``steps``); later calls repeat the last.
        beta: Colour exponent (iCEM uses 2 to 4).
        scale: Standard deviation of each action component before clipping to ``[-1, 1]``.
        action_dim: Action dimension.

    >>> policy = ColoredNoisePolicy(steps=50)
    >>> rng = np.random.default_rng(0)
    >>> policy.reset({}, rng)
    >>> actions = np.stack([policy(None, {}, rng) for _ in range(50)])
    >>> actions.shape, bool(np.abs(actions).max() <= 1)
    ((50, 2), True)
    """

    def __init__(self, steps: int, beta: float = 2.0, scale: float = 0.6, action_dim: int = 2):
        if steps < 1 or beta < 0 or not scale > 0:
            raise ValueError(
                f"need steps >= 1, beta >= 0 and scale > 0, got {steps!r}, {beta!r}, {scale!r}"
            )
        self.steps, self.beta, self.scale, self.action_dim = steps, beta, scale, action_dim
        self._actions = np.zeros((steps, action_dim), dtype=np.float32)
        self._t = 0

    def reset(self, info: dict, rng: np.random.Generator) -> None:
        import torch

        from planners import colored_noise

        generator = torch.Generator().manual_seed(_torch_seed(rng))
        noise = colored_noise((self.action_dim, self.steps), self.beta, generator, torch.zeros(()))
        self._actions = np.clip(self.scale * noise.T.numpy(), -1.0, 1.0).astype(np.float32)
        self._t = 0

    def __call__(self, obs: Any, info: dict, rng: np.random.Generator) -> np.ndarray:
        action = self._actions[min(self._t, self.steps - 1)]
        self._t += 1
        return action


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
        self.task_env = task_env
        self.explore_std = explore_std

    def reset(self, info: dict, rng: np.random.Generator) -> None:
        from vin_gym.experiments.episodes import goal_fns

        if self.agent is None:
            self.agent = self._make_agent()
        self.agent.optimizer.generator.manual_seed(_torch_seed(rng))
        self.agent.reset(*goal_fns(self.task_env, info["goal"], self.agent.model.device))

    def __call__(self, obs: Any, info: dict, rng: np.random.Generator) -> np.ndarray:
        if self.agent is None:
            raise RuntimeError("MPCExplorer.reset() must start every episode")
        action = self.agent.act(obs, info)
        if self.explore_std > 0:
            action = action + rng.normal(0.0, self.explore_std, action.shape)
        return np.clip(action, -1.0, 1.0).astype(np.float32)
