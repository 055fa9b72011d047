"""The episode loop of an MPC agent, its summary, and the pieces an agent is built from.

* :func:`goal_fns`: the env task's batched reward and success with the episode's goal bound.
* :func:`make_optimizer`: a planner's optimizer over the action box from config overrides.
* :func:`run_episode` / :func:`summarize`: one episode of an agent, and the summary of many.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import gymnasium as gym
    import torch

    from planners import MPCAgent, Optimizer


def goal_fns(env: gym.Env, goal: np.ndarray, device: torch.device) -> tuple[Any, Any]:
    """The env task's batched reward and termination, with ``goal`` bound in."""
    import torch

    task = env.unwrapped.task
    goal_t = torch.as_tensor(np.asarray(goal), dtype=torch.float32, device=device)

    def reward_fn(states: torch.Tensor) -> torch.Tensor:
        return task.torch_reward(states, goal_t)

    def termination_fn(states: torch.Tensor) -> torch.Tensor:
        return task.torch_success(states, goal_t)

    return reward_fn, termination_fn


def make_optimizer(
    planner: str, overrides: dict[str, Any], generator: torch.Generator
) -> Optimizer:
    """An optimizer over the env's action box ``[-1, 1]`` with config ``overrides``."""
    from dataclasses import fields

    from planners import PLANNERS

    if planner not in PLANNERS:
        raise ValueError(f"planner must be one of {sorted(PLANNERS)}, got {planner!r}")
    cls, config_cls = PLANNERS[planner]
    known = {f.name for f in fields(config_cls)}
    config = config_cls(**{k: v for k, v in overrides.items() if k in known})
    return cls(-1.0, 1.0, config, generator=generator)


def run_episode(
    env: gym.Env, agent: MPCAgent, seed: int, frames: list[np.ndarray] | None = None
) -> dict[str, Any]:
    """One episode of ``agent`` in ``env`` from ``seed``; draws frames if a list is given."""
    obs, info = env.reset(seed=seed)
    device = agent.model.device
    agent.reset(*goal_fns(env, info["goal"], device))
    total, steps, success = 0.0, 0, False
    while True:
        action = agent.act(obs, info)
        if frames is not None:
            frames.append(draw_prediction(env, agent))
        obs, reward, terminated, truncated, info = env.step(action)
        total += float(reward)
        steps += 1
        success = bool(info["is_success"])
        if terminated or truncated:
            break
    if frames is not None:
        frames.append(env.render())
    times = agent.decision_times
    return {
        "seed": seed,
        "return": total,
        "steps": steps,
        "success": success,
        "decisions": len(times),
        "decision_s": float(sum(times)),
    }


def summarize(episodes: list[dict[str, Any]]) -> dict[str, Any]:
    """Success rate with its 95% Wilson interval, mean return, mean steps to success, ms
    per decision."""
    from vin_gym.stats import wilson_interval

    successes = [e for e in episodes if e["success"]]
    decisions = sum(e["decisions"] for e in episodes)
    low, high = wilson_interval(len(successes), len(episodes)) if episodes else (0.0, 1.0)
    return {
        "episodes": len(episodes),
        "success_rate": len(successes) / max(len(episodes), 1),
        "ci_low": low,
        "ci_high": high,
        "mean_return": float(np.mean([e["return"] for e in episodes])) if episodes else 0.0,
        "mean_steps_to_success": (
            float(np.mean([e["steps"] for e in successes])) if successes else None
        ),
        "ms_per_decision": (
            1000 * sum(e["decision_s"] for e in episodes) / decisions if decisions else None
        ),
        "decisions": decisions,
    }


def draw_prediction(env: gym.Env, agent: MPCAgent) -> np.ndarray:
    """The env's frame with the agent's predicted target path drawn as a yellow line."""
    from PIL import Image, ImageDraw

    frame = env.render()
    if agent.prediction is None:
        return frame
    base = env.unwrapped
    target = base.task.target
    pred = agent.prediction[agent.plan_step - 1 :, target, :2].cpu().numpy()  # [H', 2]
    scale = frame.shape[0] / base.sim_params.table_size
    start = base.sim.object_states()[target, :2]
    points = [tuple(p) for p in np.vstack([start, pred]) * scale]  # x -> column, y -> row
    image = Image.fromarray(frame)
    draw = ImageDraw.Draw(image)
    draw.line(points, fill=(255, 255, 0), width=max(1, frame.shape[0] // 128))
    for x, y in points[1:]:
        draw.ellipse((x - 1.5, y - 1.5, x + 1.5, y + 1.5), fill=(255, 255, 0))
    return np.asarray(image)
