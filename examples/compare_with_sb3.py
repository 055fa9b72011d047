"""Train a Stable-Baselines3 agent on Billiards-v0 and compare it with random pushes.

Both are scored on the same fixed evaluation episodes (episode i resets with seed
``EVAL_SEED_BASE + i``), the episodes ``vin-gym compare`` gives every method, VIN-MPC
included. Needs the extra: ``pip install 'vin-gym[sb3]'``.

    python examples/compare_with_sb3.py                # PPO from state, 100k steps
    python examples/compare_with_sb3.py --obs pixels   # from 4 stacked 64x64 frames
    python examples/compare_with_sb3.py --tiny         # a smoke run of a few seconds
"""

from __future__ import annotations

import argparse
from pathlib import Path

import gymnasium as gym
import numpy as np

import vin_gym
from vin_gym import format_table, run_episode, summarize
from vin_gym.baselines import BaselineConfig, eval_seeds, train_baseline


def random_pushes(env_id: str, n_episodes: int, seed: int = 0) -> dict[str, float]:
    """Success rate and mean return of uniform random pushes on the evaluation seeds."""
    env = gym.make(env_id, obs_mode="state")
    rng = np.random.default_rng(seed)
    episodes = [
        run_episode(env, lambda obs, info: rng.uniform(-1, 1, 2), s) for s in eval_seeds(n_episodes)
    ]
    summary = summarize(episodes)
    return {"success_rate": summary["success_rate"], "mean_return": summary["mean_return"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--algo", default="ppo", choices=["ppo", "sac", "td3", "a2c"])
    parser.add_argument("--obs", default="state", choices=["state", "pixels"])
    parser.add_argument("--timesteps", type=int, default=100_000)
    parser.add_argument("--episodes", type=int, default=50, help="evaluation episodes")
    parser.add_argument("--out", type=Path, default=Path("runs/compare_with_sb3"))
    parser.add_argument("--tiny", action="store_true", help="a few hundred steps only")
    args = parser.parse_args()

    config = BaselineConfig(
        algo=args.algo,
        obs=args.obs,
        timesteps=args.timesteps,
        eval_episodes=args.episodes,
        out=args.out / f"{args.algo}_{args.obs}",
    )
    if args.tiny:
        config = BaselineConfig(
            algo=args.algo,
            obs=args.obs,
            timesteps=256,
            eval_episodes=3,
            n_envs=2,
            out=config.out,
            progress=False,
            checkpoints=False,
            hyperparams={"n_steps": 64, "batch_size": 64} if args.algo == "ppo" else {},
        )
    agent = train_baseline(config)
    rows = [
        {"method": "random", "env steps": 0, **random_pushes("Billiards-v0", config.eval_episodes)},
        {
            "method": f"{args.algo}-{args.obs}",
            "env steps": agent["timesteps"],
            "success_rate": agent["success_rate"],
            "mean_return": agent["mean_return"],
        },
    ]
    print(f"vin-gym {vin_gym.__version__}, {config.eval_episodes} evaluation episodes")
    print(format_table(rows))


if __name__ == "__main__":
    main()
