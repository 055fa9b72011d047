"""The simulator: circular objects on a walled square table, integrated by pymunk.

Independent of Gymnasium. Units: lengths in table units (the table is ``table_size``
wide, 10 by default, like the seed's box), time in seconds, velocities in table units per
second, masses in arbitrary units.

Two ways to capture a state, with different guarantees:

* :meth:`Simulator.snapshot` / :meth:`Simulator.restore` continue **bit for bit** like
  the original. pymunk's own ``space.copy()`` (and pickling) does not: it drops the
  solver's cached contact impulses, and in our measurements 8% of copies taken mid-game
  diverged. A snapshot is therefore a replay recipe: the array state the simulator was
  last built from plus the pushes and steps since; restoring rebuilds and replays them,
  which pymunk's determinism makes exact. Restoring costs one rebuild (~0.1 ms) plus
  ~7 us per step replayed. Pickling a simulator uses the same route.
* :meth:`Simulator.get_state` / :meth:`Simulator.set_state` use plain arrays
  (:class:`SceneState`). ``set_state`` rebuilds the space from scratch, so two simulators
  given the same array state continue **identically** to each other. They can differ
  slightly from the uninterrupted original, because pymunk warm-starts its contact solver
  with impulses cached from the previous step and a fresh space has none; the difference
  appears only while objects are in contact and is measured in ``tests/test_physics.py``
  (below 1e-6 table units after one step in contact, see the test for the figure).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pymunk

from vin_gym.forces import ForceLaw, verlet_kick

try:
    # pymunk's own cffi handle to Chipmunk. Calling it directly skips pymunk's Python
    # wrappers: reading a body ~4x faster than Body.position, a space step 2.5x faster
    # than Space.step (whose extra work, deferred adds/removes and post-step callbacks,
    # a Simulator never uses). ``tests/test_physics.py`` checks both paths agree bit for
    # bit; without the handle (another pymunk layout) the public API is used.
    from pymunk._chipmunk_cffi import lib as _cp
except ImportError:  # pragma: no cover
    _cp = None


#: Step spaces through Chipmunk directly (see above); tests flip it to compare the paths.
RAW_STEP = True


@dataclass(frozen=True)
class SimParams:
    """Physical constants of a scene.

    Attributes:
        table_size: Side of the square table, in table units.
        dt: Duration of one simulator step (one environment step, one frame), seconds.
        substeps: pymunk steps per simulator step. With the defaults an object at
            ``max_speed`` moves 0.16 units per substep; under 10,000 steps of maximal
            pushes no two unit discs overlap by more than 0.3 units (measured: 0.25) and
            nothing sinks into a wall by more than 0.2 (measured: 0.18); see
            ``tests/test_physics.py``.
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
    substeps: int = 5
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
        for name in ("positions", "velocities", "masses", "radii"):
            if not np.all(np.isfinite(getattr(self, name))):
                raise ValueError(f"SceneState.{name} must be finite, got {getattr(self, name)}")
        if np.any(self.masses <= 0) or np.any(self.radii <= 0):
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
        self.set_state(state)

    # -- construction --------------------------------------------------------------
    def _build_space(self, state: SceneState) -> None:
        p = self.params
        space = pymunk.Space()
        space.iterations = p.solver_iterations
        space.damping = math.exp(-p.damping)  # fraction of velocity kept per second
        space.collision_slop = 1e-3
        w, size = p.wall_thickness, p.table_size
        # Each wall is a thick box whose inner face lies on the table's edge.
        for x0, y0, x1, y1 in (
            (-w, -w, size + w, 0.0),
            (-w, size, size + w, size + w),
            (-w, 0.0, 0.0, size),
            (size, 0.0, size + w, size),
        ):
            wall = pymunk.Poly(
                space.static_body, [(x0, y0), (x1, y0), (x1, y1), (x0, y1)], radius=0.0
            )
            wall.elasticity = 1.0
            wall.friction = 0.0
            wall.filter = pymunk.ShapeFilter(categories=0b01, mask=0b10)
            space.add(wall)
        bodies = []
        for i in range(state.n_objects):
            mass, radius = float(state.masses[i]), float(state.radii[i])
            body = pymunk.Body(mass, pymunk.moment_for_circle(mass, 0.0, radius))
            body.position = tuple(state.positions[i])
            body.velocity = tuple(state.velocities[i])
            shape = pymunk.Circle(body, radius)
            shape.elasticity = 1.0
            shape.friction = 0.0
            # Objects always hit walls; they hit each other unless ``collide`` is off.
            shape.filter = pymunk.ShapeFilter(categories=0b10, mask=0b11 if p.collide else 0b01)
            space.add(body, shape)
            bodies.append(body)
        self.space = space
        self.bodies = bodies
        self._masses = state.masses.copy()
        self._radii = state.radii.copy()

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
        return np.array(_read_bodies(self.bodies), dtype=np.float64)

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
        self.restore(state["snap"])

    # -- dynamics ----------------------------------------------------------------------
    def push(self, index: int, delta_v: tuple[float, float] | np.ndarray) -> None:
        """Add the velocity change ``delta_v`` (2,) to object ``index``."""
        body = self.bodies[index]
        dvx, dvy = float(delta_v[0]), float(delta_v[1])
        self._ops.append((index, dvx, dvy))
        if _cp is not None:
            v = _cp.cpBodyGetVelocity(body._body)
            _cp.cpBodySetVelocity(body._body, (v.x + dvx, v.y + dvy))
        else:  # pragma: no cover
            vx, vy = body.velocity
            body.velocity = (vx + dvx, vy + dvy)

    def step(self) -> np.ndarray:
        """Advance one ``dt`` in ``substeps`` pymunk steps, then cap speeds.

        Returns:
            The new object states ``(N, 4)`` (x, y, vx, vy), as :meth:`object_states`.
        """
        p = self.params
        h = p.dt / p.substeps
        space, bodies, law = self.space, self.bodies, self.force_law
        for _ in range(p.substeps):
            if law is not None:
                self._apply_forces(law, h)
            if _cp is not None and RAW_STEP:
                _cp.cpSpaceStep(space._space, h)
            else:
                space.step(h)
        self.time += p.dt
        self._ops.append(None)
        rows = _read_bodies(bodies)
        vmax = p.max_speed
        for i, (x, y, vx, vy) in enumerate(rows):
            speed = math.hypot(vx, vy)
            if speed > vmax:
                vx, vy = vx * vmax / speed, vy * vmax / speed
                bodies[i].velocity = (vx, vy)
                rows[i] = (x, y, vx, vy)
        return np.array(rows, dtype=np.float64)

    def _apply_forces(self, law: ForceLaw, h: float) -> None:
        """Set velocities and forces for one substep of velocity Verlet (see
        :func:`vin_gym.forces.verlet_kick`)."""
        n = len(self.bodies)
        cache = getattr(self, "_verlet", None)
        if cache is None or cache.shape[0] != n:
            cache = self._verlet = np.full((n, 5), np.nan)
        states = np.array(_read_bodies(self.bodies))  # (N, 4)
        kicks = verlet_kick(law, states, self._masses, h, cache)  # (N, 4): vx, vy, fx, fy
        for body, (vx, vy, fx, fy) in zip(self.bodies, kicks.tolist(), strict=True):
            if _cp is not None:
                _cp.cpBodySetVelocity(body._body, (vx, vy))
                _cp.cpBodySetForce(body._body, (fx, fy))
            else:  # pragma: no cover
                body.velocity, body.force = (vx, vy), (fx, fy)


def _read_bodies(bodies: list[pymunk.Body]) -> list[tuple[float, float, float, float]]:
    """x, y, vx, vy of each body."""
    if _cp is None:  # pragma: no cover
        return [(*b.position, *b.velocity) for b in bodies]
    out = []
    for b in bodies:
        pos, vel = _cp.cpBodyGetPosition(b._body), _cp.cpBodyGetVelocity(b._body)
        out.append((pos.x, pos.y, vel.x, vel.y))
    return out
