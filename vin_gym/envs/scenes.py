"""The scene an env starts from: objects placed at random without overlap, and the check
of a state given to ``reset(options={"state": ...})``."""

from __future__ import annotations

import numpy as np

from vin_gym.physics import SceneState, SimParams

#: Overlap of two objects (table units) that a given state may have: the deepest the
#: simulator itself produces (see ``SimParams.substeps``), so every state it reaches can
#: be restored. Deeper overlaps would push the objects apart at high speed.
MAX_OVERLAP = 0.25


def check_scene(state: SceneState, params: SimParams) -> None:
    """Refuse a state the simulator cannot keep on the table: colliding objects that
    overlap by more than :data:`MAX_OVERLAP`, or speeds above ``params.max_speed``.

    Raises:
        ValueError: Naming the objects and the valid range.
    """
    speeds = np.hypot(state.velocities[:, 0], state.velocities[:, 1])
    vmax = params.max_speed
    if (speeds > vmax * (1 + 1e-6)).any():
        i = int(np.argmax(speeds))
        raise ValueError(
            f"options['state'] gives object {i} speed {speeds[i]:.6g}; speeds must be at "
            f"most the cap max_speed={vmax:g} table units/s"
        )
    if not params.collide:
        return
    n = state.n_objects
    for i in range(n):
        d = np.hypot(*(state.positions[i + 1 :] - state.positions[i]).T)
        overlap = state.radii[i] + state.radii[i + 1 :] - d
        if n > i + 1 and overlap.max() > MAX_OVERLAP:
            j = i + 1 + int(np.argmax(overlap))
            raise ValueError(
                f"options['state'] overlaps objects {i} and {j} by {overlap.max():.3g} "
                f"table units (centres {d[j - i - 1]:.3g} apart, radii "
                f"{state.radii[i]:g} + {state.radii[j]:g}); at most {MAX_OVERLAP} is accepted"
            )


def place_without_overlap(
    rng: np.random.Generator, radii: np.ndarray, table_size: float, gap: float = 0.1
) -> np.ndarray:
    """Uniform positions ``(N, 2)`` with every object inside the table and no two within
    ``gap`` of touching (rejection sampling, one object at a time)."""
    n = len(radii)
    positions = np.zeros((n, 2))
    for i in range(n):
        for _ in range(10_000):
            p = rng.uniform(radii[i], table_size - radii[i], size=2)
            d = np.hypot(*(positions[:i] - p).T) if i else np.array([])
            if np.all(d > radii[:i] + radii[i] + gap):
                positions[i] = p
                break
        else:
            raise ValueError(
                f"could not place {n} objects of radii {radii.tolist()} without overlap "
                f"on a {table_size}x{table_size} table; use fewer or smaller objects"
            )
    return positions
