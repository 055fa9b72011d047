"""The shipped VIN plans on the skill task better than random pushes (slow: about 2 min)."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import vin_gym  # noqa: F401  (registers the environments)
from vin_gym.experiments import pipeline
from vin_gym.experiments.episodes import summarize

pytestmark = pytest.mark.slow

SEEDS = list(range(1000, 1010))


def test_the_shipped_vin_beats_random_pushes_on_fixed_seeds() -> None:
    from vin_model import pretrained

    env = gym.make("Billiards-v0", **pretrained.ENV_KWARGS)
    model = pretrained.load("cpu", env=env)
    from planners import MPCConfig
    from vin_gym.experiments.episodes import DEFAULT_PLANNER

    # the project's planner settings: CEMConfig's and MPCConfig's defaults
    agent = pipeline.make_agent(model, DEFAULT_PLANNER, {}, horizon=MPCConfig.horizon, seed=0)
    vin, _ = pipeline.plan_episodes(env, agent, SEEDS, progress=False)
    random_env = gym.make("Billiards-v0", obs_mode="state")
    random = pipeline.random_episodes(random_env, SEEDS, np.random.default_rng(0))
    wins, random_wins = (sum(e["success"] for e in eps) for eps in (vin, random))
    assert wins >= random_wins + 2, (wins, random_wins)
    assert summarize(vin)["success_rate"] >= 0.2
