"""One GIF per physical system, at 3 and 6 objects, drawn by each env's own renderer.

    python examples/systems_gallery.py [--out docs/gallery] [--steps 64] [--size 96]

Each GIF is a passive episode (no pushes) from ``reset(seed=0)``, rendered with
``render_mode="rgb_array"`` at ``--size`` pixels, goal ring hidden.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import gymnasium as gym
import imageio.v3 as iio
import numpy as np
from tqdm import tqdm

import vin_gym  # noqa: F401  (registers the environments)
from vin_gym import atomic_write

SYSTEMS = (
    "Springs-v0",
    "Gravity-v0",
    "Billiards-v0",
    "MagneticBilliards-v0",
    "Drift-v0",
    "InvisibleSprings-v0",
    "VariableMassBilliards-v0",
    "VariableMassSprings-v0",
)


def episode_frames(env_id: str, n_objects: int, steps: int, size: int, background: str):
    """``steps + 1`` frames ``(size, size, 3)`` of a passive episode."""
    env = gym.make(
        env_id,
        n_objects=n_objects,
        obs_mode="state",
        render_mode="rgb_array",
        render_size=size,
        show_goal=False,
        background=background,
        max_episode_steps=steps + 1,
    )
    env.reset(seed=0)
    frames = [env.render()]
    for _ in range(steps):
        env.step(np.zeros(2, dtype=np.float32))
        frames.append(env.render())
    env.close()
    return frames


def gif_name(env_id: str, n_objects: int) -> str:
    """``"MagneticBilliards-v0"``, 3 -> ``"magnetic_billiards_3.gif"``."""
    stem = re.sub(r"(?<!^)(?=[A-Z])", "_", env_id.split("-")[0]).lower()
    return f"{stem}_{n_objects}.gif"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/gallery"), help="output folder")
    parser.add_argument("--steps", type=int, default=64, help="steps per episode")
    parser.add_argument("--size", type=int, default=96, help="frame size in pixels (32-256)")
    parser.add_argument("--background", default="plain", help="'plain' or 'textured'")
    parser.add_argument("--systems", nargs="+", default=list(SYSTEMS), help="env ids")
    args = parser.parse_args()

    jobs = [(env_id, n) for env_id in args.systems for n in (3, 6)]
    for env_id, n in tqdm(jobs, desc="gallery"):
        frames = episode_frames(env_id, n, args.steps, args.size, args.background)
        path = args.out / gif_name(env_id, n)
        atomic_write(
            path, lambda tmp, f=frames: iio.imwrite(tmp, f, extension=".gif", duration=100, loop=0)
        )
        tqdm.write(f"{path} ({path.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
