"""Environment throughput: steps/s through ``gym.make``, render-only frames/s, make_vec.

    python benchmarks/env_throughput.py [--quick] [--clock wall|cpu] [--json PATH]

One env runs in this process on one core (pymunk and the numba renderer are single
threaded). Actions are uniform random pushes; episodes reset when they end, and resets
are included in the timing. Targets (issue #3): 3 objects, 64 px >= 15,000 steps/s,
32 px >= 25,000, state only >= 50,000. ``--clock cpu`` times with this process's CPU
time instead of the wall clock: on a machine shared with other work it measures what one
core would do undisturbed (``make_vec`` rows always use the wall clock, since async
workers run in other processes). The other systems are measured against Billiards-v0 by
``benchmarks/systems_throughput.py``.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import gymnasium as gym
import numpy as np

import vin_gym
from vin_gym.provenance import load_average, machine_info
from vin_gym.utils import format_table, write_json

CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}
TARGETS = {"64 px pixels": 15_000, "32 px pixels": 25_000, "state only": 50_000}


def steps_per_second(
    env_id: str, steps: int, repeats: int, clock=time.perf_counter, **kwargs
) -> float:
    env = gym.make(env_id, **kwargs)
    env.reset(seed=0)
    actions = np.random.default_rng(0).uniform(-1, 1, (steps, 2)).astype(np.float32)
    for a in actions[:200]:  # warm-up: numba compilation, caches
        env.step(a)
    best = 0.0
    for _ in range(repeats):
        env.reset(seed=0)
        start = clock()
        for a in actions:
            _, _, terminated, truncated, _ = env.step(a)
            if terminated or truncated:
                env.reset()
        best = max(best, steps / (clock() - start))
    env.close()
    return best


def render_fps(size: int, n_objects: int, frames: int, clock=time.perf_counter) -> float:
    renderer = vin_gym.Renderer(size)
    rng = np.random.default_rng(0)
    positions = rng.uniform(1, 9, (frames, n_objects, 2))
    radii = np.ones(n_objects)
    goal = np.array([5.0, 5.0])
    renderer.render(positions[0], radii, goal=goal, goal_radius=1.0)
    start = clock()
    for p in positions:
        renderer.render(p, radii, goal=goal, goal_radius=1.0)
    return frames / (clock() - start)


def vec_steps_per_second(num_envs: int, steps: int, mode: str) -> float:
    envs = gym.make_vec("Billiards-v0", num_envs=num_envs, vectorization_mode=mode)
    envs.reset(seed=0)
    actions = np.random.default_rng(0).uniform(-1, 1, (steps, num_envs, 2)).astype(np.float32)
    for a in actions[:20]:
        envs.step(a)
    start = time.perf_counter()
    for a in actions:
        envs.step(a)
    elapsed = time.perf_counter() - start
    envs.close()
    return steps * num_envs / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short runs (under a minute)")
    parser.add_argument(
        "--clock", choices=sorted(CLOCKS), default="wall", help="wall clock or CPU time"
    )
    parser.add_argument("--json", type=Path, default=Path("benchmarks/results/env_throughput.json"))
    args = parser.parse_args()
    load_start = load_average()
    steps, repeats = (2_000, 2) if args.quick else (10_000, 3)
    clock = CLOCKS[args.clock]

    rows = []
    for label, kwargs in [
        ("64 px pixels", {}),
        ("32 px pixels", {"obs_size": 32}),
        ("state only", {"obs_mode": "state"}),
        ("64 px pixels, 6 objects", {"n_objects": 6}),
        ("state only, 6 objects", {"obs_mode": "state", "n_objects": 6}),
    ]:
        sps = steps_per_second("Billiards-v0", steps, repeats, clock, **kwargs)
        target = TARGETS.get(label)
        rows.append(
            {
                "env": "Billiards-v0",
                "setting": label,
                "steps/s": round(sps),
                "us/step": round(1e6 / sps, 1),
                "target": target or "",
                "met": ("yes" if sps >= target else "NO") if target else "",
            }
        )
    for size in (32, 64):
        fps = render_fps(size, 3, steps, clock)
        rows.append(
            {
                "env": "renderer only",
                "setting": f"{size} px, 3 objects",
                "steps/s": round(fps),
                "us/step": round(1e6 / fps, 1),
            }
        )
    for mode in ("sync", "async"):
        sps = vec_steps_per_second(8, steps // 8 if args.quick else steps // 4, mode)
        rows.append(
            {
                "env": "Billiards-v0",
                "setting": f"make_vec 8 envs {mode}, 64 px (wall)",
                "steps/s": round(sps),
                "us/step": round(1e6 / sps, 1),
            }
        )

    print(f"clock: {args.clock}")
    print(format_table(rows, ["env", "setting", "steps/s", "us/step", "target", "met"]))
    write_json(
        args.json,
        {
            "benchmark": "env_throughput",
            "quick": args.quick,
            "clock": args.clock,
            "machine": machine_info(load_start=load_start),
            "rows": rows,
        },
    )
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
