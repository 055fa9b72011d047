"""The planners' protocol: world models, reward functions, batched objectives, optimizers.

A **world model** predicts object states ``[B, H, N, 4]`` (x, y, vx, vy) after each of
``H`` candidate actions, for ``B`` candidates at once. A **reward function** maps those
states to rewards ``[B, H]`` (the goal bound in). :func:`make_objective` folds both into an
**objective**: action sequences ``[B, H, A]`` to returns ``[B]``. An **optimizer**
maximises an objective over sequences within action bounds. Nothing here knows about
Gymnasium, the simulator or the VIN: those implement the protocol structurally.

Returns are the plain (or discounted) sum of rewards over the horizon. With a termination
function (e.g. "the target reached the goal"), the rewards after the first terminal step
count as 0, as in the environment, which ends the episode there. The environment's reward
is minus a distance, so reaching the goal early is worth more. Non-finite returns (NaN or
infinity from a diverging model) are replaced by ``-inf``, so they always rank worst.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import Any, Protocol, runtime_checkable

import torch
from torch import Tensor

#: States ``[B, H, N, 4]`` -> rewards ``[B, H]`` (goal bound in).
RewardFn = Callable[[Tensor], Tensor]
#: States ``[B, H, N, 4]`` -> booleans ``[B, H]``: the episode ends at that step.
TerminationFn = Callable[[Tensor], Tensor]
#: Action sequences ``[B, H, A]`` -> returns ``[B]`` (higher is better).
Objective = Callable[[Tensor], Tensor]


@runtime_checkable
class WorldModel(Protocol):
    """What a planner needs from a model of the environment.

    Attributes:
        device: Where :meth:`rollout` expects its actions and returns its states.

    Optionally, a model may set an attribute ``penalty`` (a tensor ``[B, H]`` or ``None``)
    in each :meth:`rollout`: :func:`make_objective` subtracts it from the rewards of the
    candidates just rolled out (e.g. an ensemble's disagreement, against plans that
    exploit the model's errors).
    """

    device: torch.device

    def reset(self) -> None:
        """Start a new episode: forget all history."""
        ...

    def observe(self, obs: Any, info: dict) -> None:
        """Record the observation and info returned by every env ``reset`` and ``step``."""
        ...

    def ready(self) -> bool:
        """Whether enough history has been observed to predict (the VIN needs 6 frames)."""
        ...

    def rollout(self, actions: Tensor) -> Tensor:
        """Predict from the last observation.

        Args:
            actions: ``[B, H, A]`` action sequences on :attr:`device`.

        Returns:
            ``[B, H, N, 4]`` predicted object states after each action.
        """
        ...


def sanitize_returns(returns: Tensor) -> Tensor:
    """``returns`` with NaN and +-inf replaced by ``-inf``, so they rank worst.

    >>> sanitize_returns(torch.tensor([1.0, float("nan"), float("inf"), -2.0])).tolist()
    [1.0, -inf, -inf, -2.0]
    """
    return torch.where(torch.isfinite(returns), returns, torch.full_like(returns, -torch.inf))


def discounted_return(
    rewards: Tensor, discount: float = 1.0, terminated: Tensor | None = None
) -> Tensor:
    """Sum rewards ``[B, H]`` over the horizon into returns ``[B]``.

    Args:
        rewards: ``[B, H]``.
        discount: Weight ``discount**t`` on step ``t`` (1 for a plain sum).
        terminated: Optional booleans ``[B, H]``; rewards after the first ``True`` count
            as 0 (the reward of the terminal step itself counts).

    Returns:
        ``[B]`` returns, non-finite ones replaced by ``-inf``.

    >>> r = torch.tensor([[-1.0, -0.5, -0.5, -0.5]])
    >>> discounted_return(r, terminated=torch.tensor([[False, True, False, False]]))
    tensor([-1.5000])
    """
    if rewards.dim() != 2:
        raise ValueError(f"rewards must have shape [B, H], got {tuple(rewards.shape)}")
    if not 0.0 < discount <= 1.0:
        raise ValueError(f"discount must be in (0, 1], got {discount!r}")
    if terminated is not None:
        # alive[t]: no termination strictly before t.
        done_before = torch.cumsum(terminated.to(torch.int32), dim=1) - terminated.to(torch.int32)
        rewards = torch.where(done_before > 0, torch.zeros_like(rewards), rewards)
    if discount != 1.0:
        h = rewards.shape[1]
        weights = discount ** torch.arange(h, device=rewards.device, dtype=rewards.dtype)
        rewards = rewards * weights
    return sanitize_returns(rewards.sum(dim=1))


def make_objective(
    model: WorldModel,
    reward_fn: RewardFn,
    discount: float = 1.0,
    termination_fn: TerminationFn | None = None,
) -> Objective:
    """Compose a world model and a reward into an objective ``[B, H, A] -> [B]``.

    See :func:`discounted_return` for how rewards become returns, and
    :class:`WorldModel` for the optional ``penalty`` subtracted from the rewards.
    """

    def objective(actions: Tensor) -> Tensor:
        states = model.rollout(actions)  # [B, H, N, 4]
        rewards = reward_fn(states)  # [B, H]
        penalty = getattr(model, "penalty", None)  # set by this rollout, if at all
        if penalty is not None:
            rewards = rewards - penalty
        terminated = termination_fn(states) if termination_fn is not None else None
        return discounted_return(rewards, discount, terminated)

    return objective


class Optimizer(ABC):
    """Maximise a batched objective over action sequences ``[H, A]`` within bounds.

    Subclasses hold only their own sampling and update rule. They work on the device of
    the initial guess passed to :meth:`optimize`, draw every random number from
    :attr:`generator`, and clip every candidate into ``[low, high]`` before evaluating it.

    Args:
        low: Lower action bound, a number or one per action dimension.
        high: Upper action bound, likewise.
        generator: Source of randomness, on the device the optimizer will run on. ``None``
            creates one seeded with 0 on first use (deterministic, never global state).
    """

    def __init__(
        self,
        low: float | Sequence[float] | Tensor,
        high: float | Sequence[float] | Tensor,
        generator: torch.Generator | None = None,
    ) -> None:
        low_t = torch.as_tensor(low, dtype=torch.float32).flatten()
        high_t = torch.as_tensor(high, dtype=torch.float32).flatten()
        if not (torch.isfinite(low_t).all() and torch.isfinite(high_t).all()):
            raise ValueError(f"action bounds must be finite, got low={low!r}, high={high!r}")
        if low_t.shape != high_t.shape and low_t.numel() != 1 and high_t.numel() != 1:
            raise ValueError(
                f"low and high must have the same length, got {low_t.numel()} and {high_t.numel()}"
            )
        if (low_t >= high_t).any():
            raise ValueError(f"need low < high for every action dimension, got {low!r}, {high!r}")
        self.low, self.high = low_t, high_t
        self.generator = generator
        #: Candidate sequences evaluated by the last :meth:`optimize` call.
        self.last_samples = 0

    # -- what subclasses provide ---------------------------------------------------------
    @abstractmethod
    def _optimize(self, objective: Objective, mean: Tensor) -> Tensor:
        """Return the chosen sequence ``[H, A]`` starting from the guess ``mean``."""

    def reset(self) -> None:  # noqa: B027  (optional hook, a no-op by default)
        """Forget whatever is kept between calls (e.g. iCEM's elites). New episode."""

    def shift(self, steps: int) -> None:  # noqa: B027  (optional hook)
        """The agent executed ``steps`` actions: shift whatever is kept between calls."""

    # -- shared machinery ----------------------------------------------------------------
    def optimize(self, objective: Objective, init: Tensor) -> Tensor:
        """Maximise ``objective`` starting from the guess ``init``.

        Args:
            objective: ``[B, H, A] -> [B]`` returns; higher is better.
            init: ``[H, A]`` initial mean (e.g. the shifted previous plan); fixes the
                horizon, the action dimension, the device and the dtype.

        Returns:
            ``[H, A]`` the chosen sequence, within bounds.
        """
        if init.dim() != 2:
            raise ValueError(f"init must have shape [H, A], got {tuple(init.shape)}")
        a = init.shape[1]
        if self.low.numel() not in (1, a) or self.high.numel() not in (1, a):
            raise ValueError(
                f"action bounds have {self.low.numel()} entries, the actions have A={a}"
            )
        self.last_samples = 0

        def counted(actions: Tensor) -> Tensor:
            self.last_samples += actions.shape[0]
            returns = objective(actions)
            if returns.shape != (actions.shape[0],):
                raise ValueError(
                    f"objective must return shape [B]=({actions.shape[0]},), "
                    f"got {tuple(returns.shape)}"
                )
            return sanitize_returns(returns)

        return self.clip(self._optimize(counted, self.clip(init)))

    def clip(self, actions: Tensor) -> Tensor:
        """``actions`` clipped into the bounds (NaN becomes the middle of the box)."""
        low = self.low.to(actions.device, actions.dtype)
        high = self.high.to(actions.device, actions.dtype)
        actions = torch.where(torch.isnan(actions), (low + high) / 2, actions)
        return torch.maximum(torch.minimum(actions, high), low)

    def half_range(self, like: Tensor) -> Tensor:
        """Half the width of the box ``[A]`` (or scalar), on ``like``'s device and dtype."""
        return ((self.high - self.low) / 2).to(like.device, like.dtype)

    def rng(self, device: torch.device) -> torch.Generator:
        """The generator, created (seeded with 0) on ``device`` when none was given."""
        if self.generator is None:
            self.generator = torch.Generator(device=device)
            self.generator.manual_seed(0)
        if self.generator.device.type != torch.device(device).type:
            raise ValueError(
                f"the generator lives on {self.generator.device}, the optimisation runs on "
                f"{device}; create it with torch.Generator(device=...)"
            )
        return self.generator

    def randn(self, shape: Sequence[int], like: Tensor) -> Tensor:
        """Standard normal noise of ``shape`` on ``like``'s device and dtype."""
        gen = self.rng(like.device)
        return torch.randn(tuple(shape), generator=gen, device=like.device, dtype=like.dtype)

    def rand(self, shape: Sequence[int], like: Tensor) -> Tensor:
        """Uniform ``[0, 1)`` noise of ``shape`` on ``like``'s device and dtype."""
        gen = self.rng(like.device)
        return torch.rand(tuple(shape), generator=gen, device=like.device, dtype=like.dtype)


def best_of(samples: Tensor, returns: Tensor) -> tuple[Tensor, Tensor]:
    """The best sequence ``[H, A]`` of ``samples [B, H, A]`` and its return (a scalar)."""
    i = int(torch.argmax(returns))
    return samples[i], returns[i]
