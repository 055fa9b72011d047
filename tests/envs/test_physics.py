"""The simulator: conservation, containment, and the two state-capture guarantees."""

import pickle

import numpy as np
import pytest

import vin_gym.physics as physics
from vin_gym import _chipmunk, forces
from vin_gym.envs.scenes import place_without_overlap
from vin_gym.physics import SceneState, SimParams, Simulator

OVERLAP_TOLERANCE = 0.25  # table units, documented in SimParams.substeps
WALL_TOLERANCE = 0.15


def random_scene(rng: np.random.Generator, n: int = 3, speed: float = 3.0) -> SceneState:
    radii = np.ones(n)
    return SceneState(
        place_without_overlap(rng, radii, 10.0),
        rng.uniform(-speed, speed, (n, 2)),
        np.ones(n),
        radii,
    )


def overlap_and_wall_depth(states: np.ndarray, radii: np.ndarray) -> tuple[float, float]:
    pos = states[:, :2]
    d = np.linalg.norm(pos[:, None] - pos[None], axis=-1)
    np.fill_diagonal(d, np.inf)
    overlap = float(np.max(radii[:, None] + radii[None] - d))
    wall = float(np.max(np.concatenate([radii[:, None] - pos, pos + radii[:, None] - 10.0])))
    return overlap, wall


def test_kinetic_energy_conserved_without_damping():
    sim = Simulator(random_scene(np.random.default_rng(1)))
    e0 = sim.kinetic_energy()
    for _ in range(10_000):
        sim.step()
    assert abs(sim.kinetic_energy() / e0 - 1) < 0.02


def test_damping_dissipates_energy():
    sim = Simulator(random_scene(np.random.default_rng(1)), SimParams(damping=0.5))
    e0 = sim.kinetic_energy()
    for _ in range(10):  # one second
        sim.step()
    assert sim.kinetic_energy() < e0 * np.exp(-2 * 0.5) * 1.01


def test_maximal_pushes_keep_objects_on_table_and_apart():
    rng = np.random.default_rng(2)
    sim = Simulator(random_scene(rng))
    worst_overlap = worst_wall = -np.inf
    for _ in range(10_000):
        push = rng.choice([-2.0, 2.0], size=2)  # the largest push, in a corner direction
        sim.push(0, push)
        states = sim.step()
        overlap, wall = overlap_and_wall_depth(states, sim.radii)
        worst_overlap, worst_wall = max(worst_overlap, overlap), max(worst_wall, wall)
        assert np.all(np.hypot(states[:, 2], states[:, 3]) <= sim.params.max_speed + 1e-9)
    assert worst_overlap < OVERLAP_TOLERANCE
    assert worst_wall < WALL_TOLERANCE


def test_snapshot_and_pickle_continue_bit_for_bit():
    # Captured mid-game (pushes, contacts with walls and objects), 40 times over: pymunk's
    # own space.copy() diverged in 5% of such captures (benchmarks/state_capture.py); our
    # snapshots never may.
    rng = np.random.default_rng(3)
    for _ in range(40):
        sim = Simulator(random_scene(rng, speed=6.0))
        for _ in range(int(rng.integers(1, 30))):
            sim.push(0, rng.uniform(-2, 2, 2))
            sim.step()
        snap = sim.snapshot()
        restored = Simulator(random_scene(np.random.default_rng(99)))
        restored.restore(snap)
        unpickled = pickle.loads(pickle.dumps(sim))
        pushes = rng.uniform(-2, 2, (20, 2))
        runs = []
        for s in (sim, restored, unpickled):
            runs.append(np.stack([(s.push(0, p), s.step())[1] for p in pushes]))
        assert np.array_equal(runs[0], runs[1]) and np.array_equal(runs[0], runs[2])
    again = Simulator(random_scene(np.random.default_rng(98)))
    again.restore(snap)  # a snapshot can be restored more than once
    np.testing.assert_array_equal(
        np.stack([(again.push(0, p), again.step())[1] for p in pushes]), runs[0]
    )


def test_array_state_gives_identical_continuations_and_small_drift():
    rng = np.random.default_rng(4)
    worst = 0.0
    for _ in range(20):
        sim = Simulator(random_scene(rng, speed=6.0))
        for _ in range(int(rng.integers(1, 40))):
            sim.step()
        state = sim.get_state()
        a, b = Simulator(state), Simulator(state.copy())
        ra = np.stack([a.step() for _ in range(20)])
        rb = np.stack([b.step() for _ in range(20)])
        assert np.array_equal(ra, rb)  # two fresh simulators agree exactly
        worst = max(worst, float(np.abs(ra - np.stack([sim.step() for _ in range(20)])).max()))
    # Only cached contact impulses differ from the uninterrupted run (documented figure).
    assert worst < 1e-2


def test_set_state_round_trip():
    state = random_scene(np.random.default_rng(5))
    sim = Simulator(state)
    got = sim.get_state()
    for name in ("positions", "velocities", "masses", "radii"):
        np.testing.assert_array_equal(getattr(got, name), getattr(state, name))


@pytest.mark.parametrize(
    ("law", "collide"),
    [
        (None, True),
        (forces.SpringLaw(), False),
        (forces.GravityLaw(), False),
        (forces.CoulombLaw(), True),
    ],
)
def test_compiled_step_matches_public_api_bit_for_bit(monkeypatch, law, collide):
    """The compiled step (vin_gym._chipmunk) and pymunk's public API give the same bits,
    with forces, collisions, unequal masses and pushes that reach the speed cap."""
    assert _chipmunk.available()  # otherwise both runs below take the public path
    rng = np.random.default_rng(6)
    scene = random_scene(rng, speed=6.0)
    state = SceneState(scene.positions, scene.velocities, rng.uniform(0.5, 2.0, 3), scene.radii)
    params = SimParams(collide=collide)
    pushes = rng.choice([-3.0, 3.0], size=(300, 2))
    runs = []
    for compiled in (True, False):
        monkeypatch.setattr(physics, "RAW_STEP", compiled)
        sim = Simulator(state, params, law)
        runs.append(np.stack([(sim.push(0, p), sim.step())[1] for p in pushes]))
    speeds = np.hypot(runs[0][..., 2], runs[0][..., 3])
    assert np.any(speeds == params.max_speed)  # the speed cap acted
    assert np.array_equal(runs[0], runs[1])


def test_without_the_compiled_path_results_are_the_same(monkeypatch):
    """Another pymunk build (the layout probe fails) falls back to the public API."""
    state = random_scene(np.random.default_rng(8), speed=6.0)
    pushes = np.random.default_rng(9).uniform(-3, 3, (100, 2))
    runs = []
    for compiled in (True, False):
        monkeypatch.setattr(_chipmunk, "available", lambda compiled=compiled: compiled)
        sim = Simulator(state, SimParams(), forces.CoulombLaw())
        assert (sim._handles is not None) == compiled
        runs.append(np.stack([(sim.push(0, p), sim.step())[1] for p in pushes]))
        runs.append(sim.object_states())
    np.testing.assert_array_equal(runs[0], runs[2])
    np.testing.assert_array_equal(runs[1], runs[3])


def test_push_indexes_objects_like_a_list():
    sim = Simulator(random_scene(np.random.default_rng(7)))
    before = sim.velocities()
    sim.push(-1, (1.0, 2.0))
    np.testing.assert_array_equal(sim.velocities()[2], before[2] + [1.0, 2.0])
    with pytest.raises(IndexError, match="object index 3 out of range for 3 objects"):
        sim.push(3, (1.0, 0.0))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(positions=[[1, 1]], velocities=[[np.nan, 0]], masses=[1], radii=[1]), "finite"),
        (dict(positions=[[1, 1]], velocities=[[0, 0]], masses=[0], radii=[1]), "positive"),
    ],
)
def test_bad_scene_state_is_rejected(kwargs, match):
    with pytest.raises(ValueError, match=match):
        SceneState(**kwargs)


def test_bad_params_are_rejected():
    with pytest.raises(ValueError, match="substeps"):
        SimParams(substeps=0)
    with pytest.raises(ValueError, match="dt"):
        SimParams(dt=-1.0)
