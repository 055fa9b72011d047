"""One agent builder: ``pipeline.make_agent`` sizes the plan from the world model, and
every command and benchmark that plans builds its agent with it."""

from __future__ import annotations

from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
import torch

import vin_gym  # noqa: F401  (registers the environments)
from vin_gym.experiments.pipeline import make_agent
from vin_gym.oracle import OracleWorldModel

ROOT = Path(__file__).resolve().parents[2]


class CubeModel:
    """A toy world model with 3-D actions: one object moved by the first two components,
    the third only read (its planned values must still be 3-D)."""

    device = torch.device("cpu")
    action_dim = 3

    def reset(self) -> None:
        self.seen = np.zeros(2, dtype=np.float32)

    def observe(self, obs, info) -> None:
        self.seen = np.asarray(obs, dtype=np.float32)

    def ready(self) -> bool:
        return True

    def rollout(self, actions: torch.Tensor) -> torch.Tensor:
        assert actions.shape[-1] == 3, actions.shape
        pos = torch.as_tensor(self.seen) + torch.cumsum(actions[..., :2], dim=1)  # [B, H, 2]
        return torch.cat([pos, actions[..., :2]], dim=-1)[:, :, None, :]  # [B, H, 1, 4]


def test_the_plan_has_the_models_action_size_not_two() -> None:
    agent = make_agent(CubeModel(), "cem", {"population": 16, "elites": 4}, horizon=4, seed=0)
    goal = torch.tensor([2.0, -1.0])
    agent.reset(lambda s: -(s[..., 0, :2] - goal).norm(dim=-1))
    action = agent.act(np.zeros(2, dtype=np.float32), {})
    assert agent.config.action_dim == 3
    assert action.shape == (3,) and agent.plan.shape == (4, 3)


def test_the_oracle_gives_the_envs_action_size() -> None:
    env = gym.make("Billiards-v0", obs_mode="state")
    model = OracleWorldModel(env)
    assert model.action_dim == env.action_space.shape[0] == 2
    assert make_agent(model, "icem", {}, horizon=3, seed=0).config.action_dim == 2
    env.close()


def test_a_model_without_an_action_size_is_refused_by_name() -> None:
    class Sizeless(CubeModel):
        action_dim = None

    with pytest.raises(ValueError, match="action_dim >= 1, got None from Sizeless"):
        make_agent(Sizeless(), "cem", {}, horizon=3, seed=0)


def test_same_seed_same_first_plan() -> None:
    def first_plan(seed: int) -> np.ndarray:
        agent = make_agent(CubeModel(), "icem", {"population": 16}, horizon=4, seed=seed)
        agent.reset(lambda s: -(s[..., 0, :2] - 1.0).norm(dim=-1))
        agent.act(np.zeros(2, dtype=np.float32), {})
        return agent.plan.numpy()

    assert np.array_equal(first_plan(3), first_plan(3))
    assert not np.array_equal(first_plan(3), first_plan(4))


@pytest.mark.parametrize(
    "path",
    ["vin_gym/experiments/mbrl.py", "vin_gym/commands/plan.py", "benchmarks/closed_loop.py"],
)
def test_no_second_agent_builder(path: str) -> None:
    # Each planning entry point builds its agent through make_agent: no MPCAgent, MPCConfig
    # or optimizer of its own (the copies this replaced hard-coded a 2-D action).
    text = (ROOT / path).read_text()
    assert "make_agent(" in text
    for copy in ("MPCAgent(", "MPCConfig(", "make_optimizer(", "action_dim=2"):
        assert copy not in text, f"{path} builds its own agent ({copy})"
