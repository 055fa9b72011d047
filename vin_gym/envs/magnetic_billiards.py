"""Magnetic billiards: equally charged discs that repel each other and collide."""

from __future__ import annotations

from typing import ClassVar

from vin_gym import forces
from vin_gym.envs.base import PhysicsEnv, SceneParams
from vin_gym.physics import SimParams


class MagneticBilliards(PhysicsEnv):
    """Push the cue (red, object 0) so that the green disc (object 1) reaches the goal.

    ## Description
    The paper's *Magnetic billiards*: the ``n_objects`` discs on a 10x10 table all carry
    the same charge and repel each other by Coulomb's law
    (:class:`vin_gym.forces.CoulombLaw`); they still bounce elastically off each other and
    off the walls. Forces act at every pymunk substep of a 0.1 s frame, integrated by
    velocity Verlet.

    Constants (class attributes ``force_law``, ``sim_defaults``, ``scene_defaults``):

    | constant | value | unit |
    |---|---|---|
    | Coulomb constant times charge squared | 2.0 | mass * table units^3 / s^2 |
    | softening length | 0.1 | table units (objects touch long before) |
    | object mass, radius | 1.0, 0.8 | mass units, table units |
    | initial speed | uniform in [0, 2.0] | table units / s |
    | speed cap | 8.0 | table units / s |

    A passive 64-frame episode shows objects swerving away from each other, mostly
    before they touch, at a mean speed of 1.1 table units/s; the fastest object of an
    episode typically reaches 2 (measured on 60 seeded episodes).

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
    ``initial_speed=2.0``, ``goal_radius=1.0``, ``show_goal=True``, ``render_size=256``,
    ``background="plain"`` (``"textured"`` or images, see :mod:`vin_gym.backgrounds`).

    >>> import gymnasium as gym
    >>> import vin_gym
    >>> env = gym.make("MagneticBilliards-v0", n_objects=6, obs_size=32)
    >>> obs, info = env.reset(seed=0)
    >>> obs.shape, info["states"].shape
    ((32, 32, 3), (6, 4))

    ## Version History
    * v0: initial release.
    """

    force_law: ClassVar[forces.CoulombLaw] = forces.CoulombLaw(strength=2.0, softening=0.1)
    sim_defaults: ClassVar[SimParams] = SimParams()
    scene_defaults: ClassVar[SceneParams] = SceneParams(radius=0.8, initial_speed=2.0)

    def make_force_law(self) -> forces.CoulombLaw:
        return self.force_law
