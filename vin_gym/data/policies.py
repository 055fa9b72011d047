"""Behaviour policies for data collection.

The one policy protocol, for collecting data and for playing episodes
(:func:`vin_gym.experiments.episodes.run_episode`) alike: a policy is any callable
``policy(obs, info) -> action`` (``info`` as the env gives it, with ``"states"`` and
``"goal"``). If it has a ``reset(obs, info, rng)`` method, it is called after every
``env.reset`` with the episode's own :class:`numpy.random.Generator`: a stateful policy
starts the episode afresh there, and a random one (random pushes, exploration noise)
keeps ``rng`` for its draws, so that the same episode draws the same actions.

>>> import numpy as np
>>> policy = make_policy("pushes")
>>> info = {"states": np.array([[2.0, 2, 0, 0], [5, 5, 0, 0], [8, 8, 0, 0]]),
...         "goal": np.array([7.0, 3.0])}
>>> policy.reset(None, info, np.random.default_rng(0))
>>> actions = np.array([policy(None, info) for _ in range(200)])
>>> bool(np.all(np.abs(actions) <= 1)), bool(np.any(actions != 0)), bool(np.any(actions == 0))
(True, True, True)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

#: ``policy(obs, info) -> action``, optionally with ``reset(obs, info, rng)``.
Policy = Callable[[Any, dict], np.ndarray]
POLICIES = ("zero", "random", "colored", "pushes")
#: Policies that read what the agent does not see (the true object states): their data
#: must not feed a world model in a fair comparison (see the README, "Fair comparisons").
PRIVILEGED = ("pushes",)


class ZeroPolicy:
    """No pushes: passive physics, the paper's setting."""

    def __init__(self, action_dim: int = 2) -> None:
        self._zero = np.zeros(action_dim, dtype=np.float32)

    def __call__(self, obs: Any, info: dict) -> np.ndarray:
        return self._zero


class RandomPolicy:
    """Independent uniform actions in ``[-1, 1]^A`` every step."""

    def __init__(self, action_dim: int = 2) -> None:
        self.action_dim = action_dim
        self._rng: np.random.Generator | None = None

    def reset(self, obs: Any, info: dict, rng: np.random.Generator) -> None:
        self._rng = rng

    def __call__(self, obs: Any, info: dict) -> np.ndarray:
        return _episode_rng(self).uniform(-1.0, 1.0, self.action_dim).astype(np.float32)


@dataclass
class PushesConfig:
    """Temporally correlated exploration: strong pushes held for a few steps.

    Attributes:
        start_probability: Chance per idle step of starting a push.
        aim_probability: Of the pushes, the share aimed so that the cue drives the target
            (object 1) toward the goal: the data a planner needs.
        object_probability: Of the pushes, the share aimed at a random other object, so
            that the cue often hits something; the rest go in a random direction.
        aim_offset: The aimed push heads for the point this far behind the target, as
            seen from the goal (about the sum of two radii, table units).
        angle_noise: Standard deviation of the push direction's angular noise, radians.
        min_strength: Pushes have a strength uniform in ``[min_strength, 1]``.
        max_hold: A push is held for 1 to ``max_hold`` steps.
    """

    start_probability: float = 0.25
    aim_probability: float = 0.35
    object_probability: float = 0.45
    aim_offset: float = 2.0
    angle_noise: float = 0.25
    min_strength: float = 0.5
    max_hold: int = 4


class ColoredNoisePolicy:
    """Temporally correlated random pushes: coloured noise, blind to the scene.

    Each episode draws a Gaussian sequence whose power falls as ``1 / f ** beta`` (as
    iCEM samples its candidates; ``beta = 0`` is white noise, 2 a random walk), scales it
    to unit standard deviation per axis and clips it to ``[-1, 1]``. Pushes then persist
    for several steps, so the cue travels and strikes other objects far more often than
    under independent uniform actions, while the policy sees nothing but its own past
    actions: fair data for a world model.

    Args:
        action_dim: Size of the action.
        beta: Colour exponent of the noise.
        length: Steps of noise drawn per episode (an episode longer than this repeats it).
    """

    def __init__(self, action_dim: int = 2, beta: float = 1.0, length: int = 256) -> None:
        if not (beta >= 0 and math.isfinite(beta)) or length < 2:
            raise ValueError(f"need beta >= 0 and length >= 2, got beta={beta!r}, length={length}")
        self.action_dim, self.beta, self.length = action_dim, float(beta), int(length)
        self._noise = np.zeros((self.length, action_dim), dtype=np.float32)
        self._t = 0

    def reset(self, obs: Any, info: dict, rng: np.random.Generator) -> None:
        freqs = np.fft.rfftfreq(self.length)  # [F]
        scale = np.zeros_like(freqs)
        scale[1:] = freqs[1:] ** (-self.beta / 2.0)  # no constant offset
        spectrum = rng.normal(size=(self.action_dim, len(freqs))) + 1j * rng.normal(
            size=(self.action_dim, len(freqs))
        )
        noise = np.fft.irfft(spectrum * scale, n=self.length, axis=-1)  # [A, T]
        noise /= noise.std(axis=-1, keepdims=True) + 1e-12
        self._noise = np.clip(noise.T, -1.0, 1.0).astype(np.float32)  # [T, A]
        self._t = 0

    def __call__(self, obs: Any, info: dict) -> np.ndarray:
        action = self._noise[self._t % self.length]
        self._t += 1
        return action


class PushesPolicy:
    """Occasional strong pushes of the cue, held for a few steps, zero in between.

    **Privileged**: it reads the true object states and the goal (``info``) to aim, which
    no agent that sees only frames has. Use it to study what aimed data does for a model,
    never for a headline comparison.

    Each push heads either for the point behind the target that sends it to the goal,
    for another object, or in a random direction (see :class:`PushesConfig`).
    """

    def __init__(self, config: PushesConfig | None = None) -> None:
        self.config = config or PushesConfig()
        c = self.config
        if not 0 <= c.start_probability <= 1 or c.max_hold < 1:
            raise ValueError(f"bad PushesConfig {c}: probabilities in [0, 1], max_hold >= 1")
        self._zero = np.zeros(2, dtype=np.float32)
        self._action = self._zero
        self._hold = 0
        self._rng: np.random.Generator | None = None

    def reset(self, obs: Any, info: dict, rng: np.random.Generator) -> None:
        self._action, self._hold, self._rng = self._zero, 0, rng

    def __call__(self, obs: Any, info: dict) -> np.ndarray:
        if self._hold > 0:
            self._hold -= 1
            return self._action
        c, rng = self.config, _episode_rng(self)
        if rng.random() >= c.start_probability:
            return self._zero
        states = info["states"]
        cue = states[0, :2]
        kind = rng.random()
        if kind < c.aim_probability:
            target, goal = states[1, :2], np.asarray(info["goal"], dtype=np.float64)
            away = target - goal
            norm = math.hypot(away[0], away[1])
            aim = target + (away / norm * c.aim_offset if norm > 1e-9 else 0.0)
            angle = math.atan2(aim[1] - cue[1], aim[0] - cue[0])
            angle += rng.normal(0.0, c.angle_noise)
        elif kind < c.aim_probability + c.object_probability:
            other = states[int(rng.integers(1, len(states))), :2]
            angle = math.atan2(other[1] - cue[1], other[0] - cue[0])
            angle += rng.normal(0.0, c.angle_noise)
        else:
            angle = rng.uniform(-math.pi, math.pi)
        strength = rng.uniform(c.min_strength, 1.0)
        self._action = np.array(
            [strength * math.cos(angle), strength * math.sin(angle)], dtype=np.float32
        )
        self._hold = int(rng.integers(0, c.max_hold))  # this step plus 0..max_hold-1 more
        return self._action


def _episode_rng(policy: Any) -> np.random.Generator:
    """The generator ``policy.reset`` was given for this episode."""
    if policy._rng is None:
        raise RuntimeError(f"{type(policy).__name__}.reset() must start every episode")
    return policy._rng


def make_policy(policy: str | Policy, action_dim: int = 2) -> Policy:
    """A fresh policy from its name (one of :data:`POLICIES`; ``"pushes"`` is privileged)
    or the callable itself."""
    if callable(policy):
        return policy
    if policy == "zero":
        return ZeroPolicy(action_dim)
    if policy == "random":
        return RandomPolicy(action_dim)
    if policy == "colored":
        return ColoredNoisePolicy(action_dim)
    if policy == "pushes":
        if action_dim != 2:
            raise ValueError(f"the 'pushes' policy needs a 2-D action, got dimension {action_dim}")
        return PushesPolicy()
    raise ValueError(f"unknown policy {policy!r}; expected one of {POLICIES} or a callable")


def policy_name(policy: str | Policy) -> str:
    """The name recorded in a dataset's manifest."""
    if isinstance(policy, str):
        return policy
    return getattr(policy, "__qualname__", None) or type(policy).__qualname__
