"""Gravity: softened Newtonian attraction between every pair of objects."""

from __future__ import annotations

from typing import ClassVar

from vin_gym import forces
from vin_gym.envs.base import PhysicsEnv, SceneParams
from vin_gym.physics import SimParams


class Gravity(PhysicsEnv):
    """Push the cue (red, object 0) so that the green disc (object 1) reaches the goal.

    ## Description
    The paper's *Gravity* system: the ``n_objects`` discs on a 10x10 table attract each
    other by Newton's law, softened so that close passes stay finite
    (:class:`vin_gym.forces.GravityLaw`). Objects pass through each other (no collisions
    between objects, later objects drawn on top) and bounce elastically off the walls.
    Forces act at every pymunk substep of a 0.1 s frame, integrated by velocity
    Verlet, so with no damping and no pushes the total energy (kinetic plus potential)
    stays within a fraction of a percent over 1,000 steps away from the walls.

    Constants (class attributes ``force_law``, ``sim_defaults``, ``scene_defaults``):

    | constant | value | unit |
    |---|---|---|
    | gravitational constant | 3.0 | table units^3 / (mass * s^2) |
    | softening length | 1.0 | table units |
    | object mass, radius | 1.0, 0.8 | mass units, table units |
    | initial speed | uniform in [0, 1.0] | table units / s |
    | speed cap | 8.0 | table units / s |

    A passive 64-frame episode shows objects falling together, swinging through each
    other and scattering, at a mean speed of 0.9 table units/s with 3 objects and 1.3
    with 6; the fastest object of an episode typically reaches 2 (3 objects) or 3.4
    (6 objects), far below the speed cap (measured on 60 seeded episodes).

    ## Action Space
    ``Box(-1, 1, (2,), float32)``: the velocity change of the cue along x and y, in units
    of ``max_push`` (table units/s); as in ``Billiards-v0``.

    ## Observation Space
    As in ``Billiards-v0``: ``"pixels"`` (default) ``Box(0, 255, (obs_size, obs_size, 3),
    uint8)``, ``"state"`` ``Box(-1, 1, (4 N + 2,), float32)`` or ``"dict"`` of both.

    ## Rewards
    Minus the distance of object 1 to the goal divided by the table size.

    ## Starting State
    Non-overlapping discs at uniformly random positions, moving in random directions at
    speeds uniform in ``[0, initial_speed]``; ``reset(options={"state": ..., "goal":
    ...})`` as in ``Billiards-v0``.

    ## Episode End
    Terminates when object 1 is within ``goal_radius`` of the goal; truncated after 100
    steps by ``gym.make``.

    ## Info
    ``states`` (``(N, 4)`` float64: x, y, vx, vy), ``goal``, ``is_success``, ``distance``,
    ``visible`` (``(N,)`` bool), ``masses`` (``(N,)``).

    ## Arguments
    Those of ``Billiards-v0``: ``n_objects=3``, ``obs_mode``, ``obs_size=64``,
    ``damping=0.0`` (1/s), ``max_push=2.0``, ``render_mode``, ``radius=0.8``,
    ``initial_speed=1.0``, ``goal_radius=1.0``, ``show_goal=True``, ``render_size=256``,
    ``background="plain"`` (``"textured"`` or images, see :mod:`vin_gym.backgrounds`).

    >>> import gymnasium as gym
    >>> import numpy as np
    >>> import vin_gym
    >>> env = gym.make("Gravity-v0", obs_size=32)
    >>> obs, info = env.reset(seed=0)
    >>> obs.shape, info["masses"]
    ((32, 32, 3), array([1., 1., 1.]))
    >>> obs, reward, terminated, truncated, info = env.step(env.action_space.sample())
    >>> bool(np.all(np.abs(info["states"][:, 2:]) <= 8.0))
    True

    ## Version History
    * v0: initial release.
    """

    force_law: ClassVar[forces.GravityLaw] = forces.GravityLaw(strength=3.0, softening=1.0)
    sim_defaults: ClassVar[SimParams] = SimParams(collide=False)
    scene_defaults: ClassVar[SceneParams] = SceneParams(radius=0.8, initial_speed=1.0)

    def make_force_law(self) -> forces.GravityLaw:
        return self.force_law
