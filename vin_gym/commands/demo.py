"""``vin-gym demo``: play Billiards-v0 with random pushes and write a GIF."""

from __future__ import annotations

import argparse
from pathlib import Path

from vin_gym.commands.common import add_json_arg, report


def add_parser(sub: argparse._SubParsersAction, name: str) -> None:
    p = sub.add_parser(
        name, help="play Billiards-v0 with random pushes and write a GIF", description=__doc__
    )
    p.add_argument("--env", default="Billiards-v0", help="environment id")
    p.add_argument("--steps", type=int, default=100, help="environment steps to play")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--size", type=int, default=128, help="GIF frame size in pixels")
    p.add_argument("--out", type=Path, default=Path("demo_out"), help="output directory")
    add_json_arg(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import gymnasium as gym
    import imageio.v3 as iio
    import numpy as np

    import vin_gym  # noqa: F401  (registers the environments)
    from vin_gym.utils import atomic_write

    if args.steps < 1:
        raise ValueError(f"--steps must be >= 1, got {args.steps}")
    env = gym.make(args.env, obs_mode="state", render_mode="rgb_array", render_size=args.size)
    rng = np.random.default_rng(args.seed)
    obs, info = env.reset(seed=args.seed)
    frames, total, successes, episodes = [env.render()], 0.0, 0, 1
    for _ in range(args.steps):
        obs, reward, terminated, truncated, info = env.step(rng.uniform(-1, 1, 2))
        total += reward
        frames.append(env.render())
        if terminated or truncated:
            successes += int(info["is_success"])
            episodes += 1
            env.reset()
    env.close()
    gif = args.out / "demo.gif"
    atomic_write(
        gif, lambda tmp: iio.imwrite(tmp, np.stack(frames), extension=".gif", duration=100, loop=0)
    )
    results = {
        "env": args.env,
        "steps": args.steps,
        "episodes": episodes,
        "successes": successes,
        "mean_reward": total / args.steps,
        "gif": str(gif),
    }
    report(results, [results], args.json)
    return 0
