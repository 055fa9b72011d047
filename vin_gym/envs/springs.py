"""Springs: every pair of objects joined by an invisible spring."""

from __future__ import annotations

from typing import ClassVar

from vin_gym import forces
from vin_gym.envs.base import PhysicsEnv, SceneParams
from vin_gym.physics import SimParams


class Springs(PhysicsEnv):
    """Push the cue (red, object 0) so that the green disc (object 1) reaches the goal.

    ## Description
    The paper's *Springs* system: every pair of the ``n_objects`` discs on a 10x10 table
    is joined by an invisible ideal spring, all with the same stiffness and rest length
    (:class:`vin_gym.forces.SpringLaw`). Objects pass through each other (no collisions
    between objects, later objects drawn on top) and bounce elastically off the walls.
    Forces act at every pymunk substep of a 0.1 s frame, integrated by velocity
    Verlet, so with no damping and no pushes the total energy (kinetic plus spring) stays
    within a fraction of a percent over 1,000 steps.

    Constants (class attributes ``force_law``, ``sim_defaults``, ``scene_defaults``):

    | constant | value | unit |
    |---|---|---|
    | spring stiffness | 0.5 | mass / s^2 (force per unit of extension) |
    | spring rest length | 3.0 | table units |
    | object mass, radius | 1.0, 0.8 | mass units, table units |
    | initial speed | uniform in [0, 1.0] | table units / s |
    | speed cap | 8.0 | table units / s |

    A passive 64-frame episode shows about one oscillation (period near 5 s with 3
    objects, shorter with 6) at a mean speed of 1.4 table units/s with 3 objects and 2.1
    with 6; the fastest object of an episode typically reaches 2.5 (3 objects) or 5
    (6 objects), so the speed cap almost never acts (measured on 60 seeded episodes).

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
    >>> import vin_gym
    >>> env = gym.make("Springs-v0", n_objects=6, obs_mode="state")
    >>> obs, info = env.reset(seed=0)
    >>> obs.shape, info["states"].shape
    ((26,), (6, 4))
    >>> sim = env.unwrapped.sim
    >>> energy = sim.energy()
    >>> for _ in range(64):
    ...     _ = env.step([0.0, 0.0])
    >>> abs(sim.energy() / energy - 1) < 0.01  # kinetic plus spring energy is conserved
    True

    ## Version History
    * v0: initial release.
    """

    force_law: ClassVar[forces.SpringLaw] = forces.SpringLaw(stiffness=0.5, rest_length=3.0)
    sim_defaults: ClassVar[SimParams] = SimParams(collide=False)
    scene_defaults: ClassVar[SceneParams] = SceneParams(radius=0.8, initial_speed=1.0)

    def make_force_law(self) -> forces.SpringLaw:
        return self.force_law
