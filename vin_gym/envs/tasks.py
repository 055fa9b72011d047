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


class SpringsTask(_SkillTask, Springs):
    """Springs as a skill task (prototype docstring)."""

    sim_defaults: ClassVar[SimParams] = SimParams(collide=False, damping=1.0)
    scene_defaults: ClassVar[SceneParams] = SceneParams(radius=0.8, initial_speed=0.0)


class GravityTask(_SkillTask, Gravity):
    """Gravity as a skill task (prototype docstring)."""

    sim_defaults: ClassVar[SimParams] = SimParams(collide=False, damping=1.0)
    scene_defaults: ClassVar[SceneParams] = SceneParams(radius=0.8, initial_speed=0.0)


class MagneticBilliardsTask(_SkillTask, MagneticBilliards):
    """Magnetic billiards as a skill task (prototype docstring)."""

    sim_defaults: ClassVar[SimParams] = SimParams(damping=1.0)
    scene_defaults: ClassVar[SceneParams] = SceneParams(radius=0.8, initial_speed=0.0)


class VariableMassBilliardsTask(_SkillTask, VariableMassBilliards):
    """Variable-mass billiards as a skill task (prototype docstring)."""

    sim_defaults: ClassVar[SimParams] = SimParams(damping=1.0)
    scene_defaults: ClassVar[SceneParams] = SceneParams(initial_speed=0.0)
