"""The task's numpy and torch definitions agree, and agree with the environment."""

import gymnasium as gym
import numpy as np
import torch

import vin_gym  # noqa: F401
from vin_gym.task import GoalTask


def test_numpy_and_torch_rewards_agree():
    task = GoalTask()
    rng = np.random.default_rng(0)
    states = rng.uniform(0, 10, (5, 7, 3, 4))
    goal = rng.uniform(2, 8, 2)
    expected = task.reward(states, goal)
    got = task.torch_reward(torch.as_tensor(states), torch.as_tensor(goal))
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-12)
    np.testing.assert_array_equal(
        task.torch_success(torch.as_tensor(states), torch.as_tensor(goal)).numpy(),
        task.success(states, goal),
    )


def test_torch_reward_equals_env_reward_on_the_same_states():
    env = gym.make("Billiards-v0", obs_mode="state")
    _, info = env.reset(seed=3)
    rng = np.random.default_rng(3)
    states, rewards = [], []
    for _ in range(50):
        _, reward, terminated, truncated, info = env.step(rng.uniform(-1, 1, 2))
        states.append(info["states"])
        rewards.append(reward)
        if terminated or truncated:
            break
    task = env.unwrapped.task
    got = task.torch_reward(torch.as_tensor(np.stack(states))[None], torch.as_tensor(info["goal"]))
    np.testing.assert_allclose(got[0].numpy(), rewards, rtol=1e-12, atol=1e-12)


def test_env_reports_the_tasks_numbers_to_the_last_bit():
    """The env's reward, success and distance are GoalTask's, at the reset and every step."""
    env = gym.make("Billiards-v0", obs_mode="state")
    _, info = env.reset(seed=0)
    task = env.unwrapped.task
    infos, rewards = [info], [None]
    rng = np.random.default_rng(0)
    for _ in range(100):  # (sqrt(dx^2 + dy^2) misses the env's distance in most steps here)
        _, reward, terminated, truncated, info = env.step(rng.uniform(-1, 1, 2))
        infos.append(info)
        rewards.append(reward)
        if terminated or truncated:
            break
    states = np.stack([i["states"] for i in infos])
    goal = infos[0]["goal"]
    assert [i["distance"] for i in infos] == task.distance(states, goal).tolist()
    assert [i["is_success"] for i in infos] == task.success(states, goal).tolist()
    assert rewards[1:] == task.reward(states[1:], goal).tolist()
    for i, r in zip(infos[1:], rewards[1:], strict=True):
        assert task.outcome(i["states"], goal) == (r, i["is_success"], i["distance"])


def test_float32_states_give_float32_distances():
    task = GoalTask()
    states = np.zeros((4, 3, 4), dtype=np.float32)
    assert task.distance(states, np.array([3.0, 4.0], dtype=np.float32)).dtype == np.float32
    assert task.distance(states[0], np.array([3.0, 4.0])) == 5.0
