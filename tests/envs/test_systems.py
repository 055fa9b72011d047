"""The paper's systems: force laws, conservation laws and each variant's invariant."""

import subprocess
import sys
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest

import vin_gym
from vin_gym import forces
from vin_gym.envs import InvisibleSprings, VariableMassBilliards
from vin_gym.physics import SceneState, SimParams, Simulator

SYSTEM_IDS = [
    "Springs-v0",
    "Gravity-v0",
    "MagneticBilliards-v0",
    "Drift-v0",
    "InvisibleSprings-v0",
    "VariableMassBilliards-v0",
    "VariableMassSprings-v0",
]
LAWS = [
    forces.SpringLaw(stiffness=0.7, rest_length=2.5),
    forces.GravityLaw(strength=2.0, softening=0.8),
    forces.CoulombLaw(strength=1.5, softening=0.3),
]
ROOT = Path(__file__).resolve().parents[2]


# -- force laws ------------------------------------------------------------------------------
@pytest.mark.parametrize("law", LAWS, ids=lambda law: type(law).__name__)
def test_force_is_minus_gradient_of_potential(law):
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 10, (5, 2))
    m = rng.uniform(0.5, 2.0, 5)
    f = law.forces(x, m)
    eps = 1e-6
    grad = np.zeros_like(x)
    for i in range(5):
        for k in range(2):
            dx = np.zeros_like(x)
            dx[i, k] = eps
            grad[i, k] = (law.potential_energy(x + dx, m) - law.potential_energy(x - dx, m)) / (
                2 * eps
            )
    np.testing.assert_allclose(f, -grad, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(f.sum(axis=0), 0.0, atol=1e-12)  # action equals reaction


def test_force_directions():
    x = np.array([[0.0, 0.0], [4.0, 0.0]])
    m = np.ones(2)
    assert forces.SpringLaw(1.0, 3.0).forces(x, m)[0, 0] > 0  # stretched: pulls together
    assert forces.SpringLaw(1.0, 5.0).forces(x, m)[0, 0] < 0  # compressed: pushes apart
    assert forces.GravityLaw().forces(x, m)[0, 0] > 0
    assert forces.CoulombLaw().forces(x, m)[0, 0] < 0
    heavy = forces.GravityLaw().forces(x, np.array([1.0, 3.0]))
    np.testing.assert_allclose(heavy, 3 * forces.GravityLaw().forces(x, m))


def test_coincident_objects_feel_finite_forces():
    x = np.array([[5.0, 5.0], [5.0, 5.0], [7.0, 5.0]])
    for law in LAWS:
        assert np.all(np.isfinite(law.forces(x, np.ones(3))))


@pytest.mark.parametrize("bad", [dict(stiffness=0.0), dict(rest_length=-1.0)])
def test_bad_constants_are_rejected(bad):
    with pytest.raises(ValueError, match=next(iter(bad))):
        forces.SpringLaw(**bad)


class _NumpySprings:
    """The Springs law through the plain ForceLaw protocol (no compiled fast path)."""

    def __init__(self, law):
        self.law = law

    def forces(self, positions, masses):
        return self.law.forces(positions, masses)

    def potential_energy(self, positions, masses):
        return self.law.potential_energy(positions, masses)


def test_generic_force_law_path_matches_the_compiled_one():
    rng = np.random.default_rng(1)
    state = SceneState(
        rng.uniform(3, 7, (4, 2)), rng.uniform(-1, 1, (4, 2)), np.ones(4), np.full(4, 0.3)
    )
    params = SimParams(collide=False)
    fast = Simulator(state, params, LAWS[0])
    generic = Simulator(state, params, _NumpySprings(LAWS[0]))
    for _ in range(20):
        a, b = fast.step(), generic.step()
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


# -- conservation ----------------------------------------------------------------------------
def _run_without_walls(env_id, state, steps=1000):
    """Energy and momentum drift over ``steps`` passive steps; asserts no wall is touched."""
    env = gym.make(env_id, obs_mode="state", max_episode_steps=None).unwrapped
    env.reset(seed=0, options={"state": state})
    sim = env.sim
    e0, p0 = sim.energy(), sim.momentum()
    scale = float(np.sum(state.masses * np.hypot(*state.velocities.T)))
    worst_e, worst_p, closest_wall, fastest = 0.0, 0.0, np.inf, 0.0
    for _ in range(steps):
        _, _, _, _, info = env.step(np.zeros(2, dtype=np.float32))
        s = info["states"]
        closest_wall = min(
            closest_wall, float(np.min(np.minimum(s[:, :2], 10 - s[:, :2]).T - state.radii))
        )
        fastest = max(fastest, float(np.max(np.hypot(s[:, 2], s[:, 3]))))
        worst_e = max(worst_e, abs(sim.energy() - e0) / abs(e0))
        worst_p = max(worst_p, float(np.max(np.abs(sim.momentum() - p0))) / scale)
    assert closest_wall > 0.05, "the scene must never touch a wall"
    assert fastest < env.sim_params.max_speed, "the speed cap must never act"
    return worst_e, worst_p


def test_springs_conserve_energy_and_momentum():
    # A stretched, spinning triangle with a little asymmetry; zero total momentum.
    angle = np.array([0.0, 2.1, 4.2])
    positions = 5 + 2.1 * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    velocities = 0.6 * np.stack([-np.sin(angle), np.cos(angle)], axis=1)
    velocities[0] += [0.3, -0.2]
    velocities -= velocities.mean(axis=0)
    state = SceneState(positions, velocities, np.ones(3), np.full(3, 0.8))
    energy, momentum = _run_without_walls("Springs-v0", state)
    assert energy < 0.01
    assert momentum < 0.01


def test_gravity_conserves_energy_and_momentum():
    # A bound three-body scene: objects within 2 units of the centre, slow, total momentum
    # zero. They swing through each other for 1,000 steps (kinetic energy from 0.2 to 4.3)
    # without reaching a wall (checked in _run_without_walls).
    rng = np.random.default_rng(2)
    positions, velocities = 5 + rng.uniform(-2, 2, (3, 2)), rng.uniform(-1, 1, (3, 2))
    velocities -= velocities.mean(axis=0)
    positions -= positions.mean(axis=0) - 5
    state = SceneState(positions, velocities, np.ones(3), np.full(3, 0.8))
    energy, momentum = _run_without_walls("Gravity-v0", state)
    assert energy < 0.01
    assert momentum < 0.01


@pytest.mark.parametrize("env_id", ["Springs-v0", "Gravity-v0"])
def test_random_scenes_conserve_energy_on_a_large_table(env_id):
    """The systems' own constants and reset distribution, walls moved far away."""
    env = gym.make(env_id, obs_mode="state").unwrapped
    params = SimParams(table_size=1000.0, max_speed=np.inf, collide=False)
    for seed in range(3):
        state = env.sample_scene(np.random.default_rng(seed))
        state.positions += 495.0  # the same scene in the middle of the large table
        sim = Simulator(state, params, env.make_force_law())
        e0 = sim.energy()
        worst = 0.0
        for _ in range(300):
            sim.step()
            worst = max(worst, abs(sim.energy() - e0))
        assert worst < 0.01 * abs(e0)


def test_forward_euler_would_not_conserve_energy():
    """Guards the integrator: forces at the current positions only gain energy fast."""
    state = SceneState([[4.0, 5.0], [6.5, 5.0]], [[0, 0.3], [0, -0.3]], [1, 1], [0.5, 0.5])
    law = forces.SpringLaw(2.0, 2.0)
    sim = Simulator(state, SimParams(collide=False, max_speed=np.inf), law)
    e0 = sim.energy()
    for _ in range(200):
        sim.step()
    assert abs(sim.energy() / e0 - 1) < 0.01
    # the naive scheme, for contrast
    sim = Simulator(state, SimParams(collide=False, max_speed=np.inf), None)
    h = sim.params.dt / sim.params.substeps
    for _ in range(200 * sim.params.substeps):
        f = law.forces(sim.positions(), sim.masses)
        for body, fi in zip(sim.bodies, f.tolist(), strict=True):
            body.force = fi
        sim.space.step(h)
    naive = 0.5 * np.sum(sim.velocities() ** 2) + law.potential_energy(sim.positions(), sim.masses)
    assert naive > 1.5 * e0


# -- per-system invariants -------------------------------------------------------------------
def _overlaps(env_id, push, seeds=6, steps=100, radius=0.8, **kwargs):
    """Deepest overlap of two objects (table units) and the number of touching pairs."""
    env = gym.make(env_id, n_objects=6, obs_mode="state", radius=radius, **kwargs).unwrapped
    rng = np.random.default_rng(0)
    worst, touching = 0.0, 0
    for seed in range(seeds):
        env.reset(seed=seed)
        radii = env.sim.radii
        touch = radii[:, None] + radii[None, :]
        for _ in range(steps):
            _, _, terminated, _, info = env.step(push * rng.uniform(-1, 1, 2))
            x = info["states"][:, :2]
            d = np.hypot(*(x[:, None, :] - x[None, :, :]).transpose(2, 0, 1))  # (N, N)
            np.fill_diagonal(d, np.inf)
            worst = max(worst, float(np.max(touch - d)))
            touching += int(np.sum(touch - d > 0)) // 2
            if terminated:
                break
    return worst, touching


def test_magnetic_billiards_never_overlap():
    worst, touching = _overlaps("MagneticBilliards-v0", push=0.0)
    assert worst < 0.02  # radius 0.8: at most the contact solver's slop
    # billiards moving as magnetic billiards does (the skill task starts at rest)
    _, billiards_touching = _overlaps("Billiards-v0", push=0.0, initial_speed=2.0, damping=0.0)
    assert touching < billiards_touching  # the repulsion keeps them apart
    # hard pushes drive the cue into the others: no deeper than in billiards' own bound
    worst_pushed, _ = _overlaps("MagneticBilliards-v0", push=1.0, seeds=3)
    assert worst_pushed < 0.3


def test_drift_velocities_change_only_at_walls():
    env = gym.make("Drift-v0", n_objects=6, obs_mode="state", initial_speed=4.0)
    changed = 0
    for seed in range(3):
        _, info = env.reset(seed=seed)
        radius = env.unwrapped.scene.radius
        prev = info["states"]
        for _ in range(60):
            _, _, terminated, truncated, info = env.step(np.zeros(2, dtype=np.float32))
            s = info["states"]
            dv = np.abs(s[:, 2:] - prev[:, 2:]).max(axis=1)
            near_wall = (np.minimum(s[:, :2], 10 - s[:, :2]).min(axis=1) < radius + 0.5) | (
                np.minimum(prev[:, :2], 10 - prev[:, :2]).min(axis=1) < radius + 0.5
            )
            assert np.all(dv[~near_wall] < 1e-9)  # objects pass through each other
            # walls reflect elastically: speed is kept
            np.testing.assert_allclose(
                np.hypot(s[:, 2], s[:, 3]), np.hypot(prev[:, 2], prev[:, 3]), rtol=1e-6
            )
            changed += int(np.sum(dv > 1e-6))
            prev = s
            if terminated or truncated:
                break
    assert changed > 0  # some wall bounces did happen


@pytest.mark.parametrize("mass_mode", ["hidden", "visible"])
def test_variable_mass_collisions_conserve_momentum(mass_mode):
    env = VariableMassBilliards(mass_mode=mass_mode, obs_mode="state")
    masses_seen = []
    for seed in range(4):
        _, info = env.reset(seed=seed)
        masses, radii = info["masses"], env.sim.radii
        masses_seen.append(masses)
        # objects 0 and 1 head for each other off-centre; object 2 rests in a corner
        positions = np.array([[2.5, 5.0], [7.5, 5.4], [8.5, 1.5]])
        velocities = np.array([[2.0, 0.0], [-1.0, 0.0], [0.0, 0.0]])
        _, info = env.reset(options={"state": SceneState(positions, velocities, masses, radii)})
        p0 = (masses[:, None] * info["states"][:, 2:]).sum(axis=0)
        for _ in range(12):
            _, _, _, _, info = env.step(np.zeros(2, dtype=np.float32))
        s = info["states"]
        assert s[0, 2] < 1.9, "the collision must have happened"
        assert np.all(np.minimum(s[:, :2], 10 - s[:, :2]).min(axis=1) > radii)  # no wall yet
        np.testing.assert_allclose((masses[:, None] * s[:, 2:]).sum(axis=0), p0, atol=1e-9)
    masses_seen = np.array(masses_seen)
    assert np.all((masses_seen >= 0.5) & (masses_seen <= 2.0))
    assert masses_seen.std() > 0.1  # masses really vary
    radii = env.sim.radii
    if mass_mode == "visible":
        np.testing.assert_allclose(radii**2 / masses_seen[-1], radii[0] ** 2 / masses_seen[-1][0])
    else:
        assert np.all(radii == radii[0])


def test_variable_mass_springs_pass_masses_to_the_simulation():
    env = gym.make("VariableMassSprings-v0", n_objects=6, obs_mode="state")
    _, info = env.reset(seed=3)
    np.testing.assert_array_equal(info["masses"], env.unwrapped.sim.masses)
    assert len(set(info["masses"].tolist())) == 6
    with pytest.raises(ValueError, match="mass_mode"):
        gym.make("VariableMassSprings-v0", mass_mode="heavy")


@pytest.mark.parametrize("background", ["plain", "textured"])
def test_invisible_object_is_absent_from_the_pixels(background):
    env = InvisibleSprings(background=background, obs_size=64)
    obs, info = env.reset(seed=3)
    hidden = int(np.flatnonzero(~info["visible"])[0])
    assert hidden >= 2 and info["visible"].sum() == 2  # never the cue or the target
    assert info["states"].shape == (3, 4)  # still simulated and reported
    goal = info["goal"]

    def frame(moved: int, to: tuple[float, float]) -> np.ndarray:
        x = info["states"].copy()
        x[moved, :2] = to
        obs, _ = env.reset(seed=3, options={"state": x, "goal": goal})
        return obs

    base = frame(hidden, (2.0, 2.0))
    np.testing.assert_array_equal(base, frame(hidden, (8.0, 8.0)))
    visible = 1 - (hidden == 1)  # any visible object
    assert not np.array_equal(base, frame(visible, (8.0, 8.0)))


def test_invisible_variant_hides_every_object_sometimes_with_hide_any():
    env = InvisibleSprings(hide_any=True, n_objects=3, obs_mode="state")
    hidden = {int(np.flatnonzero(~env.reset(seed=s)[1]["visible"])[0]) for s in range(30)}
    assert hidden == {0, 1, 2}
    with pytest.raises(ValueError, match="n_objects >= 3"):
        InvisibleSprings(n_objects=2)


# -- registration ----------------------------------------------------------------------------
@pytest.mark.parametrize("env_id", SYSTEM_IDS)
@pytest.mark.parametrize("n_objects", [3, 6])
def test_every_system_runs_with_3_and_6_objects(env_id, n_objects):
    assert env_id in vin_gym.ENVIRONMENTS
    env = gym.make(env_id, n_objects=n_objects, obs_size=32)
    obs, info = env.reset(seed=0)
    assert obs.shape == (32, 32, 3)
    for _ in range(64):  # a passive episode stays on the table and under the speed cap
        obs, _, _, _, info = env.step(np.zeros(2, dtype=np.float32))
    s = info["states"]
    assert s.shape == (n_objects, 4) and np.all(np.isfinite(s))
    assert np.all((s[:, :2] > 0) & (s[:, :2] < 10))
    assert info["visible"].shape == (n_objects,) and info["masses"].shape == (n_objects,)


def test_gallery_example_runs(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "examples" / "systems_gallery.py"),
            "--out",
            str(tmp_path),
            "--steps",
            "3",
            "--size",
            "32",
            "--systems",
            "Springs-v0",
            "Drift-v0",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    gifs = sorted(p.name for p in tmp_path.glob("*.gif"))
    assert gifs == ["drift_3.gif", "drift_6.gif", "springs_3.gif", "springs_6.gif"]
