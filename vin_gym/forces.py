"""Pluggable pairwise force laws, vectorised in numpy over all object pairs.

A force law maps object positions ``(N, 2)`` and masses ``(N,)`` to the forces on each
object ``(N, 2)`` and reports the potential energy of a configuration, so that tests can
check energy conservation. The simulator applies the forces as pymunk body forces at
every substep. ``None`` as a force law means free motion (billiards, drift).
"""

from __future__ import annotations

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
