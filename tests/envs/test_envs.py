"""Registry-driven checks: every registered environment gets all of these for free."""

import pickle
import subprocess
import sys
import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env as gym_check_env

import vin_gym
from vin_gym.registration import ENVIRONMENTS

ENV_IDS = sorted(ENVIRONMENTS)


def rollout(env: gym.Env, seed: int, steps: int) -> tuple[list, list]:
    obs, info = env.reset(seed=seed)
    rng = np.random.default_rng(seed)
    frames, states = [obs], [info["states"]]
    for _ in range(steps):
        obs, _, terminated, truncated, info = env.step(rng.uniform(-1, 1, 2).astype(np.float32))
        frames.append(obs)
        states.append(info["states"])
        if terminated or truncated:
            obs, info = env.reset()
    return frames, states


@pytest.mark.parametrize("env_id", ENV_IDS)
@pytest.mark.parametrize("obs_mode", ["pixels", "state", "dict"])
def test_gymnasium_check_env(env_id, obs_mode):
    env = gym.make(env_id, obs_mode=obs_mode, obs_size=32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gym_check_env(env.unwrapped, skip_render_check=False)
    env.close()


@pytest.mark.parametrize("env_id", ENV_IDS)
@pytest.mark.parametrize("obs_mode", ["pixels", "state"])
def test_sb3_check_env(env_id, obs_mode):
    sb3_env_checker = pytest.importorskip("stable_baselines3.common.env_checker")
    env = gym.make(env_id, obs_mode=obs_mode, obs_size=64)  # SB3's CNN needs >= 36 px
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sb3_env_checker.check_env(env, warn=True)


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_same_seed_same_episode(env_id):
    frames_a, states_a = rollout(gym.make(env_id, obs_size=32), seed=7, steps=200)
    frames_b, states_b = rollout(gym.make(env_id, obs_size=32), seed=7, steps=200)
    np.testing.assert_array_equal(np.stack(frames_a), np.stack(frames_b))
    np.testing.assert_array_equal(np.stack(states_a), np.stack(states_b))
    frames_c, _ = rollout(gym.make(env_id, obs_size=32), seed=8, steps=5)
    assert not np.array_equal(frames_a[0], frames_c[0])  # the seed matters


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_pickle_round_trip_continues_identically(env_id):
    env = gym.make(env_id, obs_size=32)
    env.reset(seed=3)
    for _ in range(5):
        env.step(np.array([0.5, -0.5], dtype=np.float32))
    clone = pickle.loads(pickle.dumps(env))
    for _ in range(30):
        a = np.array([0.3, 0.9], dtype=np.float32)
        obs, reward, *_ = env.step(a)
        obs2, reward2, *_ = clone.step(a)
        np.testing.assert_array_equal(obs, obs2)
        assert reward == reward2


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_render_modes(env_id):
    env = gym.make(env_id, render_mode="rgb_array", render_size=96)
    env.reset(seed=0)
    frame = env.render()
    assert frame.shape == (96, 96, 3) and frame.dtype == np.uint8 and frame.any()
    env.close()
    human = gym.make(env_id, render_mode="human", obs_mode="state")
    human.reset(seed=0)
    assert human.render() is None
    human.step(np.zeros(2, dtype=np.float32))
    human.close()


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_info_carries_states_goal_success(env_id):
    env = gym.make(env_id)
    obs, info = env.reset(seed=0)
    n = env.unwrapped.scene.n_objects
    assert info["states"].shape == (n, 4) and info["goal"].shape == (2,)
    assert isinstance(info["is_success"], bool)
    *_, info = env.step(np.zeros(2, dtype=np.float32))
    assert info["states"].shape == (n, 4)


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_make_vec(mode):
    envs = gym.make_vec("Billiards-v0", num_envs=8, vectorization_mode=mode, obs_size=32)
    obs, info = envs.reset(seed=0)
    assert obs.shape == (8, 32, 32, 3)
    obs, reward, terminated, truncated, info = envs.step(envs.action_space.sample())
    assert reward.shape == (8,) and info["states"].shape == (8, 3, 4)
    envs.close()


def test_registered_under_package_prefix_without_import():
    code = "import gymnasium as gym; e = gym.make('vin_gym:Billiards-v0'); print(e.spec.id)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "Billiards-v0"


def test_registry_lists_billiards():
    assert "Billiards-v0" in gym.registry and vin_gym.ENVIRONMENTS
