"""Billiards: the skill task. Discs at rest on a walled table with rolling friction."""

from __future__ import annotations

from typing import ClassVar

from vin_gym.envs.base import PhysicsEnv, SceneParams
from vin_gym.physics import SimParams


class Billiards(PhysicsEnv):
    """Push the cue (red, object 0) so that the green ball (object 1) reaches the goal.

    ## Description
    The skill task of vin-gym. ``n_objects`` discs of equal radius and mass lie at rest
    on a 10x10 walled table, roll with friction (linear damping of 1/s: a free ball loses
    63% of its speed each second) and bounce elastically off each other and the walls
    (the paper's *Billiards* system, simulated by pymunk). Each step the agent gives the
    cue a velocity change. Nothing moves unless the agent pushes, and a pushed ball soon
    stops, so the target reaches the goal only if the cue is aimed to strike it there:
    uniform random pushes rarely succeed, doing nothing never, and MPC over the true
    simulator (iCEM, horizon 25) almost always (figures with their intervals and commands
    in ``README.md``, "The task suite"; the force-law systems' skill tasks are
    ``SpringsTask-v0`` and its siblings, :mod:`vin_gym.envs.tasks`). The goal is
    drawn as a white ring. One step is one frame of 0.1 s, integrated in 8 pymunk
    substeps.

    The paper's prediction setting, balls already moving on a frictionless table, is one
    keyword away: ``gym.make("Billiards-v0", initial_speed=2.0, damping=0.0)`` (the task
    of version v0 before the skill task; luck solves about half its episodes).

    ## Action Space
    ``Box(-1, 1, (2,), float32)``: the velocity change of the cue along x and y, in units
    of ``max_push`` (table units/s). Actions outside ``[-1, 1]`` are clipped; NaN or
    infinite actions raise ``ValueError``. Speeds are capped at 8 table units/s after
    each step.

    ## Observation Space
    | ``obs_mode`` | space | content |
    |---|---|---|
    | ``"pixels"`` (default) | ``Box(0, 255, (S, S, 3), uint8)`` | RGB frame, S = ``obs_size`` |
    | ``"state"`` | ``Box(-1, 1, (4 N + 2,), float32)`` | per object x, y, vx, vy; goal |
    | ``"dict"`` | ``Dict(pixels=..., state=...)`` | both |

    Pixels: x along columns, y along rows (row 0 at y = 0). State: positions and the goal
    mapped from [0, 10] to [-1, 1], velocities divided by the speed cap.

    ## Rewards
    Dense: minus the distance of object 1 to the goal divided by the table size (so in
    about ``[-1.4, 0]``).

    ## Starting State
    Objects at uniformly random non-overlapping positions, at rest (each moving in a
    random direction at a speed uniform in ``[0, initial_speed]``, 0 by default); the goal
    uniform in the table at least 1.5 units from the walls and more than two goal radii
    from the target. ``reset(options={"state": states, "goal": goal})`` fixes both,
    ``states`` an ``(N, 4)`` array of x, y, vx, vy or a :class:`vin_gym.SceneState`.

    ## Episode End
    Terminates when object 1's centre is within ``goal_radius`` of the goal
    (``info["is_success"]`` is then ``True``); truncated after 100 steps by ``gym.make``.

    ## Info
    ``states`` (``(N, 4)`` float64: x, y, vx, vy in table units), ``goal`` (``(2,)``),
    ``is_success`` (bool), ``distance`` (target to goal, table units).

    ## Arguments
    ``n_objects=3``, ``obs_mode="pixels"``, ``obs_size=64`` (32 to 256), ``damping=1.0``
    (1/s), ``max_push=2.0``, ``render_mode=None`` (``"rgb_array"`` or ``"human"``),
    ``radius=1.0``, ``initial_speed=0.0``, ``goal_radius=1.0``, ``show_goal=True``,
    ``render_size=256`` (pixels of ``render()``).

    >>> import gymnasium as gym
    >>> import vin_gym
    >>> env = gym.make("Billiards-v0", obs_size=32)
    >>> obs, info = env.reset(seed=0)
    >>> obs.shape, obs.dtype, info["states"].shape
    ((32, 32, 3), dtype('uint8'), (3, 4))
    >>> bool((info["states"][:, 2:] == 0).all())  # everything at rest
    True
    >>> obs, reward, terminated, truncated, info = env.step(env.action_space.sample())
    >>> -1.5 < reward <= 0.0
    True

    ## Version History
    * v0 (this version, the skill task): objects start at rest, damping 1/s.
    * v0 (first release): objects moving at up to 2 units/s on a frictionless table;
      luck solved it (uniform random pushes succeeded in 57% of 100 episodes, doing
      nothing in 21%). ``initial_speed=2.0, damping=0.0`` restores it.
    """

    sim_defaults: ClassVar[SimParams] = SimParams(damping=1.0)
    scene_defaults: ClassVar[SceneParams] = SceneParams(initial_speed=0.0)
