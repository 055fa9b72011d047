"""The skill-task ids of the force-law systems (vin_gym/envs/tasks.py)."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import vin_gym
from vin_gym.envs.tasks import PASSIVE_STEPS

TASKS = {
    "SpringsTask-v0": "Springs-v0",
    "GravityTask-v0": "Gravity-v0",
    "MagneticBilliardsTask-v0": "MagneticBilliards-v0",
    "VariableMassBilliardsTask-v0": "VariableMassBilliards-v0",
}


def _clearance(env: gym.Env, goal: np.ndarray) -> float:
    """Closest approach of the target's passive path (from the current state) to ``goal``."""
    base = env.unwrapped
    path = base.passive_path(base.sim.get_state())
    return float(np.hypot(*(path - goal).T).min())


@pytest.mark.parametrize("env_id", sorted(TASKS))
def test_task_ids_make_reset_step_from_rest_with_damping(env_id):
    assert env_id in vin_gym.ENVIRONMENTS
    env = gym.make(env_id, obs_size=32)
    obs, info = env.reset(seed=0)
    assert obs.shape == (32, 32, 3)
    assert np.all(info["states"][:, 2:] == 0)  # at rest
    assert env.unwrapped.sim_params.damping == 1.0
    # The same physics as the paper's id: same class family and force law.
    paper = gym.make(TASKS[env_id]).unwrapped
    assert isinstance(env.unwrapped, type(paper))
    assert env.unwrapped.make_force_law() == paper.make_force_law()
    obs, reward, terminated, truncated, info = env.step(np.array([1.0, 0.0], np.float32))
    assert info["states"][0, 2] > 0  # the cue was pushed
    assert -1.5 < reward <= 0.0 and not truncated


def test_the_paper_ids_keep_their_prediction_defaults():
    expected = {  # (damping, initial_speed) of the paper's prediction setting
        "Springs-v0": (0.0, 1.0),
        "Gravity-v0": (0.0, 1.0),
        "MagneticBilliards-v0": (0.0, 2.0),
        "VariableMassBilliards-v0": (0.0, 2.0),
        "VariableMassSprings-v0": (0.0, 1.0),
    }
    for env_id, (damping, speed) in expected.items():
        assert gym.spec(env_id).kwargs == {}
        env = gym.make(env_id).unwrapped
        assert (env.sim_params.damping, env.scene.initial_speed) == (damping, speed), env_id
        assert not hasattr(env, "goal_clearance")
        _, info = env.reset(seed=3)
        assert np.any(info["states"][:, 2:] != 0)  # moving, as in the paper


@pytest.mark.parametrize("env_id", sorted(TASKS))
def test_the_goal_keeps_clear_of_the_targets_passive_path(env_id):
    env = gym.make(env_id, obs_mode="state")
    for seed in range(5):
        _, info = env.reset(seed=seed)
        assert _clearance(env, info["goal"]) >= 3.0
        assert 1.5 <= info["goal"].min() and info["goal"].max() <= 8.5


@pytest.mark.parametrize("env_id", ["SpringsTask-v0", "GravityTask-v0"])
def test_doing_nothing_never_reaches_the_goal(env_id):
    env = gym.make(env_id, obs_mode="state")
    for seed in range(3):
        _, info = env.reset(seed=seed)
        start = info["states"][1, :2].copy()
        for _ in range(PASSIVE_STEPS):
            _, _, terminated, truncated, info = env.step(np.zeros(2, np.float32))
            assert not terminated and info["distance"] >= 3.0
        if env_id == "GravityTask-v0":  # the force law moves the target by itself
            assert np.hypot(*(info["states"][1, :2] - start)) > 0.1
        assert truncated


def test_goal_clearance_argument_and_reset_options():
    env = gym.make("SpringsTask-v0", obs_mode="state", goal_clearance=4.5)
    _, info = env.reset(seed=1)
    assert _clearance(env, info["goal"]) >= 4.5
    # A goal given to reset() is kept; a state given alone gets a goal clear of its path.
    env.reset(seed=2, options={"goal": [5.0, 5.0]})
    state = np.array([[2.0, 2.0, 0, 0], [5.0, 2.0, 0, 0], [3.5, 4.6, 0, 0]])
    _, info = env.reset(options={"state": state})
    assert not np.allclose(info["goal"], [5.0, 5.0])
    assert _clearance(env, info["goal"]) >= 4.5
    for bad in (-1.0, float("nan")):
        with pytest.raises(ValueError, match="goal_clearance"):
            gym.make("SpringsTask-v0", goal_clearance=bad)
    with pytest.raises(ValueError, match="smaller goal_clearance"):
        gym.make("GravityTask-v0", goal_clearance=20.0).reset(seed=0)


def test_same_seed_same_scene_and_goal():
    a, b = (gym.make("GravityTask-v0", obs_mode="state") for _ in range(2))
    for seed in (0, 7):
        (oa, ia), (ob, ib) = a.reset(seed=seed), b.reset(seed=seed)
        np.testing.assert_array_equal(oa, ob)
        np.testing.assert_array_equal(ia["goal"], ib["goal"])


def test_hidden_masses_by_default_in_the_variable_mass_task():
    env = gym.make("VariableMassBilliardsTask-v0", obs_mode="state")
    _, info = env.reset(seed=0)
    assert len(set(env.unwrapped.sim.radii.tolist())) == 1  # equal radii: mass not shown
    assert len(set(info["masses"].tolist())) == 3
