"""Drift: objects that pass through each other and keep their velocities."""

from __future__ import annotations

from typing import ClassVar

from vin_gym.envs.base import PhysicsEnv
from vin_gym.physics import SimParams


class Drift(PhysicsEnv):
    """Push the cue (red, object 0) so that the green disc (object 1) reaches the goal.

    ## Description
    The paper's *Drift* system: ``n_objects`` discs on a 10x10 table with no forces of
    any kind. They pass through each other (no collisions between objects, so discs can
    overlap in the pixels, later objects drawn on top) and keep their velocities; only
    the walls reflect them, elastically, so they stay in view. A velocity changes only at
    a wall or by a push. One step is one frame of 0.1 s.

    ## Action Space
    ``Box(-1, 1, (2,), float32)``: the velocity change of the cue along x and y, in units
    of ``max_push`` (table units/s); as in ``Billiards-v0``. Speeds are capped at 8 table
    units/s after each step.

    ## Observation Space
    As in ``Billiards-v0``: ``"pixels"`` (default) ``Box(0, 255, (obs_size, obs_size, 3),
    uint8)``, ``"state"`` ``Box(-1, 1, (4 N + 2,), float32)`` or ``"dict"`` of both.

    ## Rewards
    Minus the distance of object 1 to the goal divided by the table size.

    ## Starting State
    Non-overlapping discs of radius 1 (table units) at uniformly random positions, moving
    in random directions at speeds uniform in ``[0, initial_speed]`` (2 table units/s);
    ``reset(options={"state": ..., "goal": ...})`` as in ``Billiards-v0``.

    ## Episode End
    Terminates when object 1 is within ``goal_radius`` of the goal; truncated after 100
    steps by ``gym.make``.

    ## Info
    ``states`` (``(N, 4)`` float64: x, y, vx, vy), ``goal``, ``is_success``, ``distance``,
    ``visible`` (``(N,)`` bool, all ``True``), ``masses`` (``(N,)``).

    ## Arguments
    Those of ``Billiards-v0``: ``n_objects=3``, ``obs_mode``, ``obs_size=64``,
    ``damping=0.0`` (1/s), ``max_push=2.0``, ``render_mode``, ``radius=1.0``,
    ``initial_speed=2.0``, ``goal_radius=1.0``, ``show_goal=True``, ``render_size=256``,
    ``background="plain"`` (``"textured"`` or images, see :mod:`vin_gym.backgrounds`).

    >>> import gymnasium as gym
    >>> import numpy as np
    >>> import vin_gym
    >>> env = gym.make("Drift-v0", obs_size=32)
    >>> obs, info = env.reset(seed=0)
    >>> obs.shape, info["states"].shape
    ((32, 32, 3), (3, 4))
    >>> start = np.array([[4.0, 5.0, 2.0, 0.0], [6.0, 5.0, -2.0, 0.0], [5.0, 8.0, 0.0, 0.0]])
    >>> _ = env.reset(options={"state": start, "goal": [2.0, 2.0]})  # 0 and 1 head-on
    >>> for _ in range(5):
    ...     obs, reward, terminated, truncated, info = env.step(np.zeros(2, dtype=np.float32))
    >>> info["states"][:2].round(6).tolist()  # they passed through each other
    [[5.0, 5.0, 2.0, 0.0], [5.0, 5.0, -2.0, 0.0]]

    ## Version History
    * v0: initial release.
    """

    sim_defaults: ClassVar[SimParams] = SimParams(collide=False)
