"""Skill tasks of the force-law systems: scenes that no one solves by luck.

The paper's ids (``Springs-v0``, ``Gravity-v0``, ...) keep the paper's prediction
setting, objects already moving on a frictionless table, where a target often drifts
through a random goal by itself. The ids here (``SpringsTask-v0``, ...) turn the same
physics into a task that measures skill, as ``Billiards-v0`` does for billiards: objects
start at rest, roll with friction, and the goal lies where the target never goes unless
someone pushes it there.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np

from vin_gym.envs.base import SceneParams
from vin_gym.envs.gravity import Gravity
from vin_gym.envs.magnetic_billiards import MagneticBilliards
from vin_gym.envs.springs import Springs
from vin_gym.envs.variable_mass import VariableMassBilliards
from vin_gym.physics import SceneState, SimParams, Simulator

#: Steps of the passive path the goal keeps clear of: the episode's length under
#: ``gym.make`` (``vin_gym.registration.MAX_EPISODE_STEPS``).
PASSIVE_STEPS = 100
#: Goal draws per scene before the scene itself is redrawn.
GOAL_TRIES = 200


class _SkillTask:
    """Mixin: the goal at least ``goal_clearance`` from the target's passive path.

    The passive path is where the target goes over :data:`PASSIVE_STEPS` steps when no
    one pushes (the true simulator, run once at reset). A goal drawn there would be
    reached by doing nothing; one drawn ``goal_clearance`` away needs a push, and one
    well beyond the goal radius needs an aimed push.
    """

    #: Default of the ``goal_clearance`` argument (table units).
    default_clearance: ClassVar[float] = 3.0

    def __init__(self, *args: Any, goal_clearance: float | None = None, **kwargs: Any) -> None:
        clearance = self.default_clearance if goal_clearance is None else goal_clearance
        if not (isinstance(clearance, int | float) and math.isfinite(clearance) and clearance >= 0):
            raise ValueError(f"goal_clearance must be a finite number >= 0, got {clearance!r}")
        self.goal_clearance = float(clearance)
        self._next_goal: np.ndarray | None = None  # drawn with the scene, used by reset
        super().__init__(*args, **kwargs)

    def passive_path(self, state: SceneState) -> np.ndarray:
        """Target positions ``(PASSIVE_STEPS + 1, 2)`` from ``state`` with no pushes."""
        sim = Simulator(state, self.sim_params, self.make_force_law())
        target = self.task.target
        path = [state.positions[target]]
        for _ in range(PASSIVE_STEPS):
            path.append(sim.step()[target, :2].copy())
        return np.array(path)

    def _goal_clear_of(self, state: SceneState) -> np.ndarray | None:
        path = self.passive_path(state)
        for _ in range(GOAL_TRIES):
            goal = self.task.sample_goal(self.np_random)
            if np.hypot(*(path - goal).T).min() >= self.goal_clearance:
                return goal
        return None

    def sample_scene(self, rng: np.random.Generator) -> SceneState:
        # Redraw the scene until a goal fits clear of its passive path.
        for _ in range(100):
            state = super().sample_scene(rng)
            goal = self._goal_clear_of(state)
            if goal is not None:
                self._next_goal = goal
                return state
        raise ValueError(
            f"no goal {self.goal_clearance:g} units clear of the target's passive path in "
            f"100 scenes; use a smaller goal_clearance"
        )

    def on_reset(self) -> None:
        self._next_goal = None  # unused when reset() was given the goal
        super().on_reset()

    def _sample_goal(self, state: SceneState) -> np.ndarray:
        goal, self._next_goal = self._next_goal, None
        if goal is not None:
            return goal
        goal = self._goal_clear_of(state)  # a state given to reset()
        return super()._sample_goal(state) if goal is None else goal


_SHARED_DOC = """
    ## Action Space
    ``Box(-1, 1, (2,), float32)``: the velocity change of the cue along x and y, in units
    of ``max_push`` (table units/s); as in ``Billiards-v0``.

    ## Observation Space
    As in ``Billiards-v0``: ``"pixels"`` (default) ``Box(0, 255, (obs_size, obs_size, 3),
    uint8)``, ``"state"`` ``Box(-1, 1, (4 N + 2,), float32)`` or ``"dict"`` of both.

    ## Rewards
    Minus the distance of object 1 to the goal divided by the table size.

    ## Starting State
    Objects at uniformly random non-overlapping positions, at rest (``initial_speed=0``).
    The goal is uniform in the table at least 1.5 units from the walls and at least
    ``goal_clearance`` (3 units) from every position of the target's *passive path*: the
    100 steps the target would take if no one pushed (the true simulator, run once at
    reset, :meth:`passive_path`); a scene with no room for such a goal is redrawn.
    ``reset(options={"state": ..., "goal": ...})`` fixes both, as in ``Billiards-v0``.

    ## Episode End
    Terminates when object 1's centre is within ``goal_radius`` of the goal
    (``info["is_success"]``); truncated after 100 steps by ``gym.make``.

    ## Info
    ``states`` (``(N, 4)`` float64: x, y, vx, vy), ``goal``, ``is_success``, ``distance``,
    ``visible`` (``(N,)`` bool), ``masses`` (``(N,)``).
"""

_WHY = """
    Doing nothing cannot succeed: the goal lies at least ``goal_clearance`` (3 units, three
    goal radii) from everywhere the target goes by itself in an episode, and with
    objects at rest under damping (1/s) nothing else moves. Uniform random pushes rarely
    carry the target that far in the right direction, while MPC over the true simulator
    (iCEM, horizon 25) does in almost every episode: the figures, on test episodes with
    their intervals, are in ``README.md``, "The task suite", made by
    ``benchmarks/task_difficulty.py``; the design choices, measured on development
    episodes, by ``benchmarks/task_design.py``.
"""


def _doc(summary: str, description: str, arguments: str, example: str, history: str) -> str:
    return (
        summary
        + "\n\n    ## Description"
        + description
        + _WHY
        + _SHARED_DOC
        + "\n    ## Arguments"
        + arguments
        + example
        + "\n    ## Version History\n"
        + history
    )


_ARGS = """
    Those of ``{paper}``, with the skill task's defaults ``damping=1.0`` (1/s) and
    ``initial_speed=0.0``, and ``goal_clearance=3.0`` (table units; 0 lets the goal lie
    anywhere, as in ``{paper}``).
"""


class SpringsTask(_SkillTask, Springs):
    __doc__ = _doc(
        "Push the cue (red, object 0) so that the green disc (object 1) reaches the goal.",
        """
    The skill task of the *Springs* system (``Springs-v0``'s physics: every pair of
    objects joined by an invisible spring of stiffness 0.5 mass/s^2 and rest length 3.0
    table units, objects passing through each other). The cue never touches the target:
    it moves it only through the springs, so the whole group must be dragged until the
    target, pulled back and forth by the others, comes to the goal.
""",
        _ARGS.format(paper="Springs-v0"),
        """
    >>> import gymnasium as gym
    >>> import numpy as np
    >>> import vin_gym
    >>> env = gym.make("SpringsTask-v0", obs_mode="state")
    >>> obs, info = env.reset(seed=0)
    >>> path = env.unwrapped.passive_path(env.unwrapped.sim.get_state())
    >>> bool(np.hypot(*(path - info["goal"]).T).min() >= 3.0)  # out of the target's way
    True
""",
        "    * v0: initial release.\n    ",
    )

    sim_defaults: ClassVar[SimParams] = SimParams(collide=False, damping=1.0)
    scene_defaults: ClassVar[SceneParams] = SceneParams(radius=0.8, initial_speed=0.0)


class GravityTask(_SkillTask, Gravity):
    __doc__ = _doc(
        "Push the cue (red, object 0) so that the green disc (object 1) reaches the goal.",
        """
    The skill task of the *Gravity* system (``Gravity-v0``'s physics: softened Newtonian
    attraction, gravitational constant 3.0, softening 1.0, objects passing through each
    other). Left alone the objects fall together; the cue never touches the target, so
    it must pull it by its own gravity, flying close by and ahead of it toward the goal.
""",
        _ARGS.format(paper="Gravity-v0"),
        """
    >>> import gymnasium as gym
    >>> import vin_gym
    >>> env = gym.make("GravityTask-v0", obs_size=32)
    >>> obs, info = env.reset(seed=0)
    >>> obs.shape, bool((info["states"][:, 2:] == 0).all())  # everything at rest
    ((32, 32, 3), True)
""",
        "    * v0: initial release.\n    ",
    )

    sim_defaults: ClassVar[SimParams] = SimParams(collide=False, damping=1.0)
    scene_defaults: ClassVar[SceneParams] = SceneParams(radius=0.8, initial_speed=0.0)


class MagneticBilliardsTask(_SkillTask, MagneticBilliards):
    __doc__ = _doc(
        "Push the cue (red, object 0) so that the green disc (object 1) reaches the goal.",
        """
    The skill task of *Magnetic billiards* (``MagneticBilliards-v0``'s physics: equal
    charges repelling by Coulomb's law, strength 2.0, and elastic collisions). Left alone
    the objects push each other apart and settle; the cue can strike the target or push
    it from a distance by its charge, which bends every shot.
""",
        _ARGS.format(paper="MagneticBilliards-v0"),
        """
    >>> import gymnasium as gym
    >>> import vin_gym
    >>> env = gym.make("MagneticBilliardsTask-v0", obs_mode="state")
    >>> obs, info = env.reset(seed=0)
    >>> obs.shape, info["states"].shape
    ((14,), (3, 4))
""",
        "    * v0: initial release.\n    ",
    )

    sim_defaults: ClassVar[SimParams] = SimParams(damping=1.0)
    scene_defaults: ClassVar[SceneParams] = SceneParams(radius=0.8, initial_speed=0.0)


class VariableMassBilliardsTask(_SkillTask, VariableMassBilliards):
    __doc__ = _doc(
        "Push the cue (red, object 0) so that the green ball (object 1) reaches the goal.",
        """
    The skill task of *variable-mass billiards* (``VariableMassBilliards-v0``'s physics:
    ``Billiards-v0`` with each object's mass drawn log-uniform in [0.5, 2.0] times 1.0
    every episode). Masses are hidden by default (``mass_mode="hidden"``: equal radii),
    and objects start at rest, so nothing shows a mass until the cue strikes: a planner
    must learn how far a struck target of unknown mass rolls from what it sees. (The
    oracle reads the true masses from the simulator.)
""",
        _ARGS.format(paper="VariableMassBilliards-v0")
        + """    ``mass_mode="hidden"`` (or ``"visible"``: mass proportional to area).
""",
        """
    >>> import gymnasium as gym
    >>> import vin_gym
    >>> env = gym.make("VariableMassBilliardsTask-v0", obs_size=32)
    >>> obs, info = env.reset(seed=0)
    >>> bool(((0.5 <= info["masses"]) & (info["masses"] <= 2.0)).all())
    True
""",
        "    * v0: initial release.\n    ",
    )

    sim_defaults: ClassVar[SimParams] = SimParams(damping=1.0)
    scene_defaults: ClassVar[SceneParams] = SceneParams(initial_speed=0.0)
