"""Variable mass: Billiards and Springs scenes whose objects have random masses."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from vin_gym.envs.base import SceneParams
from vin_gym.envs.billiards import Billiards
from vin_gym.envs.scenes import place_without_overlap
from vin_gym.envs.springs import Springs
from vin_gym.physics import SceneState, SimParams

#: ``mass_mode`` values: masses hidden (equal radii) or visible (mass follows area).
MASS_MODES = ("hidden", "visible")
#: Masses are log-uniform in this range, relative to the scene's mass.
MASS_RANGE = (0.5, 2.0)


class _VariableMass:
    """Mixin: draw each object's mass at random in :meth:`sample_scene`."""

    def __init__(self, *args: Any, mass_mode: str = "hidden", **kwargs: Any) -> None:
        if mass_mode not in MASS_MODES:
            raise ValueError(f"mass_mode must be one of {MASS_MODES}, got {mass_mode!r}")
        self.mass_mode = mass_mode
        super().__init__(*args, **kwargs)

    def sample_scene(self, rng: np.random.Generator) -> SceneState:
        s = self.scene
        lo, hi = MASS_RANGE
        factor = np.exp(rng.uniform(np.log(lo), np.log(hi), s.n_objects))
        if self.mass_mode == "visible":  # mass proportional to area
            radii = s.radius * np.sqrt(factor)
        else:
            radii = np.full(s.n_objects, s.radius)
        positions = place_without_overlap(rng, radii, self.sim_params.table_size)
        angle = rng.uniform(0, 2 * np.pi, s.n_objects)
        speed = rng.uniform(0, s.initial_speed, s.n_objects)
        velocities = np.stack([np.cos(angle), np.sin(angle)], axis=1) * speed[:, None]
        return SceneState(positions, velocities, s.mass * factor, radii)


_SHARED_DOC = """
    ## Action Space
    ``Box(-1, 1, (2,), float32)``: the velocity change of the cue along x and y, in units
    of ``max_push`` (table units/s): a velocity change, so the same action moves a heavy
    cue as much as a light one.

    ## Observation Space
    As in ``Billiards-v0``: ``"pixels"`` (default) ``Box(0, 255, (obs_size, obs_size, 3),
    uint8)``, ``"state"`` ``Box(-1, 1, (4 N + 2,), float32)`` (no masses) or ``"dict"``.

    ## Rewards
    Minus the distance of object 1 to the goal divided by the table size.

    ## Starting State
    Each object's mass is the scene mass (1.0) times a factor log-uniform in [0.5, 2.0].
    With ``mass_mode="hidden"`` (default) every radius is the scene radius, so masses
    show only in the motion; with ``mass_mode="visible"`` radius is the scene radius
    times the square root of the factor (mass proportional to area, radii from 0.71 to
    1.41 times the scene radius). Positions and velocities as in the base system.
    ``reset(options={"state": SceneState(...)})`` sets masses; an ``(N, 4)`` array gives
    every object the scene mass.

    ## Episode End
    Terminates when object 1 is within ``goal_radius`` of the goal; truncated after 100
    steps by ``gym.make``.

    ## Info
    ``states`` (``(N, 4)`` float64: x, y, vx, vy), ``goal``, ``is_success``, ``distance``,
    ``visible`` (``(N,)`` bool), ``masses`` (``(N,)``, this episode's masses).
"""


class VariableMassBilliards(_VariableMass, Billiards):
    __doc__ = (
        """Push the cue (red, object 0) so that the green ball (object 1) reaches the goal.

    ## Description
    The paper's *variable mass* variant of ``Billiards-v0``: elastic discs on a 10x10
    table, each with a mass drawn at random every episode. Collisions conserve momentum
    with those masses, so a light ball bounces off a heavy one.
"""
        + _SHARED_DOC
        + """
    ## Arguments
    Those of ``Billiards-v0`` and ``mass_mode="hidden"`` (or ``"visible"``).

    >>> import gymnasium as gym
    >>> import vin_gym
    >>> env = gym.make("VariableMassBilliards-v0", mass_mode="visible", obs_size=32)
    >>> obs, info = env.reset(seed=0)
    >>> bool(((0.5 <= info["masses"]) & (info["masses"] <= 2.0)).all())
    True

    ## Version History
    * v0: initial release. Unlike ``Billiards-v0``'s skill task, objects start moving
      (up to 2 units/s) on a frictionless table, as in the paper, so that their masses
      show in their collisions.
    """
    )
    # The paper's setting, not the skill task: masses are inferred from motion.
    sim_defaults: ClassVar[SimParams] = SimParams()
    scene_defaults: ClassVar[SceneParams] = SceneParams()


class VariableMassSprings(_VariableMass, Springs):
    __doc__ = (
        """Push the cue (red, object 0) so that the green disc (object 1) reaches the goal.

    ## Description
    The paper's *variable mass* variant of ``Springs-v0``: every pair of objects joined
    by a spring (stiffness 0.5 mass/s^2, rest length 3.0 table units), objects passing
    through each other, each with a mass drawn at random every episode, so heavy
    objects swing slowly and light ones fast.
"""
        + _SHARED_DOC
        + """
    ## Arguments
    Those of ``Springs-v0`` and ``mass_mode="hidden"`` (or ``"visible"``).

    >>> import gymnasium as gym
    >>> import vin_gym
    >>> env = gym.make("VariableMassSprings-v0", n_objects=6, obs_mode="state")
    >>> obs, info = env.reset(seed=0)
    >>> info["masses"].shape
    (6,)

    ## Version History
    * v0: initial release.
    """
    )
