"""SeedBilliards: the seed's billiards data as an environment (its balls, speeds and look)."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from vin_gym.envs.base import PhysicsEnv, SceneParams
from vin_gym.physics import SceneState


class SeedBilliards(PhysicsEnv):
    """Billiards as the seed's generator made it: three soft blobs bouncing in a 10x10 box.

    ## Description
    Three balls of radius 1.2 and mass 1 bounce elastically, without damping, in a 10x10
    walled box, drawn as the seed's data (Sutskever's bouncing-balls generator used by
    the Visual Interaction Networks PyTorch port) drew them: 32x32 frames, ball ``i`` a
    soft blob of intensity ``exp(-((d / r)^2)^4)`` in colour channel ``i``, clipped to 1,
    with ``d`` the distance from the ball's centre. So ``vin-gym collect --env
    SeedBilliards-v0 --policy zero`` makes data like the seed's, and a model trained on it
    can be evaluated on the seed's files after ``vin-gym import-mat``. The pixel grid
    agrees with the seed's: pixel ``(row, col)`` samples the point
    ``((col + 0.5) L / 32, (row + 0.5) L / 32)``. Physics steps are 0.1 s (one seed
    frame), integrated by pymunk in 8 substeps.

    ## Action Space
    As :class:`vin_gym.envs.Billiards`: ``Box(-1, 1, (2,), float32)``, a velocity change
    of the cue (object 0, the red channel) in units of ``max_push``; a zero action leaves
    the seed's passive dynamics. Speeds are capped at 8 units/s, which passive episodes
    never reach (all velocities together have norm 5 units/s, and equal-mass elastic
    collisions conserve it).

    ## Observation Space
    As :class:`vin_gym.envs.Billiards`, with ``obs_size=32`` by default. The goal is not
    drawn (blob style).

    ## Rewards
    As :class:`vin_gym.envs.Billiards`: minus the distance of object 1 to the goal divided
    by the table size.

    ## Starting State
    The seed's distribution: positions uniform in ``[2, 10]^2``, redrawn until every ball
    lies inside the box and no two overlap; velocities a uniformly random direction of
    the 6-vector of all velocities, scaled to norm ``initial_speed`` = 5 units/s (the
    seed's 0.5 units per frame).

    ## Episode End
    As :class:`vin_gym.envs.Billiards`.

    ## Info
    As :class:`vin_gym.envs.Billiards`.

    ## Arguments
    As :class:`vin_gym.envs.Billiards`, with defaults ``obs_size=32``, ``radius=1.2``,
    ``initial_speed=5.0`` (the norm of all velocities together), ``show_goal=False``.

    >>> import gymnasium as gym
    >>> import numpy as np
    >>> import vin_gym
    >>> env = gym.make("SeedBilliards-v0")
    >>> obs, info = env.reset(seed=0)
    >>> obs.shape, round(float(np.linalg.norm(info["states"][:, 2:])), 6)
    ((32, 32, 3), 5.0)
    >>> [int(obs[..., c].max()) for c in range(3)]  # one ball per colour channel
    [255, 255, 255]

    ## Version History
    * v0: initial release.
    """

    scene_defaults: ClassVar[SceneParams] = SceneParams(
        n_objects=3, radius=1.2, mass=1.0, initial_speed=5.0, show_goal=False
    )
    render_style: ClassVar[str] = "blob"
    #: The seed draws initial positions uniformly from ``[low, table size]^2``.
    position_low: ClassVar[float] = 2.0

    def __init__(self, *, obs_size: int = 32, **kwargs: Any) -> None:
        super().__init__(obs_size=obs_size, **kwargs)

    def sample_scene(self, rng: np.random.Generator) -> SceneState:
        s, size = self.scene, self.sim_params.table_size
        radii = np.full(s.n_objects, s.radius)
        for _ in range(10_000):
            positions = rng.uniform(self.position_low, size, (s.n_objects, 2))
            inside = np.all(positions - radii[:, None] >= 0) and np.all(
                positions + radii[:, None] <= size
            )
            gaps = np.hypot(*(positions[:, None] - positions[None]).transpose(2, 0, 1))
            apart = np.all(gaps[np.triu_indices(s.n_objects, 1)] >= 2 * s.radius)
            if inside and apart:
                break
        else:
            raise ValueError(
                f"could not place {s.n_objects} balls of radius {s.radius} in "
                f"[{self.position_low}, {size}]^2 without overlap; use fewer or smaller balls"
            )
        velocities = rng.standard_normal((s.n_objects, 2))
        velocities *= s.initial_speed / np.linalg.norm(velocities)
        return SceneState(positions, velocities, np.full(s.n_objects, s.mass), radii)
