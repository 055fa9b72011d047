"""Quickstart: plan in Billiards-v0 with the pretrained VIN world model and save a GIF.

The VIN shipped inside the package predicts how the balls move from the last six frames
and a candidate sequence of pushes; CEM picks the pushes whose predicted path brings the
green ball to the goal, one step at a time (model predictive control).

    python examples/quickstart.py                       # writes quickstart.gif
    python examples/quickstart.py --model RUN_DIR       # your own trained VIN instead
"""

from __future__ import annotations

import argparse
from pathlib import Path

import gymnasium as gym
import imageio.v3 as iio
import numpy as np
import torch
from PIL import Image, ImageDraw

import vin_gym  # noqa: F401  (registers the environments)
from planners import CEM, CEMConfig, MPCAgent, MPCConfig
from vin_gym import MPCPolicy, run_episode
from vin_model import VINWorldModel, pretrained


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", type=Path, default=None, help="a VIN run (default: pretrained)")
    p.add_argument("--seed", type=int, default=1000, help="the episode's reset seed")
    p.add_argument("--max-steps", type=int, default=100, help="episode step limit")
    p.add_argument("--population", type=int, default=100, help="CEM samples per iteration")
    p.add_argument("--horizon", type=int, default=12, help="planned steps ahead")
    p.add_argument("--out", type=Path, default=Path("quickstart.gif"))
    args = p.parse_args(argv)
    torch.set_num_threads(1)  # small networks on few cores: one thread is fastest

    # 1. The world model, and the env showing it the frames it learned from (32x32, no
    #    goal ring); render() draws a larger view for the GIF.
    model = pretrained.load("cpu") if args.model is None else VINWorldModel.load(args.model, "cpu")
    env = gym.make(
        "Billiards-v0",
        obs_mode="pixels",
        obs_size=model.config.frame_size,
        show_goal=False,
        render_mode="rgb_array",
        render_size=128,
        max_episode_steps=args.max_steps,
    )

    # 2. MPC: CEM over action sequences [population, horizon, 2], rolled out by the VIN.
    cem = CEM(
        -1.0, 1.0, CEMConfig(population=args.population, elites=max(2, args.population // 10))
    )
    agent = MPCAgent(model, cem, config=MPCConfig(horizon=args.horizon))

    # 3. Play one episode (the first 5 steps push nothing: the VIN needs 6 frames).
    #    MPCPolicy binds the episode's goal into the planning reward at the reset.
    frames: list[np.ndarray] = []
    episode = run_episode(env, MPCPolicy(env, agent), args.seed, frames)
    task, goal = env.unwrapped.task, env.unwrapped.goal

    # 4. The GIF, with the goal ring drawn in.
    x, y = goal * 128 / 10  # table units -> pixels (x: column, y: row)
    r = task.goal_radius * 128 / 10
    for i, frame in enumerate(frames):
        image = Image.fromarray(frame)
        ImageDraw.Draw(image).ellipse((x - r, y - r, x + r, y + r), outline="white")
        frames[i] = np.asarray(image)
    iio.imwrite(args.out, np.stack(frames), extension=".gif", duration=100, loop=0)
    result = {"success": episode["success"], "steps": episode["steps"], "gif": str(args.out)}
    print(f"success: {result['success']} after {result['steps']} steps; wrote {args.out}")
    env.close()
    return result


if __name__ == "__main__":
    main()
