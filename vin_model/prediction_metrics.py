"""Long-rollout measures of a predictor: error curves, simple baselines, the
perfect-simulator bound and the plausibility of billiards rollouts.

Shapes: ``E`` test episodes, ``H`` rollout steps, ``N`` objects; states are rows of
``(x, y, vx, vy)`` in table units. Rollout step ``k`` (1-based, index ``k - 1``) is the
``k``-th state after the last visible frame; ``last`` is the true state at that frame.

* :func:`position_mse`: the mean squared position error per coordinate at every step
  (the seed's measure): the mean over episodes, objects and the two coordinates.
* :func:`baseline_predictions`: *constant position* (the last visible position),
  *constant velocity* (straight on at the last true velocity, through walls) and the
  *table centre* (every object at the table's centre, the best constant guess on a
  symmetric table).
* :func:`simulator_bound`: the **perfect-simulator bound**. A model that is exactly as
  wrong as the VIN after one step, and perfect from then on: the true state at step 1 is
  perturbed by Gaussian noise whose standard deviations are the VIN's measured step-1
  errors (position and velocity, per coordinate), and the true simulator, with the true
  masses and force law, rolls on from it. Its step-1 error is the noise itself; its later
  error is how fast the system amplifies that error. Where the system is chaotic
  (billiards), no model can do much better at long range except by hedging (moving its
  predictions toward the table's centre lowers the MSE without being physics), so the
  bound says which steps are predictable at all.
* :func:`plausibility`: for rollouts too long for MSE to judge, whether a prediction
  still looks physical, each figure against the truth over the same episodes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from vin_gym.forces import ForceLaw
from vin_gym.physics import SceneState, SimParams, Simulator

#: Steps reported in the summaries (those within the curve), plus the mean over 1-8.
SUMMARY_STEPS = (1, 8, 50, 100)

#: Extra distance (table units) beyond touching at which two objects count as in
#: contact in :func:`contact_events`: about what two objects at typical speeds (2 units/s
#: each, head on) close in one 0.1 s frame, so that a collision between frames is seen.
CONTACT_MARGIN = 0.4


def position_mse(
    pred: np.ndarray, true: np.ndarray, objects: np.ndarray | None = None
) -> np.ndarray:
    """Mean squared position error per coordinate at each step, ``[H]``.

    Args:
        pred: Predicted states ``[E, H, N, >=2]`` (only x, y are read).
        true: True states of the same shape.
        objects: Optional mask ``[N]`` or ``[E, N]``: average over these objects only
            (for example the hidden ones, ``~visible``).
    """
    pred, true = np.asarray(pred, np.float64), np.asarray(true, np.float64)
    if pred.shape[:3] != true.shape[:3]:
        raise ValueError(f"pred {pred.shape} and true {true.shape} differ in [E, H, N]")
    sq = np.square(pred[..., :2] - true[..., :2]).mean(-1)  # [E, H, N]
    if objects is None:
        return sq.mean(axis=(0, 2))
    mask = np.broadcast_to(np.asarray(objects, bool), (sq.shape[0], sq.shape[2]))
    if not mask.any():
        raise ValueError("objects selects no object")
    weights = mask[:, None, :].astype(np.float64)
    return (sq * weights).sum(axis=(0, 2)) / weights.sum()


def baseline_predictions(
    last: np.ndarray, horizon: int, dt: float, table_size: float
) -> dict[str, np.ndarray]:
    """Positions ``[E, H, N, 2]`` of the three baselines from the last visible true
    states ``last`` ``[E, N, 4]`` (see the module docstring)."""
    last = np.asarray(last, np.float64)
    steps = np.arange(1, horizon + 1, dtype=np.float64)[None, :, None, None]
    pos, vel = last[:, None, :, :2], last[:, None, :, 2:4]
    shape = (last.shape[0], horizon, last.shape[1], 2)
    return {
        "constant_position": np.broadcast_to(pos, shape).copy(),
        "constant_velocity": pos + steps * dt * vel,
        "table_centre": np.full(shape, table_size / 2),
    }


def step_summary(curve: Sequence[float]) -> dict[str, float]:
    """The curve at the steps of :data:`SUMMARY_STEPS` within it, and its mean over
    steps 1-8 (``{"step 1": ..., "mean 1-8": ...}``)."""
    curve = np.asarray(curve, np.float64)
    out = {f"step {s}": float(curve[s - 1]) for s in SUMMARY_STEPS if s <= len(curve)}
    out["mean 1-8"] = float(curve[:8].mean())
    return out


def first_step_at_or_above(curve: Sequence[float], reference: Sequence[float]) -> int | None:
    """The first rollout step (1-based) at which ``curve`` reaches ``reference`` (``None``:
    never within them). Of the bound against the table-centre guess: from that step on, a
    perfect model that starts as wrong as the VIN is no better than a constant guess, so
    the system is not predictable there.

    >>> first_step_at_or_above([0.1, 0.5, 2.0], [1.0, 1.0, 1.0])
    3
    """
    hit = np.nonzero(np.asarray(curve) >= np.asarray(reference))[0]
    return int(hit[0]) + 1 if len(hit) else None


def step1_errors(pred: np.ndarray, true: np.ndarray) -> dict[str, float]:
    """Standard deviations of a model's step-1 error per coordinate, position and
    velocity: ``sqrt`` of the mean squared error at step 1 of ``[E, H, N, 4]`` states."""
    diff = np.asarray(pred, np.float64)[:, 0] - np.asarray(true, np.float64)[:, 0]
    return {
        "position": float(np.sqrt(np.square(diff[..., :2]).mean())),
        "velocity": float(np.sqrt(np.square(diff[..., 2:4]).mean())),
    }


def perturb(
    states: np.ndarray,
    radii: np.ndarray,
    sigma_pos: float,
    sigma_vel: float,
    rng: np.random.Generator,
    params: SimParams,
) -> np.ndarray:
    """``states`` ``[E, N, 4]`` plus Gaussian noise (``sigma_pos`` on x, y; ``sigma_vel``
    on vx, vy), kept valid for the simulator: centres inside the walls (clipped to
    ``[r, table_size - r]``) and speeds at most ``params.max_speed`` (scaled down)."""
    out = np.array(states, np.float64, copy=True)
    out[..., :2] += rng.normal(0.0, 1.0, out[..., :2].shape) * sigma_pos
    out[..., 2:4] += rng.normal(0.0, 1.0, out[..., 2:4].shape) * sigma_vel
    r = np.asarray(radii, np.float64)[..., None]
    out[..., :2] = np.clip(out[..., :2], r, params.table_size - r)
    speed = np.hypot(out[..., 2], out[..., 3])
    scale = np.minimum(1.0, params.max_speed / np.maximum(speed, 1e-12))
    out[..., 2:4] *= scale[..., None]
    return out


def simulator_bound(
    start: np.ndarray,
    masses: np.ndarray,
    radii: np.ndarray,
    horizon: int,
    params: SimParams,
    force_law: ForceLaw | None,
    sigma_pos: float,
    sigma_vel: float,
    rng: np.random.Generator,
) -> np.ndarray:
    """The perfect simulator's predicted states ``[E, H, N, 4]`` (see the module
    docstring): step 1 is the true step-1 state ``start`` ``[E, N, 4]`` perturbed by
    :func:`perturb`, steps 2..H the true simulator rolled on from it.

    Args:
        start: True states at rollout step 1, ``[E, N, 4]``.
        masses: ``[E, N]`` true masses; radii: ``[E, N]``.
        horizon: Rollout steps H.
        params: The system's physical constants (``env.unwrapped.sim.params``).
        force_law: Its pairwise force law (``env.unwrapped.sim.force_law``).
        sigma_pos: Noise std per position coordinate (table units).
        sigma_vel: Noise std per velocity coordinate (table units/s).
        rng: Draws the noise.
    """
    noisy = perturb(start, radii, sigma_pos, sigma_vel, rng, params)
    e, n = noisy.shape[:2]
    out = np.empty((e, horizon, n, 4), np.float64)
    sim: Simulator | None = None
    for i in range(e):
        scene = SceneState(
            noisy[i, :, :2], noisy[i, :, 2:4], np.asarray(masses[i]), np.asarray(radii[i])
        )
        if sim is None:
            sim = Simulator(scene, params, force_law)
        else:
            sim.set_state(scene)
        out[i, 0] = noisy[i]
        for t in range(1, horizon):
            out[i, t] = sim.step()
    return out


def kinetic_energy(states: np.ndarray, masses: np.ndarray) -> np.ndarray:
    """Kinetic energy ``[E, ...]`` of states ``[E, ..., N, 4]`` with masses ``[E, N]``:
    ``0.5 * sum_i m_i |v_i|^2`` over the objects."""
    states = np.asarray(states, np.float64)
    m = np.asarray(masses, np.float64).reshape(states.shape[0], *[1] * (states.ndim - 3), -1)
    return 0.5 * (m * np.square(states[..., 2:4]).sum(-1)).sum(-1)


def contact_events(states: np.ndarray, radii: np.ndarray, margin: float = CONTACT_MARGIN):
    """Collisions seen in a trajectory: ``[E, T]``, the number of object pairs that
    *enter* contact at each step (centres closer than ``r_i + r_j + margin`` now, not at
    the step before; a pair already in contact at step 0 does not count there)."""
    pos = np.asarray(states, np.float64)[..., :2]  # [E, T, N, 2]
    r = np.asarray(radii, np.float64)
    i, j = np.triu_indices(pos.shape[2], 1)
    dist = np.linalg.norm(pos[:, :, i] - pos[:, :, j], axis=-1)  # [E, T, P]
    near = dist < (r[:, i] + r[:, j])[:, None, :] + margin
    entered = near[:, 1:] & ~near[:, :-1]
    return np.concatenate([np.zeros_like(near[:, :1]), entered], axis=1).sum(-1)


def plausibility(
    pred: np.ndarray,
    true: np.ndarray,
    masses: np.ndarray,
    radii: np.ndarray,
    table_size: float,
    steps: Sequence[int] = (100, 300),
    window: int = 50,
    collide: bool = True,
) -> dict[str, dict[str, Any]]:
    """Whether long rollouts look physical, per rollout step in ``steps`` (those within
    the rollout), each against the truth on the same episodes:

    * ``kinetic_energy_pred`` / ``kinetic_energy_true``: the mean over episodes of the
      total kinetic energy (true masses, predicted or true velocities) at that step, and
      ``kinetic_energy_ratio``, predicted over true (1: right; billiards conserve it).
    * ``outside_table``: the fraction of (episode, object) pairs whose predicted centre
      lies outside the table ``[0, table_size]^2`` at that step (the truth: always 0).
    * ``collisions_pred`` / ``collisions_true``: contact events (:func:`contact_events`)
      per episode in the ``window`` steps ending at that step, and their ratio
      (``None`` when the truth has none); only where objects ``collide``.

    Args:
        pred, true: States ``[E, T, N, 4]`` at rollout steps 1..T.
        masses, radii: ``[E, N]``.
    """
    pred, true = np.asarray(pred, np.float64), np.asarray(true, np.float64)
    out: dict[str, dict[str, Any]] = {}
    ke_p, ke_t = kinetic_energy(pred, masses), kinetic_energy(true, masses)  # [E, T]
    if collide:
        events_p, events_t = contact_events(pred, radii), contact_events(true, radii)
    for s in steps:
        if s > pred.shape[1]:
            continue
        k = s - 1
        pos = pred[:, k, :, :2]
        row: dict[str, Any] = {
            "kinetic_energy_pred": float(ke_p[:, k].mean()),
            "kinetic_energy_true": float(ke_t[:, k].mean()),
            "kinetic_energy_ratio": float(ke_p[:, k].mean() / ke_t[:, k].mean()),
            "outside_table": float(((pos < 0) | (pos > table_size)).any(-1).mean()),
        }
        if collide:
            lo = max(0, s - window)
            cp, ct = events_p[:, lo:s].sum(1).mean(), events_t[:, lo:s].sum(1).mean()
            row |= {
                "collision_window": [lo + 1, s],
                "collisions_pred": float(cp),
                "collisions_true": float(ct),
                "collision_ratio": float(cp / ct) if ct > 0 else None,
            }
        out[f"step {s}"] = row
    return out
