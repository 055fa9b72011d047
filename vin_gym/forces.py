"""Pluggable pairwise force laws, vectorised in numpy over all object pairs.

A force law maps object positions ``(N, 2)`` and masses ``(N,)`` to the forces on each
object ``(N, 2)`` and reports the potential energy of a configuration, so that tests can
check energy conservation. The simulator applies the forces as pymunk body forces at
every substep. ``None`` as a force law means free motion (billiards, drift).

The three laws of the paper's systems are central: the force on object ``i`` is
``sum_j c_ij * (x[j] - x[i])`` with a coefficient ``c_ij`` that depends on the distance
and the masses (positive pulls together, negative pushes apart). Potential energies are
vectorised in numpy over the ``(N, N)`` pairs. Forces are summed over the pairs by one
small compiled loop (:func:`_pair_forces`, numba): the simulator needs them twice per
substep, and for the few objects of a scene a compiled loop costs about a microsecond
where the equivalent numpy expression costs some 15 (a dozen small-array calls), which
made a force system several times slower than billiards. Each pair's force is added to
one object and subtracted from the other, so momentum is conserved to rounding. Every
law is conservative: its force is minus the gradient of its :meth:`potential_energy`,
which ``tests/envs/test_systems.py`` checks by finite differences.

Units: lengths in table units, time in seconds, masses in arbitrary mass units (1 by
default); forces in mass * table units / s^2, energies in mass * (table units / s)^2.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

import numba
import numpy as np


class ForceLaw(Protocol):
    """A conservative pairwise interaction."""

    def forces(self, positions: np.ndarray, masses: np.ndarray) -> np.ndarray:
        """Forces ``(N, 2)`` on each object at ``positions`` ``(N, 2)``."""
        ...

    def potential_energy(self, positions: np.ndarray, masses: np.ndarray) -> float:
        """Total potential energy of the configuration."""
        ...


_SPRINGS, _GRAVITY, _COULOMB = 0, 1, 2
_SPRING_SOFTENING2 = 1e-12  # (table units)^2: coincident objects feel no spring force


@numba.njit(cache=True, nogil=True)
def _pair_forces(x, masses, kind, strength, length):  # pragma: no cover - compiled
    """Forces ``(N, 2)`` of a central law over all pairs of positions ``x`` ``(N, 2)``.

    ``kind`` 0 springs (``strength`` stiffness, ``length`` rest length), 1 gravity and 2
    Coulomb (``strength`` the constant, ``length`` the softening length).
    """
    n = x.shape[0]
    f = np.zeros((n, 2))
    for i in range(n):
        for j in range(i + 1, n):
            dx = x[j, 0] - x[i, 0]
            dy = x[j, 1] - x[i, 1]
            r2 = dx * dx + dy * dy
            if kind == 0:
                r = math.sqrt(r2 + _SPRING_SOFTENING2)
                c = strength * (r - length) / r
            else:
                s = r2 + length * length
                c = strength / (s * math.sqrt(s))
                c = c * masses[i] * masses[j] if kind == 1 else -c
            f[i, 0] += c * dx
            f[i, 1] += c * dy
            f[j, 0] -= c * dx
            f[j, 1] -= c * dy
    return f


@numba.njit(cache=True, nogil=True)
def _verlet_kick(states, masses, cache, h, kind, strength, length):  # pragma: no cover
    """:func:`verlet_kick` for a central law, fused into one compiled call.

    ``cache`` ``(N, 5)`` holds, per object, the positions predicted by the last call, the
    forces there and the mass; its forces are reused when the objects arrived exactly
    there with the same masses (forces depend on nothing else), and it is updated.
    """
    n = states.shape[0]
    hit = True
    for i in range(n):
        if not (
            cache[i, 0] == states[i, 0] and cache[i, 1] == states[i, 1] and cache[i, 4] == masses[i]
        ):
            hit = False
    f0 = (
        cache[:, 2:4].copy() if hit else _pair_forces(states[:, :2], masses, kind, strength, length)
    )
    out = np.empty((n, 4))
    x1 = np.empty((n, 2))
    for i in range(n):
        for k in range(2):
            out[i, k] = states[i, 2 + k] + 0.5 * h * f0[i, k] / masses[i]
            x1[i, k] = states[i, k] + h * out[i, k]
    f1 = _pair_forces(x1, masses, kind, strength, length)
    for i in range(n):
        cache[i, 0], cache[i, 1] = x1[i, 0], x1[i, 1]
        cache[i, 2], cache[i, 3], cache[i, 4] = f1[i, 0], f1[i, 1], masses[i]
        out[i, 2], out[i, 3] = 0.5 * f1[i, 0], 0.5 * f1[i, 1]
    return out


def verlet_kick(
    law: ForceLaw, states: np.ndarray, masses: np.ndarray, h: float, cache: np.ndarray
) -> np.ndarray:
    """Set up one substep of velocity Verlet in pymunk's order of updates.

    pymunk moves positions with the current velocities, then adds ``force / mass * h``
    to them. So the velocities first get half a kick from the forces at the current
    positions, and the body forces are half the forces where the substep moves the
    objects. (Forces at the current positions alone would make the scheme forward Euler,
    whose energy grows without bound; velocity Verlet keeps the energy error bounded
    and O(h^2), see ``tests/envs/test_systems.py``.)

    Args:
        law: The force law.
        states: ``(N, 4)`` x, y, vx, vy now.
        masses: ``(N,)``.
        h: The substep, seconds.
        cache: ``(N, 5)`` float64 owned by the caller, NaN at first; it carries the
            forces at the predicted positions to the next substep (central laws).

    Returns:
        ``(N, 4)``: per object the velocity to set (vx, vy) and the force (fx, fy).
    """
    pair = getattr(law, "pair_law", None)
    if pair is not None:  # a central law of this module: one compiled call
        return _verlet_kick(states, masses, cache, h, *pair)
    m = masses[:, None]
    u = states[:, 2:] + (0.5 * h) * law.forces(states[:, :2], masses) / m
    return np.concatenate([u, 0.5 * law.forces(states[:, :2] + h * u, masses)], axis=1)


def _squared_offsets(positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Offsets ``(N, N, 2)`` and squared distances ``(N, N)``."""
    d = positions[None, :, :] - positions[:, None, :]  # (N, N, 2)
    return d, np.einsum("ijk,ijk->ij", d, d)


def _upper_pairs(values: np.ndarray) -> float:
    """Sum of ``values[i, j]`` over unordered pairs ``i < j``."""
    return float(np.sum(np.triu(values, k=1)))


def _check_positive(owner: str, **values: float) -> None:
    for name, value in values.items():
        if not (value > 0 and np.isfinite(value)):
            raise ValueError(f"{owner}.{name} must be positive and finite, got {value!r}")


@dataclass(frozen=True)
class SpringLaw:
    """Every pair of objects joined by one ideal spring (the paper's *Springs* system).

    The potential of a pair at distance ``r`` is ``stiffness / 2 * (r - rest_length)^2``.
    The distance is softened by ``1e-6`` table units, so two coincident objects (they pass
    through each other in Springs) feel no force instead of an undefined direction.

    Attributes:
        stiffness: Hooke's constant, force per unit of extension (mass / s^2).
        rest_length: Length at which a spring exerts no force (table units).
    """

    stiffness: float = 0.5
    rest_length: float = 3.0

    def __post_init__(self) -> None:
        _check_positive("SpringLaw", stiffness=self.stiffness, rest_length=self.rest_length)

    @property
    def pair_law(self) -> tuple[int, float, float]:
        return _SPRINGS, self.stiffness, self.rest_length

    def forces(self, positions: np.ndarray, masses: np.ndarray) -> np.ndarray:
        return _pair_forces(positions, masses, *self.pair_law)

    def potential_energy(self, positions: np.ndarray, masses: np.ndarray) -> float:
        _, r2 = _squared_offsets(positions)
        r = np.sqrt(r2 + _SPRING_SOFTENING2)
        return 0.5 * self.stiffness * _upper_pairs((r - self.rest_length) ** 2)


@dataclass(frozen=True)
class GravityLaw:
    """Softened Newtonian attraction between every pair (the paper's *Gravity* system).

    The potential of a pair is ``-strength * m_i * m_j / sqrt(r^2 + softening^2)``, so
    the force stays finite when objects pass through each other.

    Attributes:
        strength: The gravitational constant (table units^3 / (mass * s^2)).
        softening: Plummer softening length (table units); forces peak near this
            separation instead of diverging.
    """

    strength: float = 3.0
    softening: float = 1.0

    def __post_init__(self) -> None:
        _check_positive("GravityLaw", strength=self.strength, softening=self.softening)

    @property
    def pair_law(self) -> tuple[int, float, float]:
        return _GRAVITY, self.strength, self.softening

    def forces(self, positions: np.ndarray, masses: np.ndarray) -> np.ndarray:
        return _pair_forces(positions, masses, *self.pair_law)

    def potential_energy(self, positions: np.ndarray, masses: np.ndarray) -> float:
        _, r2 = _squared_offsets(positions)
        u = -self.strength * np.multiply.outer(masses, masses) / np.sqrt(r2 + self.softening**2)
        return _upper_pairs(u)


@dataclass(frozen=True)
class CoulombLaw:
    """Equal charges repelling by Coulomb's law (the paper's *Magnetic billiards*).

    Every object carries the same charge, whatever its mass. The potential of a pair is
    ``strength / sqrt(r^2 + softening^2)``, with ``strength`` the product of Coulomb's
    constant and the squared charge.

    Attributes:
        strength: Coulomb's constant times charge squared (mass * table units^3 / s^2).
        softening: Softening length (table units); objects collide before they get this
            close, so it only guards against a zero distance.
    """

    strength: float = 2.0
    softening: float = 0.1

    def __post_init__(self) -> None:
        _check_positive("CoulombLaw", strength=self.strength, softening=self.softening)

    @property
    def pair_law(self) -> tuple[int, float, float]:
        return _COULOMB, self.strength, self.softening

    def forces(self, positions: np.ndarray, masses: np.ndarray) -> np.ndarray:
        return _pair_forces(positions, masses, *self.pair_law)

    def potential_energy(self, positions: np.ndarray, masses: np.ndarray) -> float:
        _, r2 = _squared_offsets(positions)
        return self.strength * _upper_pairs(1.0 / np.sqrt(r2 + self.softening**2))
