"""Plan with a VIN world model: MPC with CEM on Billiards-v0, beside the oracle.

The VIN sees the env's frames; for its first 5 steps (it needs 6 frames) the agent pushes
nothing. The oracle plans with the true simulator: the upper bound for any learned model.

    python examples/plan_with_vin.py --checkpoint runs/vin     # a trained VIN
    python examples/plan_with_vin.py --tiny                    # untrained tiny VIN, seconds
"""

from __future__ import annotations

import argparse
from pathlib import Path

import gymnasium as gym
import torch

import vin_gym  # noqa: F401  (registers the environments)
from planners import CEM, CEMConfig, MPCAgent, MPCConfig
from vin_gym import MPCPolicy, OracleWorldModel, format_table, run_episode, summarize
from vin_model import VIN, VINConfig, VINWorldModel


def evaluate(agent: MPCAgent, env: gym.Env, seeds: list[int]) -> dict[str, float]:
    """Success rate, mean return and ms per decision of ``agent`` over ``seeds``."""
    # MPCPolicy binds each episode's goal into the agent's planning reward (batched torch).
    policy = MPCPolicy(env, agent)
    summary = summarize([run_episode(env, policy, seed) for seed in seeds])
    return {k: summary[k] for k in ("success_rate", "mean_return", "ms_per_decision")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", type=Path, default=None, help="a trained VIN run")
    parser.add_argument("--episodes", type=int, default=10)
    parser.add_argument("--tiny", action="store_true", help="untrained tiny VIN, tiny budgets")
    args = parser.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(1)  # small networks on few cores: one thread is fastest

    if args.checkpoint is not None:
        vin = VINWorldModel.load(args.checkpoint, device="cpu")
        # The env the VIN learned: its id, frame size, goal ring, background, push scale.
        env_id, env_kwargs = vin.record.env_id or "Billiards-v0", vin.env_kwargs()
    else:
        print("no --checkpoint: using an UNTRAINED VIN (it will plan badly)")
        config = VINConfig(hidden=8, code_size=4, conv_channels=4) if args.tiny else VINConfig()
        vin = VINWorldModel(VIN(config), device="cpu")
        env_id, env_kwargs = "Billiards-v0", {"obs_size": vin.config.frame_size}
    episodes = 1 if args.tiny else args.episodes
    cem = CEMConfig(population=16, elites=4, iterations=2) if args.tiny else CEMConfig()
    mpc = MPCConfig(horizon=4 if args.tiny else 15)
    max_steps = 10 if args.tiny else None
    seeds = list(range(episodes))

    rows = []
    for name in ("vin", "oracle"):
        obs_mode = "pixels" if name == "vin" else "state"
        kwargs = env_kwargs | {"obs_mode": obs_mode}
        env = gym.make(env_id, max_episode_steps=max_steps, **kwargs)
        if name == "vin" and args.checkpoint is not None:
            vin.check_env(env)  # a ValueError naming any setting that does not fit
        model = vin if name == "vin" else OracleWorldModel(env)
        optimizer = CEM(-1.0, 1.0, cem, generator=torch.Generator().manual_seed(0))
        agent = MPCAgent(model, optimizer, config=mpc)
        rows.append({"model": name, **evaluate(agent, env, seeds)})
        env.close()
    print(format_table(rows))


if __name__ == "__main__":
    main()
