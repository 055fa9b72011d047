"""The simulator: circular objects on a walled square table, integrated by pymunk.

Independent of Gymnasium. Units: lengths in table units (the table is ``table_size``
wide, 10 by default, like the seed's box), time in seconds, velocities in table units per
second, masses in arbitrary units.

Two ways to capture a state, with different guarantees:

* :meth:`Simulator.snapshot` / :meth:`Simulator.restore` copy the whole pymunk space,
  cached contact impulses included, so a restored simulator continues **bit for bit**
  like the original would have.
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

from vin_gym.forces import ForceLaw

try:  # pymunk's own cffi handle: reading a body through it is ~4x faster than Body.position
    from pymunk._chipmunk_cffi import lib as _cp
except ImportError:  # pragma: no cover - layout of another pymunk release
    _cp = None


@dataclass(frozen=True)
class SimParams:
    """Physical constants of a scene.

    Attributes:
        table_size: Side of the square table, in table units.
        dt: Duration of one simulator step (one environment step, one frame), seconds.
        substeps: pymunk steps per simulator step; enough that an object at
            ``max_speed`` moves at most a small fraction of its radius per substep.
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


@dataclass
class Snapshot:
    """An exact copy of a simulator (see :meth:`Simulator.snapshot`)."""

    space: pymunk.Space
    bodies: list[pymunk.Body] = field(repr=False)
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
            shape.filter = pymunk.ShapeFilter(
                categories=0b10, mask=0b11 if p.collide else 0b01
            )
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

    def snapshot(self) -> Snapshot:
        """An exact copy: restoring it continues bit for bit like this simulator."""
        space = self.space.copy()
        return Snapshot(space, _bodies_in_order(space, len(self.bodies)), self.time)

    def restore(self, snapshot: Snapshot) -> None:
        """Continue from ``snapshot`` exactly (the snapshot itself stays reusable)."""
        self.space = snapshot.space.copy()
        self.bodies = _bodies_in_order(self.space, len(snapshot.bodies))
        self._masses = np.array([b.mass for b in self.bodies])
        self._radii = np.array([next(iter(b.shapes)).radius for b in self.bodies])
        self.time = snapshot.time

    # -- dynamics ----------------------------------------------------------------------
    def push(self, index: int, delta_v: np.ndarray) -> None:
        """Add the velocity change ``delta_v`` (2,) to object ``index``."""
        body = self.bodies[index]
        vx, vy = body.velocity
        body.velocity = (vx + float(delta_v[0]), vy + float(delta_v[1]))

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
                forces = law.forces(self.positions(), self._masses)
                for body, f in zip(bodies, forces.tolist(), strict=True):
                    body.force = f
            space.step(h)
        self.time += p.dt
        rows = _read_bodies(bodies)
        vmax = p.max_speed
        for i, (x, y, vx, vy) in enumerate(rows):
            speed = math.hypot(vx, vy)
            if speed > vmax:
                vx, vy = vx * vmax / speed, vy * vmax / speed
                bodies[i].velocity = (vx, vy)
                rows[i] = (x, y, vx, vy)
        return np.array(rows, dtype=np.float64)


def _read_bodies(bodies: list[pymunk.Body]) -> list[tuple[float, float, float, float]]:
    """x, y, vx, vy of each body."""
    if _cp is None:  # pragma: no cover
        return [(*b.position, *b.velocity) for b in bodies]
    out = []
    for b in bodies:
        pos, vel = _cp.cpBodyGetPosition(b._body), _cp.cpBodyGetVelocity(b._body)
        out.append((pos.x, pos.y, vel.x, vel.y))
    return out


def _bodies_in_order(space: pymunk.Space, n: int) -> list[pymunk.Body]:
    bodies = list(space.bodies)
    if len(bodies) != n:
        raise RuntimeError(f"snapshot holds {len(bodies)} bodies, expected {n}")
    return bodies
