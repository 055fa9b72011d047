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
