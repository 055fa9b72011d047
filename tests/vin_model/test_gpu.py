"""CUDA: the same code paths as on CPU, batched on the GPU (``python -m pytest -m gpu``).

Skipped by default and on machines without CUDA.
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
import torch

import vin_gym  # noqa: F401  (registers the environments)
from vin_gym.experiments.episodes import MPCPolicy, run_episode
from vin_gym.experiments.pipeline import make_agent
from vin_model import pretrained

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device"),
]


def test_the_shipped_vin_predicts_the_same_on_cuda_as_on_cpu() -> None:
    cpu, cuda = pretrained.load("cpu"), pretrained.load("cuda")
    env = gym.make("Billiards-v0", **pretrained.ENV_KWARGS)
    obs, info = env.reset(seed=0)
    for model in (cpu, cuda):
        model.reset()
        model.observe(obs, info)
    for _ in range(5):
        obs, _, _, _, info = env.step(np.zeros(2, dtype=np.float32))
        for model in (cpu, cuda):
            model.observe(obs, info)
    assert cpu.ready() and cuda.ready()
    actions = torch.rand(300, 25, 2, generator=torch.Generator().manual_seed(0)) * 2 - 1
    a = cpu.rollout(actions)
    b = cuda.rollout(actions.cuda()).cpu()
    assert a.shape == b.shape == (300, 25, 3, 4)
    assert torch.allclose(a, b, atol=1e-3, rtol=1e-3)


def test_mpc_with_the_shipped_vin_runs_batched_on_cuda() -> None:
    env = gym.make("Billiards-v0", max_episode_steps=12, **pretrained.ENV_KWARGS)
    agent = make_agent(pretrained.load("cuda"), "cem", {}, horizon=25, seed=0)
    episode = run_episode(env, MPCPolicy(env, agent), seed=1000)
    assert episode["steps"] == 12 and episode["decisions"] == 12 - 5
    assert np.isfinite(episode["return"])
