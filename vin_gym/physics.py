"""The simulator: circular objects on a walled square table, integrated by pymunk.

Independent of Gymnasium. Units: lengths in table units (the table is ``table_size``
wide, 10 by default, like the seed's box), time in seconds, velocities in table units per
second, masses in arbitrary units.

Two ways to capture a state, with different guarantees:

* :meth:`Simulator.snapshot` / :meth:`Simulator.restore` continue **bit for bit** like
  the original. pymunk's own ``space.copy()`` (and pickling) does not: it drops the
  solver's cached contact impulses, and 21 of 400 copies taken mid-game continued
  differently (``benchmarks/state_capture.py``). A snapshot is therefore a replay recipe:
  the array state the simulator was last built from plus the pushes and steps since;
  restoring rebuilds and replays them, which pymunk's determinism makes exact. Restoring
  costs one rebuild (0.1 to 0.2 ms) plus ~4 us per step replayed. Pickling a simulator
  uses the same route.
* :meth:`Simulator.get_state` / :meth:`Simulator.set_state` use plain arrays
  (:class:`SceneState`). ``set_state`` rebuilds the space from scratch, so two simulators
  given the same array state continue **identically** to each other. They can differ
  slightly from the uninterrupted original, because pymunk warm-starts its contact solver
  with impulses cached from the previous step and a fresh space has none; the difference
  appears only while objects are in contact and is measured in ``tests/envs/test_physics.py``
  (below 1e-6 table units after one step in contact, see the test for the figure).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pymunk

from vin_gym import _chipmunk
from vin_gym.forces import ForceLaw, verlet_kick

#: Step through :mod:`vin_gym._chipmunk` (the whole step in one compiled call: 3 to 4 us
#: for 3 objects with or without forces, where calling Chipmunk from Python took 7 us
#: without and 60 with) when it works with this pymunk build; otherwise, or when a test
#: sets this to ``False``, through pymunk's public API (16 and 100 us).
#: ``tests/envs/test_physics.py`` checks that both paths agree bit for bit.
RAW_STEP = True

# Walls are in category 1 and meet objects (2); objects meet walls and, unless objects
# pass through each other (drift), objects.
_WALL_FILTER = pymunk.ShapeFilter(categories=0b01, mask=0b10)
_OBJECT_FILTER = pymunk.ShapeFilter(categories=0b10, mask=0b11)
_DRIFT_FILTER = pymunk.ShapeFilter(categories=0b10, mask=0b01)


@dataclass(frozen=True)
class SimParams:
    """Physical constants of a scene.

    Attributes:
        table_size: Side of the square table, in table units.
        dt: Duration of one simulator step (one environment step, one frame), seconds.
        substeps: pymunk steps per simulator step. With the defaults an object at
            ``max_speed`` moves 0.1 units per substep; under 10,000 steps of maximal
            pushes no two unit discs overlap by more than 0.25 units (measured over five
            seeds: 0.19; 5 substeps gave 0.28) and nothing sinks into a wall by more than
            0.15; see
            ``tests/envs/test_physics.py``.
        damping: Linear damping rate (1/s): velocities decay as ``exp(-damping * t)``.
        max_speed: Speed cap (table units/s) applied after each step, so repeated
            pushes cannot accelerate objects without bound. ``inf`` disables it.
        wall_thickness: Thickness of the four static walls, far more than an object
            moves in one substep, so nothing tunnels through.
        solver_iterations: pymunk solver iterations per substep.
        collide: Whether objects collide with each other (``False`` for drift, where
            objects pass through each other but still bounce off the walls).
    """

    table_size: float = 10.0
    dt: float = 0.1
    substeps: int = 8
    damping: float = 0.0
    max_speed: float = 8.0
    wall_thickness: float = 5.0
    solver_iterations: int = 10
    collide: bool = True

    def __post_init__(self) -> None:
        for name in ("table_size", "dt", "wall_thickness", "max_speed"):
            value = getattr(self, name)
            if not (value > 0):
                raise ValueError(f"SimParams.{name} must be positive, got {value!r}")
        if self.substeps < 1:
            raise ValueError(f"SimParams.substeps must be >= 1, got {self.substeps!r}")
        if not (self.damping >= 0 and math.isfinite(self.damping)):
            raise ValueError(f"SimParams.damping must be finite and >= 0, got {self.damping!r}")


@dataclass
class SceneState:
    """A scene as plain arrays: everything :meth:`Simulator.set_state` needs.

    Attributes:
        positions: ``(N, 2)`` centres, table units.
        velocities: ``(N, 2)`` table units per second.
        masses: ``(N,)``.
        radii: ``(N,)`` table units.
    """

    positions: np.ndarray
    velocities: np.ndarray
    masses: np.ndarray
    radii: np.ndarray

    def __post_init__(self) -> None:
        self.positions = np.array(self.positions, dtype=np.float64).reshape(-1, 2)
        n = len(self.positions)
        self.velocities = np.array(self.velocities, dtype=np.float64).reshape(n, 2)
        self.masses = np.array(self.masses, dtype=np.float64).reshape(n)
        self.radii = np.array(self.radii, dtype=np.float64).reshape(n)
        # Array methods, not np.all/np.any: these checks run at every reset and rebuild.
        for name in ("positions", "velocities", "masses", "radii"):
            if not np.isfinite(getattr(self, name)).all():
                raise ValueError(f"SceneState.{name} must be finite, got {getattr(self, name)}")
        if (self.masses <= 0).any() or (self.radii <= 0).any():
            raise ValueError(
                f"SceneState masses and radii must be positive, got masses={self.masses}, "
                f"radii={self.radii}"
            )

    @property
    def n_objects(self) -> int:
        return len(self.positions)

    def object_states(self) -> np.ndarray:
        """``(N, 4)`` float32 rows of x, y, vx, vy."""
        return np.concatenate([self.positions, self.velocities], axis=1).astype(np.float32)

    def copy(self) -> SceneState:
        return SceneState(self.positions, self.velocities, self.masses, self.radii)


@dataclass(frozen=True)
class Snapshot:
    """An exact capture of a simulator (see :meth:`Simulator.snapshot`).

    Attributes:
        base: The array state the simulator was last built from.
        ops: What happened since, in order: ``(index, dvx, dvy)`` for a push, ``None``
            for a step.
        time: Simulated time at capture.
    """

    base: SceneState = field(repr=False)
    ops: tuple[tuple[int, float, float] | None, ...] = field(repr=False)
    time: float


class Simulator:
    """Circular objects on a walled table, with an optional pairwise force law.

    Args:
        state: Initial scene.
        params: Physical constants.
        force_law: Pairwise forces applied at every substep, or ``None``.
    """

    def __init__(
        self,
        state: SceneState,
        params: SimParams | None = None,
        force_law: ForceLaw | None = None,
    ) -> None:
        self.params = params or SimParams()
        self.force_law = force_law
        self.time = 0.0
        self._consts_for: tuple = ()  # (params, force_law) that self._consts describes
        self._consts: np.ndarray | None = None
        self.set_state(state)

    # -- construction --------------------------------------------------------------
    def _build_space(self, state: SceneState) -> None:
        p = self.params
        space = pymunk.Space()
        space.iterations = p.solver_iterations
        space.damping = math.exp(-p.damping)  # fraction of velocity kept per second
        space.collision_slop = 1e-3
        w, size = p.wall_thickness, p.table_size
        # Objects always hit walls; they hit each other unless ``collide`` is off.
        object_filter = _OBJECT_FILTER if p.collide else _DRIFT_FILTER
        shapes = []
        # Each wall is a thick box whose inner face lies on the table's edge.
        static = space.static_body
        for x0, y0, x1, y1 in (
            (-w, -w, size + w, 0.0),
            (-w, size, size + w, size + w),
            (-w, 0.0, 0.0, size),
            (size, 0.0, size + w, size),
        ):
            wall = pymunk.Poly(static, [(x0, y0), (x1, y0), (x1, y1), (x0, y1)], radius=0.0)
            wall.elasticity = 1.0
            wall.friction = 0.0
            wall.filter = _WALL_FILTER
            shapes.append(wall)
        bodies = []
        for (x, y), (vx, vy), mass, radius in zip(
            state.positions.tolist(),
            state.velocities.tolist(),
            state.masses.tolist(),
            state.radii.tolist(),
            strict=True,
        ):
            body = pymunk.Body(mass, pymunk.moment_for_circle(mass, 0.0, radius))
            body.position = (x, y)
            body.velocity = (vx, vy)
            shape = pymunk.Circle(body, radius)
            shape.elasticity = 1.0
            shape.friction = 0.0
            shape.filter = object_filter
            bodies.append(body)
            shapes.append(shape)
        # One add (pymunk adds the bodies first, then the shapes, each in order): the same
        # space as adding them one by one, built faster (it is rebuilt at every reset).
        space.add(*bodies, *shapes)
        self.space = space
        self.bodies = bodies
        self._masses = state.masses.copy()
        self._radii = state.radii.copy()
        self._verlet = np.full((len(bodies), 5), np.nan)  # see forces.verlet_kick
        # Addresses for the compiled path; valid while self.space and self.bodies live.
        self._handles = _chipmunk.handles(space, bodies) if _chipmunk.available() else None

    # -- read-outs ---------------------------------------------------------------------
    @property
    def n_objects(self) -> int:
        return len(self.bodies)

    @property
    def masses(self) -> np.ndarray:
        return self._masses.copy()

    @property
    def radii(self) -> np.ndarray:
        return self._radii.copy()

    def positions(self) -> np.ndarray:
        """``(N, 2)`` object centres."""
        return self.object_states()[:, :2]

    def velocities(self) -> np.ndarray:
        """``(N, 2)`` object velocities."""
        return self.object_states()[:, 2:]

    def object_states(self) -> np.ndarray:
        """``(N, 4)`` float64 rows of x, y, vx, vy."""
        if self._handles is not None:
            return _chipmunk.read(self._handles)
        return np.array(self._read_public(), dtype=np.float64)

    def kinetic_energy(self) -> float:
        v = self.velocities()
        return float(0.5 * np.sum(self._masses * np.einsum("ij,ij->i", v, v)))

    def potential_energy(self) -> float:
        if self.force_law is None:
            return 0.0
        return float(self.force_law.potential_energy(self.positions(), self._masses))

    def energy(self) -> float:
        return self.kinetic_energy() + self.potential_energy()

    def momentum(self) -> np.ndarray:
        return (self._masses[:, None] * self.velocities()).sum(axis=0)

    # -- state capture -----------------------------------------------------------------
    def get_state(self) -> SceneState:
        """The scene as plain arrays (see the module docstring for the guarantee)."""
        s = self.object_states()
        return SceneState(s[:, :2], s[:, 2:], self._masses, self._radii)

    def set_state(self, state: SceneState) -> None:
        """Rebuild the space from plain arrays; discards cached contact impulses."""
        self._build_space(state)
        self._base = state.copy()
        self._ops: list[tuple[int, float, float] | None] = []

    def snapshot(self) -> Snapshot:
        """An exact capture: restoring it continues bit for bit like this simulator."""
        return Snapshot(self._base, tuple(self._ops), self.time)

    def restore(self, snapshot: Snapshot) -> None:
        """Continue from ``snapshot`` exactly (the snapshot itself stays reusable)."""
        self.set_state(snapshot.base)
        for op in snapshot.ops:
            if op is None:
                self.step()
            else:
                self.push(op[0], op[1:])
        self.time = snapshot.time

    def __getstate__(self) -> dict:
        # A pickled pymunk space loses its cached contact impulses: pickle the replay
        # recipe instead, so an unpickled simulator continues bit for bit.
        return {"params": self.params, "force_law": self.force_law, "snap": self.snapshot()}

    def __setstate__(self, state: dict) -> None:
        self.params, self.force_law = state["params"], state["force_law"]
        self.time = 0.0
        self._consts_for, self._consts = (), None
        self.restore(state["snap"])

    # -- dynamics ----------------------------------------------------------------------
    def push(self, index: int, delta_v: tuple[float, float] | np.ndarray) -> None:
        """Add the velocity change ``delta_v`` (2,) to object ``index``."""
        n = len(self.bodies)
        if not -n <= index < n:
            raise IndexError(f"object index {index} out of range for {n} objects")
        index = int(index) % n
        dvx, dvy = float(delta_v[0]), float(delta_v[1])
        self._ops.append((index, dvx, dvy))
        if RAW_STEP and self._handles is not None:
            _chipmunk.add_velocity(self._handles, index, dvx, dvy)
        else:
            body = self.bodies[index]
            vx, vy = body.velocity
            body.velocity = (vx + dvx, vy + dvy)

    def step(self) -> np.ndarray:
        """Advance one ``dt`` in ``substeps`` pymunk steps, then cap speeds.

        Returns:
            The new object states ``(N, 4)`` (x, y, vx, vy), as :meth:`object_states`.
        """
        consts = self._consts
        if self._consts_for != (self.params, self.force_law):
            consts = self._consts = self._compiled_consts()
        if RAW_STEP and consts is not None:
            states, near_cap = _chipmunk.step(self._handles, self._masses, self._verlet, consts)
            if near_cap:
                self._cap_speeds(states)
        else:
            states = self._step_public()
        self.time += self.params.dt
        self._ops.append(None)
        return states

    def _compiled_consts(self) -> np.ndarray | None:
        """The constants of :func:`vin_gym._chipmunk.step`, ``None`` if it cannot run
        this simulator (no compiled path, or a force law that is not a central one)."""
        p, law = self.params, self.force_law
        self._consts_for = (p, law)
        pair = (_chipmunk.NO_LAW, 0.0, 0.0) if law is None else getattr(law, "pair_law", None)
        if self._handles is None or pair is None:
            return None
        return np.array([p.dt / p.substeps, p.substeps, p.max_speed, *pair], dtype=np.float64)

    def _step_public(self) -> np.ndarray:
        """:meth:`step` through pymunk's public API (same arithmetic, bit for bit)."""
        p = self.params
        h = p.dt / p.substeps
        for _ in range(p.substeps):
            if self.force_law is not None:
                self._apply_forces(self.force_law, h)
            self.space.step(h)
        states = np.array(self._read_public(), dtype=np.float64)
        self._cap_speeds(states)
        return states

    def _cap_speeds(self, states: np.ndarray) -> None:
        """Scale speeds above ``max_speed`` down to it, in the bodies and in ``states``
        ``(N, 4)``."""
        vmax = self.params.max_speed
        for i, (vx, vy) in enumerate(states[:, 2:].tolist()):
            speed = math.hypot(vx, vy)
            if speed > vmax:
                vx, vy = vx * vmax / speed, vy * vmax / speed
                if RAW_STEP and self._handles is not None:
                    _chipmunk.set_velocity(self._handles, i, vx, vy)
                else:
                    self.bodies[i].velocity = (vx, vy)
                states[i, 2], states[i, 3] = vx, vy

    def _apply_forces(self, law: ForceLaw, h: float) -> None:
        """Set velocities and forces for one substep of velocity Verlet (see
        :func:`vin_gym.forces.verlet_kick`)."""
        states = np.array(self._read_public())  # (N, 4)
        kicks = verlet_kick(law, states, self._masses, h, self._verlet)  # (N, 4): v, f
        for body, (vx, vy, fx, fy) in zip(self.bodies, kicks.tolist(), strict=True):
            body.velocity, body.force = (vx, vy), (fx, fy)

    def _read_public(self) -> list[tuple[float, float, float, float]]:
        """x, y, vx, vy of each body through pymunk's public API."""
        return [(*b.position, *b.velocity) for b in self.bodies]
