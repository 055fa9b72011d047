"""The oracle world model: the true simulator behind the planners' protocol."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
import torch

import vin_gym  # noqa: F401  (registers the environments)
from planners import WorldModel
from vin_gym.oracle import OracleWorldModel

# Objects well apart and slow: no contact in the first steps, so the prediction is exact.
APART = np.array([[2.0, 2.0, 0.5, 0.0], [5.0, 5.0, 0.0, 0.3], [8.0, 8.0, -0.2, 0.0]])


@pytest.fixture
def env():
    e = gym.make("Billiards-v0", obs_mode="state")
    yield e
    e.close()


def test_follows_the_protocol(env):
    model = OracleWorldModel(env)
    assert isinstance(model, WorldModel)
    assert not model.ready()
    obs, info = env.reset(seed=0)
    model.observe(obs, info)
    assert model.ready()
    out = model.rollout(torch.zeros(7, 4, 2))
    assert out.shape == (7, 4, 3, 4) and out.dtype == torch.float32
    assert out.device == model.device
    model.reset()
    assert not model.ready()


def test_prediction_matches_the_env(env):
    model = OracleWorldModel(env, stop_on_success=False)
    obs, info = env.reset(seed=0, options={"state": APART, "goal": [9.0, 1.0]})
    model.observe(obs, info)
    actions = np.random.default_rng(0).uniform(-1, 1, (6, 2))
    # Two candidates: the real sequence and a different one, in one batch.
    batch = torch.tensor(np.stack([actions, -actions]), dtype=torch.float32)
    pred = model.rollout(batch).numpy()
    for t, a in enumerate(actions):
        obs, reward, terminated, truncated, info = env.step(a.astype(np.float32))
        np.testing.assert_allclose(pred[0, t], info["states"], atol=1e-5)
    assert not np.allclose(pred[1, -1], pred[0, -1])
    # The env moved on; the model predicts from the last observation only.
    model.observe(obs, info)
    again = model.rollout(torch.zeros(1, 1, 2)).numpy()
    assert np.linalg.norm(again[0, 0, 0, :2] - info["states"][0, :2]) < 1.0


def test_task_torch_reward_equals_env_reward(env):
    """The task's batched torch reward on the predicted states equals the env's rewards."""
    model = OracleWorldModel(env, stop_on_success=False)
    obs, info = env.reset(seed=3)
    model.observe(obs, info)
    actions = np.random.default_rng(1).uniform(-1, 1, (10, 2)).astype(np.float32)
    rewards, successes, states = [], [], []
    for a in actions:
        obs, reward, terminated, truncated, info = env.step(a)
        rewards.append(reward)
        successes.append(info["is_success"])
        states.append(info["states"])
        if terminated:
            break
    task, goal = env.unwrapped.task, torch.tensor(info["goal"])
    true_states = torch.tensor(np.stack(states))[None]  # [1, T, N, 4]
    torch.testing.assert_close(
        task.torch_reward(true_states, goal)[0], torch.tensor(rewards, dtype=torch.float64)
    )
    assert task.torch_success(true_states, goal)[0].tolist() == successes
    pred = model.rollout(torch.tensor(actions[: len(rewards)])[None])
    np.testing.assert_allclose(task.torch_reward(pred, goal)[0].numpy(), rewards, atol=1e-5)


def test_stop_on_success_freezes_the_terminal_state(env):
    # The target sits next to the goal and drifts into it: success after a step or two.
    state = APART.copy()
    state[1] = [5.0, 5.0, 8.0, 0.0]
    obs, info = env.reset(seed=0, options={"state": state, "goal": [7.5, 5.0]})
    fast, full = OracleWorldModel(env), OracleWorldModel(env, stop_on_success=False)
    fast.observe(obs, info)
    full.observe(obs, info)
    actions = torch.zeros(2, 8, 2)
    a, b = fast.rollout(actions), full.rollout(actions)
    success = env.unwrapped.task.torch_success(b, torch.tensor([7.5, 5.0]))[0]
    first = int(torch.nonzero(success)[0])
    assert first < 7
    torch.testing.assert_close(a[:, : first + 1], b[:, : first + 1])
    assert torch.equal(a[:, -1], a[:, first])  # frozen
    assert not torch.equal(b[:, -1], b[:, first])  # the real target moved on


def test_bad_use_is_named(env):
    model = OracleWorldModel(env)
    with pytest.raises(ValueError, match="before observe"):
        model.rollout(torch.zeros(1, 2, 2))
    obs, info = env.reset(seed=0)
    model.observe(obs, info)
    with pytest.raises(ValueError, match=r"\[B, H, 2\]"):
        model.rollout(torch.zeros(2, 2))
