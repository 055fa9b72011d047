"""The MPC agent: waiting for history, replanning, warm start, resets; and the oracle
planner solving easy episodes."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
import torch

import vin_gym  # noqa: F401  (registers the environments)
from planners import CEM, ICEM, CEMConfig, ICEMConfig, MPCAgent, MPCConfig, WorldModel
from vin_gym.experiments.episodes import MPCPolicy, goal_fns, run_episode, summarize
from vin_gym.oracle import OracleWorldModel


class PointModel:
    """A toy world model: one object whose position is the sum of the actions so far."""

    device = torch.device("cpu")

    def __init__(self, needs: int = 1) -> None:
        self.needs = needs
        self.reset()

    def reset(self) -> None:
        self.seen: list[np.ndarray] = []

    def observe(self, obs, info) -> None:
        self.seen.append(np.asarray(obs, dtype=np.float32))

    def ready(self) -> bool:
        return len(self.seen) >= self.needs

    def rollout(self, actions: torch.Tensor) -> torch.Tensor:
        pos = torch.as_tensor(self.seen[-1]) + torch.cumsum(actions, dim=1)  # [B, H, 2]
        vel = actions
        return torch.cat([pos, vel], dim=-1)[:, :, None, :]  # [B, H, 1, 4]


def point_reward(goal):
    goal = torch.tensor(goal)
    return lambda s: -(s[..., 0, :2] - goal).norm(dim=-1)


def make_agent(model, horizon=5, replan_every=1, optimizer=None):
    optimizer = optimizer or CEM(
        -1.0,
        1.0,
        CEMConfig(population=64, elites=8, iterations=4),
        torch.Generator().manual_seed(0),
    )
    config = MPCConfig(horizon=horizon, action_dim=2, replan_every=replan_every)
    return MPCAgent(model, optimizer, point_reward([3.0, -2.0]), config=config)


def test_zero_action_until_ready_then_plans():
    agent = make_agent(PointModel(needs=3))
    obs = np.zeros(2, dtype=np.float32)
    first = [agent.act(obs, {}) for _ in range(2)]
    assert all(np.array_equal(a, np.zeros(2)) for a in first)
    assert agent.plan is None and agent.decision_times == []
    action = agent.act(obs, {})
    assert action.shape == (2,) and action.dtype == np.float32
    assert action[0] > 0.5 and action[1] < -0.5  # toward the goal (3, -2)
    assert len(agent.decision_times) == 1


def test_replans_every_k_and_warm_starts_from_the_shifted_plan():
    seen_inits = []

    class Spy(CEM):
        def _optimize(self, objective, mean):
            seen_inits.append(mean.clone())
            return super()._optimize(objective, mean)

    spy = Spy(
        -1.0,
        1.0,
        CEMConfig(population=32, elites=4, iterations=2),
        torch.Generator().manual_seed(0),
    )
    agent = make_agent(PointModel(), horizon=6, replan_every=3, optimizer=spy)
    pos = np.zeros(2, dtype=np.float32)
    actions = []
    for _ in range(7):
        a = agent.act(pos, {})
        actions.append(a)
        pos = pos + a
    assert len(seen_inits) == 3  # steps 0, 3 and 6
    first_plan_actions = np.stack(actions[:3])
    # The second optimisation started from the first plan's last 3 actions, then zeros.
    assert torch.allclose(seen_inits[1][3:], torch.zeros(3, 2))
    assert not torch.allclose(seen_inits[1][:3], torch.zeros(3, 2))
    assert np.abs(first_plan_actions).max() <= 1.0


def test_reset_clears_plans_history_and_kept_elites():
    icem = ICEM(
        -1.0,
        1.0,
        ICEMConfig(population=32, elites=4, iterations=2),
        torch.Generator().manual_seed(0),
    )
    model = PointModel()
    agent = make_agent(model, optimizer=icem)
    agent.act(np.zeros(2, dtype=np.float32), {})
    assert icem._kept is not None and agent.plan is not None and model.seen
    agent.reset(point_reward([0.0, 0.0]))
    assert icem._kept is None and agent.plan is None and not model.seen
    assert agent.decision_times == []


def test_missing_reward_is_named():
    agent = MPCAgent(PointModel(), CEM(-1.0, 1.0), config=MPCConfig(horizon=3))
    with pytest.raises(ValueError, match="reward_fn"):
        agent.act(np.zeros(2, dtype=np.float32), {})


# Easy episodes: the target rests between the cue and the goal, the third ball far away.
EASY = [
    (np.array([[2.5, 5.0, 0, 0], [4.5, 5.0, 0, 0], [8.5, 1.5, 0, 0]]), [7.5, 5.0]),
    (np.array([[5.0, 2.5, 0, 0], [5.0, 4.5, 0, 0], [1.5, 8.5, 0, 0]]), [5.0, 7.5]),
]


@pytest.mark.parametrize("case", range(len(EASY)))
def test_oracle_cem_solves_easy_episodes(case):
    state, goal = EASY[case]
    env = gym.make("Billiards-v0", obs_mode="state")
    model = OracleWorldModel(env)
    optimizer = CEM(
        -1.0,
        1.0,
        CEMConfig(population=40, elites=6, iterations=3),
        torch.Generator().manual_seed(0),
    )
    agent = MPCAgent(model, optimizer, config=MPCConfig(horizon=10))
    obs, info = env.reset(seed=0, options={"state": state, "goal": goal})
    agent.reset(*goal_fns(env, info["goal"], model.device))
    for _step in range(40):
        obs, reward, terminated, truncated, info = env.step(agent.act(obs, info))
        if terminated:
            break
    assert info["is_success"], f"not solved in {_step + 1} steps, distance {info['distance']:.2f}"
    env.close()


def test_run_episode_and_summary():
    env = gym.make("Billiards-v0", obs_mode="state", max_episode_steps=5)
    agent = make_agent(OracleWorldModel(env), horizon=3)
    result = run_episode(env, MPCPolicy(env, agent), seed=1)
    assert result["steps"] == 5 and result["decisions"] == 5 and result["return"] < 0
    summary = summarize([result, {**result, "success": True, "steps": 3}])
    assert summary["success_rate"] == 0.5 and summary["mean_steps_to_success"] == 3
    assert summary["ms_per_decision"] > 0


def test_run_episode_takes_any_policy_and_an_mpc_agent_through_mpc_policy():
    env = gym.make("Billiards-v0", obs_mode="state", max_episode_steps=4, render_mode="rgb_array")
    seen = []
    zero = run_episode(env, lambda obs, info: seen.append(info["goal"]) or np.zeros(2), seed=2)
    assert zero["steps"] == 4 and zero["decisions"] == 0 and zero["decision_s"] == 0.0
    assert len(seen) == 4 and zero["return"] < 0
    # an MPCAgent through MPCPolicy: the same seed gives the same episode, frames drawn
    a, b = (make_agent(OracleWorldModel(env), horizon=3) for _ in range(2))
    frames: list[np.ndarray] = []
    wrapped = run_episode(env, MPCPolicy(env, a), 3, frames)
    again = run_episode(env, MPCPolicy(env, b), 3)
    assert {**wrapped, "decision_s": 0} == {**again, "decision_s": 0}
    assert wrapped["decisions"] == 4 and len(frames) == wrapped["steps"] + 1
    assert frames[0].shape == env.render().shape


def test_mpc_over_a_tiny_untrained_vin():
    from vin_model.config import VINConfig
    from vin_model.vin import VIN
    from vin_model.world_model import VINWorldModel

    torch.manual_seed(0)
    config = VINConfig(frame_size=32, code_size=4, conv_channels=4, hidden=8)
    model = VINWorldModel(VIN(config), device="cpu")
    assert isinstance(model, WorldModel)
    env = gym.make("Billiards-v0", obs_size=32)
    optimizer = CEM(
        -1.0,
        1.0,
        CEMConfig(population=16, elites=4, iterations=2),
        torch.Generator().manual_seed(0),
    )
    agent = MPCAgent(model, optimizer, config=MPCConfig(horizon=4))
    obs, info = env.reset(seed=0)
    agent.reset(*goal_fns(env, info["goal"], model.device))
    actions = []
    for _ in range(8):
        action = agent.act(obs, info)
        actions.append(action)
        obs, _, terminated, truncated, info = env.step(action)
        assert not terminated
    # 6 frames of history: the first 5 steps push nothing, then it plans every step.
    assert all(np.array_equal(a, np.zeros(2)) for a in actions[:5])
    assert len(agent.decision_times) == 3
    assert all(np.all(np.abs(a) <= 1) for a in actions)
    env.close()
