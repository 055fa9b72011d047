"""Pluggable pairwise force laws, vectorised in numpy over all object pairs.

A force law maps object positions ``(N, 2)`` and masses ``(N,)`` to the forces on each
object ``(N, 2)`` and reports the potential energy of a configuration, so that tests can
check energy conservation. The simulator applies the forces as pymunk body forces at
every substep. ``None`` as a force law means free motion (billiards, drift).

The three laws of the paper's systems are central: the force on object ``i`` is
``sum_j c[i, j] * (x[j] - x[i])`` with a coefficient ``c`` that depends on the distance
and the masses (positive pulls together, negative pushes apart). Each law computes its
``(N, N)`` coefficients from squared distances; one batched matrix product then sums
the pairs. Every law is conservative: its force is minus the gradient of its
:meth:`potential_energy`, which ``tests/test_systems.py`` checks by finite differences.

Units: lengths in table units, time in seconds, masses in arbitrary mass units (1 by
default); forces in mass * table units / s^2, energies in mass * (table units / s)^2.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np


class ForceLaw(Protocol):
    """A conservative pairwise interaction."""

    def forces(self, positions: np.ndarray, masses: np.ndarray) -> np.ndarray:
        """Forces ``(N, 2)`` on each object at ``positions`` ``(N, 2)``."""
        ...

    def potential_energy(self, positions: np.ndarray, masses: np.ndarray) -> float:
        """Total potential energy of the configuration."""
        ...


def pair_offsets(positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Offsets ``d[i, j] = x[j] - x[i]`` ``(N, N, 2)`` and distances ``(N, N)``."""
    d = positions[None, :, :] - positions[:, None, :]  # (N, N, 2)
    return d, np.sqrt(np.einsum("ijk,ijk->ij", d, d))


def _central_forces(d: np.ndarray, c: np.ndarray) -> np.ndarray:
    """``F[i] = sum_j c[i, j] * d[i, j]`` for offsets ``d`` (N, N, 2), coefficients (N, N).

    ``d[i, i]`` is exactly zero, so the diagonal of ``c`` never contributes.
    """
    # (N, 1, N) @ (N, N, 2) -> (N, 1, 2): one small matrix product per object
    return np.matmul(c[:, None, :], d)[:, 0, :]


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
class Springs:
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
        _check_positive("Springs", stiffness=self.stiffness, rest_length=self.rest_length)

    def forces(self, positions: np.ndarray, masses: np.ndarray) -> np.ndarray:
        d, r2 = _squared_offsets(positions)
        r = np.sqrt(r2 + _SPRING_SOFTENING2)
        c = self.stiffness - (self.stiffness * self.rest_length) / r  # k (r - L) / r
        return _central_forces(d, c)

    def potential_energy(self, positions: np.ndarray, masses: np.ndarray) -> float:
        _, r2 = _squared_offsets(positions)
        r = np.sqrt(r2 + _SPRING_SOFTENING2)
        return 0.5 * self.stiffness * _upper_pairs((r - self.rest_length) ** 2)


_SPRING_SOFTENING2 = 1e-12  # (table units)^2


@dataclass(frozen=True)
class Gravity:
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
        _check_positive("Gravity", strength=self.strength, softening=self.softening)

    def forces(self, positions: np.ndarray, masses: np.ndarray) -> np.ndarray:
        d, r2 = _squared_offsets(positions)
        s = r2 + self.softening**2
        c = (self.strength * np.multiply.outer(masses, masses)) / (s * np.sqrt(s))
        return _central_forces(d, c)

    def potential_energy(self, positions: np.ndarray, masses: np.ndarray) -> float:
        _, r2 = _squared_offsets(positions)
        u = -self.strength * np.multiply.outer(masses, masses) / np.sqrt(r2 + self.softening**2)
        return _upper_pairs(u)


@dataclass(frozen=True)
class Coulomb:
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
        _check_positive("Coulomb", strength=self.strength, softening=self.softening)

    def forces(self, positions: np.ndarray, masses: np.ndarray) -> np.ndarray:
        d, r2 = _squared_offsets(positions)
        s = r2 + self.softening**2
        c = -self.strength / (s * np.sqrt(s))
        return _central_forces(d, c)

    def potential_energy(self, positions: np.ndarray, masses: np.ndarray) -> float:
        _, r2 = _squared_offsets(positions)
        return self.strength * _upper_pairs(1.0 / np.sqrt(r2 + self.softening**2))
