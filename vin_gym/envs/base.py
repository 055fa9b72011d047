"""The shared machinery of every vin-gym environment.

A :class:`PhysicsEnv` composes the three independent parts of a scene: the simulator
(:mod:`vin_gym.physics`), the task (:mod:`vin_gym.task`) and the pure renderer
(:mod:`vin_gym.render`). Each registered system is a small subclass that fixes its force
law, its reset distribution and its documentation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any, ClassVar

import gymnasium as gym
import numba
import numpy as np
from gymnasium import spaces

from vin_gym.backgrounds import BackgroundSource, BackgroundSpec, EpisodeBackground
from vin_gym.envs.scenes import check_scene, place_without_overlap
from vin_gym.forces import ForceLaw
from vin_gym.physics import SceneState, SimParams, Simulator
from vin_gym.render import Renderer
from vin_gym.task import GoalTask

OBS_MODES = ("pixels", "state", "dict")


@dataclass(frozen=True)
class SceneParams:
    """The reset distribution and look of a scene.

    Attributes:
        n_objects: Number of objects; object 0 is the cue, object 1 the target.
        radius: Object radius, table units.
        mass: Object mass.
        initial_speed: Initial speeds are drawn uniformly from ``[0, initial_speed]``
            (table units/s) in uniformly random directions.
        max_push: The action ``[-1, 1]^2`` times ``max_push`` is the velocity change
            given to the cue each step (table units/s).
        show_goal: Draw the goal ring in the pixels.
    """

    n_objects: int = 3
    radius: float = 1.0
    mass: float = 1.0
    initial_speed: float = 2.0
    max_push: float = 2.0
    show_goal: bool = True


class PhysicsEnv(gym.Env):
    """Base class: push object 0 (the cue) to bring object 1 (the target) to a goal.

    Subclasses set :attr:`sim_defaults` / :attr:`scene_defaults` and may override
    :meth:`make_force_law` and :meth:`sample_scene`. See :class:`vin_gym.envs.Billiards`
    for the documentation every system shares.
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["human", "rgb_array"], "render_fps": 10}
    sim_defaults: ClassVar[SimParams] = SimParams()
    scene_defaults: ClassVar[SceneParams] = SceneParams()
    #: Renderer style, ``"disc"`` for every system but the seed's look.
    render_style: ClassVar[str] = "disc"

    def __init__(
        self,
        n_objects: int | None = None,
        obs_mode: str = "pixels",
        obs_size: int = 64,
        damping: float | None = None,
        max_push: float | None = None,
        render_mode: str | None = None,
        radius: float | None = None,
        initial_speed: float | None = None,
        goal_radius: float = 1.0,
        show_goal: bool | None = None,
        render_size: int = 256,
        background: BackgroundSpec = "plain",
    ) -> None:
        scene = self.scene_defaults
        overrides = {
            k: v
            for k, v in dict(
                n_objects=n_objects,
                radius=radius,
                initial_speed=initial_speed,
                max_push=max_push,
                show_goal=show_goal,
            ).items()
            if v is not None
        }
        self.scene = replace(scene, **overrides)
        self.sim_params = (
            self.sim_defaults if damping is None else replace(self.sim_defaults, damping=damping)
        )
        _check_args(self.scene, obs_mode, obs_size, render_mode, self.metadata["render_modes"])
        table = self.sim_params.table_size
        if isinstance(self.scene.radius, int | float) and 2 * self.scene.radius >= table:
            raise ValueError(
                f"radius={self.scene.radius:g}: an object of that radius does not fit the "
                f"{table:g} x {table:g} table; expected radius < {table / 2:g}"
            )
        self.obs_mode = obs_mode
        self.obs_size = int(obs_size)
        self.render_mode = render_mode
        size = self.sim_params.table_size
        self.task = GoalTask(table_size=size, goal_radius=float(goal_radius))
        self.renderer = Renderer(self.obs_size, size, style=self.render_style)
        self.render_renderer = Renderer(int(render_size), size, style=self.render_style)

        n = self.scene.n_objects
        half, vmax = size / 2, self.sim_params.max_speed
        self._state_scale = np.tile(np.array([1 / half, 1 / half, 1 / vmax, 1 / vmax]), n)
        self._state_offset = np.tile(np.array([1.0, 1.0, 0.0, 0.0]), n)
        self.action_space = spaces.Box(-1.0, 1.0, shape=(2,), dtype=np.float32)
        pixels = spaces.Box(0, 255, shape=(self.obs_size, self.obs_size, 3), dtype=np.uint8)
        state = spaces.Box(-1.0, 1.0, shape=(4 * n + 2,), dtype=np.float32)
        self.observation_space = {
            "pixels": pixels,
            "state": state,
            "dict": spaces.Dict({"pixels": pixels, "state": state}),
        }[obs_mode]

        self.sim: Simulator | None = None
        self.goal = np.zeros(2)
        self.visible = np.ones(n, dtype=bool)
        self.background: np.ndarray | None = None
        self.backgrounds = BackgroundSource(background)
        self._episode_background: EpisodeBackground | None = None
        self._viewer = None

    # -- hooks for subclasses ---------------------------------------------------------------
    def make_force_law(self) -> ForceLaw | None:
        """The pairwise force law of this system (``None``: free motion)."""
        return None

    def sample_scene(self, rng: np.random.Generator) -> SceneState:
        """Objects placed without overlap, random directions, speeds up to the maximum."""
        s = self.scene
        radii = np.full(s.n_objects, s.radius)
        positions = place_without_overlap(rng, radii, self.sim_params.table_size)
        angle = rng.uniform(0, 2 * np.pi, s.n_objects)
        speed = rng.uniform(0, s.initial_speed, s.n_objects)
        velocities = np.stack([np.cos(angle), np.sin(angle)], axis=1) * speed[:, None]
        return SceneState(positions, velocities, np.full(s.n_objects, s.mass), radii)

    # -- Gymnasium API ----------------------------------------------------------------------
    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Any, dict[str, Any]]:
        super().reset(seed=seed)
        options = options or {}
        unknown = set(options) - {"state", "goal"}
        if unknown:
            raise ValueError(f"unknown reset options {sorted(unknown)}; expected 'state', 'goal'")
        state = self._state_from_option(options["state"]) if "state" in options else None
        if state is None:
            state = self.sample_scene(self.np_random)
        if "goal" in options:
            goal = np.asarray(options["goal"], dtype=np.float64)
            if goal.shape != (2,) or not np.all(np.isfinite(goal)):
                raise ValueError(f"options['goal'] must be 2 finite numbers, got {goal!r}")
            self.goal = goal.copy()
        else:
            self.goal = self._sample_goal(state)
        self.goal.flags.writeable = False
        half = self.sim_params.table_size / 2
        self._goal_vec = (self.goal / half - 1).astype(np.float32)
        self.sim = Simulator(state, self.sim_params, self.make_force_law())
        self.on_reset()
        self._states = self.sim.object_states()
        self._states.flags.writeable = False
        self._radii = self.sim.radii
        # per-episode constants of info (each info gets its own copy, as Gymnasium asks)
        self._info_visible = np.array(self.visible, dtype=bool)
        self._info_masses = self.sim.masses
        return self._observation(), self._info()

    def on_reset(self) -> None:
        """Per-episode extras after the simulator exists (backgrounds, hidden objects).

        Draws this episode's background; subclasses that extend it call
        ``super().on_reset()``.
        """
        self._episode_background = self.backgrounds.sample(self.np_random)
        self.background = self.background_at(self.obs_size)

    def step(self, action: Any) -> tuple[Any, float, bool, bool, dict[str, Any]]:
        if self.sim is None:
            raise gym.error.ResetNeeded("Cannot call step() before reset(); call env.reset().")
        ax, ay = _parse_action(action)
        push = self.scene.max_push
        self.sim.push(0, (ax * push, ay * push))
        states = self.sim.step()
        states.flags.writeable = False  # shared with info["states"], so read-only
        self._states = states
        reward, success, distance = self.task.outcome(states, self.goal)
        if self.render_mode == "human":
            self.render()
        return self._observation(), reward, success, False, self._info(success, distance)

    def render(self) -> np.ndarray | None:
        if self.sim is None:
            raise gym.error.ResetNeeded("Cannot call render() before reset().")
        if self.render_mode is None:  # Gymnasium's convention: a warning, no frame
            gym.logger.warn(
                "You are calling render() without a render mode; make the env with "
                'render_mode="rgb_array" (or "human") to get frames'
            )
            return None
        frame = self.draw(self.render_renderer)
        if self.render_mode == "human":
            from vin_gym.viewer import Viewer

            if self._viewer is None:
                self._viewer = Viewer(title=type(self).__name__, fps=self.metadata["render_fps"])
            self._viewer.show(frame)
            return None
        return frame

    def close(self) -> None:
        if self._viewer is not None:
            self._viewer.close()
            self._viewer = None

    # -- pieces -----------------------------------------------------------------------------
    def draw(self, renderer: Renderer) -> np.ndarray:
        """The current scene drawn by ``renderer`` (no physics, no reward)."""
        background = self.background
        if background is not None and background.shape[0] != renderer.size:
            background = self.background_at(renderer.size)
        return renderer.render(
            self._states[:, :2],
            self._radii,
            goal=self.goal if self.scene.show_goal else None,
            goal_radius=self.task.goal_radius,
            visible=self.visible,
            background=background,
        )

    def background_at(self, size: int) -> np.ndarray | None:
        """This episode's background at ``size`` pixels (``None``: black)."""
        episode = self._episode_background
        return None if episode is None else episode.at(size)

    def _observation(self) -> Any:
        if self.obs_mode == "state":
            return self.state_vector()
        pixels = self.draw(self.renderer)
        if self.obs_mode == "pixels":
            return pixels
        return {"pixels": pixels, "state": self.state_vector()}

    def state_vector(self) -> np.ndarray:
        """Positions and goal mapped to [-1, 1], velocities divided by the speed cap."""
        return _normalise_state(self._states, self._state_scale, self._state_offset, self._goal_vec)

    def _info(self, success: bool | None = None, distance: float | None = None) -> dict:
        if distance is None:
            _, success, distance = self.task.outcome(self._states, self.goal)
        # states and goal are read-only arrays, so info can share them without copies
        return {
            "states": self._states,
            "goal": self.goal.copy(),
            "is_success": bool(success),
            "distance": distance,
            "visible": self._info_visible.copy(),
            "masses": self._info_masses.copy(),
        }

    def _sample_goal(self, state: SceneState) -> np.ndarray:
        # A goal the target does not already sit on.
        target = state.positions[self.task.target]
        for _ in range(100):
            goal = self.task.sample_goal(self.np_random)
            if np.hypot(*(goal - target)) > 2 * self.task.goal_radius:
                return goal
        return goal

    def _state_from_option(self, value: Any) -> SceneState:
        n, s = self.scene.n_objects, self.scene
        if isinstance(value, SceneState):
            state = value.copy()
        else:
            arr = np.asarray(value, dtype=np.float64)
            if arr.shape != (n, 4):
                raise ValueError(
                    f"options['state'] must be a SceneState or an array of shape ({n}, 4) "
                    f"(x, y, vx, vy per object), got shape {arr.shape}"
                )
            state = SceneState(arr[:, :2], arr[:, 2:], np.full(n, s.mass), np.full(n, s.radius))
        if state.n_objects != n:
            raise ValueError(f"options['state'] has {state.n_objects} objects, env has {n}")
        size = self.sim_params.table_size
        lo, hi = state.positions - state.radii[:, None], state.positions + state.radii[:, None]
        if np.any(lo < 0) or np.any(hi > size):
            raise ValueError(
                f"options['state'] places an object outside the {size}x{size} table: "
                f"positions={state.positions.tolist()}, radii={state.radii.tolist()}"
            )
        check_scene(state, self.sim_params)
        return state

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state["_viewer"] = None  # a window does not travel
        return state


@numba.njit(cache=True)
def _normalise_state(states, scale, offset, goal):  # pragma: no cover - compiled
    """float32 ``(4 N + 2,)``: ``states`` ``(N, 4)`` times ``scale`` minus ``offset``
    (both ``(4 N,)``) clipped to [-1, 1], then ``goal`` ``(2,)``.

    One compiled call (~1 us): the same arithmetic in numpy took seven small-array calls
    (~5 us), more than the physics of a step.
    """
    n = states.shape[0]
    out = np.empty(4 * n + 2, dtype=np.float32)
    for i in range(n):
        for k in range(4):  # x, y, vx, vy of object i at 4 i + k
            j = 4 * i + k
            out[j] = min(max(states[i, k] * scale[j] - offset[j], -1.0), 1.0)
    out[-2], out[-1] = goal[0], goal[1]
    return out


def _parse_action(action: Any) -> tuple[float, float]:
    """The action as two floats clipped to [-1, 1]; ValueError for anything but a real
    numeric array (or list, tuple) of shape (2,), and for NaN or inf."""
    if type(action) is np.ndarray:  # the usual case first: ~1 us per step counts
        ok = action.shape == (2,) and action.dtype.kind in "fiu"
    elif isinstance(action, list | tuple):
        ok = len(action) == 2 and all(
            isinstance(v, int | float | np.integer | np.floating)
            and not isinstance(v, bool | np.bool_)
            for v in action
        )
    else:
        try:
            action = np.asarray(action)
        except Exception:  # an object numpy cannot read as an array
            action = np.empty(0, dtype=object)
        ok = action.shape == (2,) and action.dtype.kind in "fiu"
    if not ok:
        shape = getattr(action, "shape", None)
        raise ValueError(
            f"action must be a real numeric array of shape (2,), got {action!r} "
            f"({type(action).__name__}{f', shape {shape}' if shape is not None else ''})"
        )
    ax, ay = float(action[0]), float(action[1])
    if not (math.isfinite(ax) and math.isfinite(ay)):
        raise ValueError(f"action must be finite, got {action!r}")
    # Out-of-range pushes are clipped, not rejected.
    return min(max(ax, -1.0), 1.0), min(max(ay, -1.0), 1.0)


def _check_args(scene: SceneParams, obs_mode, obs_size, render_mode, render_modes) -> None:
    if not isinstance(scene.n_objects, int | np.integer) or scene.n_objects < 2:
        raise ValueError(
            f"n_objects must be an integer >= 2 (cue and target), got {scene.n_objects!r}"
        )
    if obs_mode not in OBS_MODES:
        raise ValueError(f"obs_mode must be one of {OBS_MODES}, got {obs_mode!r}")
    if not isinstance(obs_size, int | np.integer) or not 32 <= obs_size <= 256:
        raise ValueError(f"obs_size must be an integer from 32 to 256, got {obs_size!r}")
    if render_mode is not None and render_mode not in render_modes:
        raise ValueError(f"render_mode must be None or one of {render_modes}, got {render_mode!r}")
    for name in ("radius", "mass", "max_push"):
        value = getattr(scene, name)
        if not (value > 0 and math.isfinite(value)):
            raise ValueError(f"{name} must be positive and finite, got {value!r}")
    if not (scene.initial_speed >= 0 and math.isfinite(scene.initial_speed)):
        raise ValueError(f"initial_speed must be >= 0 and finite, got {scene.initial_speed!r}")
