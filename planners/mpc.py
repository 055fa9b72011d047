"""Model predictive control: plan with a world model, act, replan.

:class:`MPCAgent` composes a world model, a reward and an optimizer. At every step it
feeds the model the latest observation; while the model is not ready (the VIN needs 6
frames of history) it returns the zero action, which pushes nothing; otherwise, every
``replan_every`` steps, it optimises a sequence of ``horizon`` actions, warm-started from
the previous plan shifted by the steps executed since (padded with zeros), and executes
the plan's next action. :meth:`MPCAgent.reset` starts a new episode: the model's history,
the previous plan and whatever the optimizer keeps (iCEM's elites) are all forgotten.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import Tensor

from planners.base import Optimizer, RewardFn, TerminationFn, WorldModel, make_objective


@dataclass
class MPCConfig:
    """The MPC agent's settings.

    Attributes:
        horizon: Actions per planned sequence (H); 25 steps (2.5 s of the skill task)
            reach the push that moves the target.
        action_dim: Action dimension (A).
        replan_every: Optimise every this many steps; execute the plan in between.
        discount: Per-step discount of the planning return (1: plain sum).
        warm_start: Start each optimisation from the shifted previous plan (else zeros).
        record_prediction: After each optimisation, also roll the chosen plan through the
            model and keep the predicted states in :attr:`MPCAgent.prediction` (for videos).
    """

    horizon: int = 25
    action_dim: int = 2
    replan_every: int = 1
    discount: float = 1.0
    warm_start: bool = True
    record_prediction: bool = False

    def __post_init__(self) -> None:
        if self.horizon < 1:
            raise ValueError(f"horizon must be >= 1, got {self.horizon!r}")
        if self.action_dim < 1:
            raise ValueError(f"action_dim must be >= 1, got {self.action_dim!r}")
        if not 1 <= self.replan_every <= self.horizon:
            raise ValueError(
                f"replan_every must be in [1, horizon={self.horizon}], got {self.replan_every!r}"
            )
        if not 0.0 < self.discount <= 1.0:
            raise ValueError(f"discount must be in (0, 1], got {self.discount!r}")


class MPCAgent:
    """Receding-horizon control over any :class:`~planners.base.WorldModel`.

    Args:
        model: Predicts states for candidate action sequences.
        optimizer: Maximises the planning objective within the action bounds.
        reward_fn: States ``[B, H, N, 4]`` -> rewards ``[B, H]``; usually set per episode
            through :meth:`reset`, since it binds the episode's goal.
        termination_fn: Optional states -> booleans ``[B, H]``; rewards after a terminal
            step count as 0.
        config: See :class:`MPCConfig`.

    Attributes:
        plan: The current plan ``[H, A]`` (``None`` before the first optimisation).
        prediction: Predicted states ``[H, N, 4]`` of the current plan, when recorded.
        decision_times: Wall-clock seconds of each optimisation this episode.
    """

    def __init__(
        self,
        model: WorldModel,
        optimizer: Optimizer,
        reward_fn: RewardFn | None = None,
        termination_fn: TerminationFn | None = None,
        config: MPCConfig | None = None,
    ) -> None:
        self.model = model
        self.optimizer = optimizer
        self.reward_fn = reward_fn
        self.termination_fn = termination_fn
        self.config = config or MPCConfig()
        self.reset()

    def reset(
        self, reward_fn: RewardFn | None = None, termination_fn: TerminationFn | None = None
    ) -> None:
        """Start a new episode, optionally with a new reward (e.g. a new goal)."""
        if reward_fn is not None:
            self.reward_fn = reward_fn
            self.termination_fn = termination_fn
        self.model.reset()
        self.optimizer.reset()
        self.plan: Tensor | None = None
        self.prediction: Tensor | None = None
        self.decision_times: list[float] = []
        self._since_plan = 0  # actions of the current plan executed so far

    @property
    def plan_step(self) -> int:
        """Actions of the current plan executed so far (the last one is ``plan_step - 1``)."""
        return self._since_plan

    def act(self, obs: Any, info: dict) -> np.ndarray:
        """Observe ``obs``/``info`` (from the env's last reset or step) and choose an action.

        Returns:
            The action ``(A,)`` as float32 numpy.
        """
        c = self.config
        self.model.observe(obs, info)
        if not self.model.ready():
            return np.zeros(c.action_dim, dtype=np.float32)
        if self.plan is None or self._since_plan >= c.replan_every:
            self._replan()
        action = self.plan[self._since_plan]
        self._since_plan += 1
        return action.detach().cpu().numpy().astype(np.float32)

    def _replan(self) -> None:
        c = self.config
        if self.reward_fn is None:
            raise ValueError("MPCAgent has no reward_fn: pass one to the constructor or reset()")
        device = torch.device(self.model.device)
        init = torch.zeros(c.horizon, c.action_dim, device=device)
        if c.warm_start and self.plan is not None:
            shifted = self.plan[self._since_plan :]  # the part not executed yet
            init[: shifted.shape[0]] = shifted
        if self.plan is not None:
            self.optimizer.shift(self._since_plan)
        objective = make_objective(self.model, self.reward_fn, c.discount, self.termination_fn)
        finite: list[Tensor] = []  # per batch: did any candidate get a finite return?

        def watched(actions: Tensor) -> Tensor:
            returns = objective(actions)
            finite.append(torch.isfinite(returns).any())
            return returns

        start = time.perf_counter()
        with torch.no_grad():
            self.plan = self.optimizer.optimize(watched, init)
            if finite and not bool(torch.stack(finite).any()):  # one sync per decision
                raise ValueError(
                    f"every candidate action sequence ({len(finite)} batches) got a "
                    "non-finite return: the world model predicts NaN or infinite states "
                    "(or the reward is not finite), so there is nothing to plan with; "
                    "check the model's checkpoint"
                )
            if c.record_prediction:
                self.prediction = self.model.rollout(self.plan[None])[0]  # [H, N, 4]
        self.decision_times.append(time.perf_counter() - start)
        self._since_plan = 0
