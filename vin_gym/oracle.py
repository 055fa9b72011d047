"""The oracle world model: the true simulator behind the planners' protocol.

:class:`OracleWorldModel` follows ``planners.base.WorldModel`` structurally (``vin_gym``
does not import ``planners``). It is the upper bound a learned model is measured against:
its predictions are the environment's own physics, started from the environment's state
at the last :meth:`~OracleWorldModel.observe`.

How a candidate starts from that state: :meth:`vin_gym.physics.Simulator.set_state` from
plain arrays, once per candidate, then ``H`` steps (about 0.1 ms to rebuild the space and
15 us per step of 3 objects). The exact alternative, ``snapshot()``/``restore()``, copies
the whole pymunk space (about 2 ms each), too slow for hundreds of candidates per
decision. The price: a rebuilt space has no cached contact impulses, so while objects
touch at the start, the prediction can differ from the real continuation by a tiny
amount (below 1e-6 table units after a step in contact, see ``tests/envs/test_physics.py``).
Without contact at the start the prediction is exact.

Early exit: with ``stop_on_success`` (the default), a candidate whose target reaches the
goal stops being simulated; its remaining states repeat the terminal state. The
environment ends the episode there, and a planner that counts rewards only up to the
terminal step (``planners.base.discounted_return`` with a termination function) gets
exactly the same returns, faster.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from vin_gym.physics import SceneState, Simulator

if TYPE_CHECKING:  # torch is imported lazily so that ``import vin_gym`` stays light
    import gymnasium as gym
    import torch


class OracleWorldModel:
    """Predict by running the environment's own simulator.

    Args:
        env: A vin-gym environment (wrappers allowed); read through ``env.unwrapped``
            for its simulator, ``max_push``, task and goal.
        device: Device of the returned states (the simulator itself runs on the CPU).
        stop_on_success: Stop simulating a candidate once its target is within the goal
            radius (see the module docstring).

    >>> import gymnasium as gym, torch, vin_gym
    >>> env = gym.make("Billiards-v0", obs_mode="state")
    >>> model = OracleWorldModel(env)
    >>> obs, info = env.reset(seed=0)
    >>> model.observe(obs, info)
    >>> model.rollout(torch.zeros(4, 5, 2)).shape
    torch.Size([4, 5, 3, 4])
    """

    def __init__(
        self, env: gym.Env, device: str | torch.device = "cpu", stop_on_success: bool = True
    ) -> None:
        import torch

        self.env = env
        self.device = torch.device(device)
        #: Size A of the actions :meth:`rollout` takes: the env's.
        self.action_dim = int(env.action_space.shape[0])
        self.stop_on_success = stop_on_success
        self._start: SceneState | None = None
        self._goal: np.ndarray | None = None
        self._scratch: Simulator | None = None

    def reset(self) -> None:
        """Forget the observed state (a new episode)."""
        self._start = None
        self._goal = None

    def observe(self, obs: Any, info: dict) -> None:
        """Record the environment's current state (call after every reset and step)."""
        base = self.env.unwrapped
        sim = base.sim
        if sim is None:
            raise ValueError("OracleWorldModel.observe() before the environment was reset")
        self._start = sim.get_state()
        self._goal = np.asarray(base.goal, dtype=np.float64).copy()
        if self._scratch is None or self._scratch.n_objects != self._start.n_objects:
            self._scratch = Simulator(self._start, sim.params, sim.force_law)
        else:
            self._scratch.params, self._scratch.force_law = sim.params, sim.force_law

    def ready(self) -> bool:
        """Whether a state has been observed this episode."""
        return self._start is not None

    def rollout(self, actions: torch.Tensor) -> torch.Tensor:
        """True states ``[B, H, N, 4]`` after each of the actions ``[B, H, A]``.

        Actions are clipped to ``[-1, 1]`` and scaled by ``max_push``, as the env does.
        """
        import torch

        if self._start is None:
            raise ValueError("OracleWorldModel.rollout() before observe(): nothing to start from")
        if actions.dim() != 3 or actions.shape[-1] != 2:
            raise ValueError(f"actions must have shape [B, H, 2], got {tuple(actions.shape)}")
        base = self.env.unwrapped
        pushes = actions.detach().to("cpu", torch.float64).numpy()
        pushes = np.clip(np.nan_to_num(pushes, nan=0.0), -1.0, 1.0) * base.scene.max_push
        b, h, _ = pushes.shape
        n = self._start.n_objects
        out = np.empty((b, h, n, 4), dtype=np.float64)
        sim, start = self._scratch, self._start
        outcome, goal = base.task.outcome, self._goal
        for i in range(b):
            sim.set_state(start)
            for t in range(h):
                sim.push(0, pushes[i, t])
                states = sim.step()
                out[i, t] = states
                if self.stop_on_success:
                    if outcome(states, goal)[1]:
                        out[i, t + 1 :] = states
                        break
        return torch.from_numpy(out).to(self.device, torch.float32)
