"""Step time of each physical system at 3 and 6 objects, against Billiards-v0.

    python benchmarks/systems_throughput.py [--quick] [--obs-mode pixels] [--clock wall|cpu]
        [--json PATH]

Targets (issue #4): each system within 1.5x Billiards' step time at 3 objects and within
3x at 6; no system slower at 6 objects than twice its own 3-object time. Passive
episodes (zero pushes) of 64 steps from seeded resets, resets included. The envs are
timed in turns, several rounds, and each keeps its best round, so that load from other
processes disturbs the ratios as little as possible; ``--clock cpu`` times with this
process's CPU time instead of the wall clock, which load from other processes disturbs
far less.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import gymnasium as gym
import numpy as np
from tqdm import tqdm

import vin_gym  # noqa: F401  (registers the environments)
from vin_gym.provenance import load_average, machine_info
from vin_gym.seeds import TEST_SEED_BASE
from vin_gym.utils import format_table, write_json

SYSTEMS = (
    "Billiards-v0",
    "Springs-v0",
    "Gravity-v0",
    "MagneticBilliards-v0",
    "Drift-v0",
    "InvisibleSprings-v0",
    "VariableMassBilliards-v0",
    "VariableMassSprings-v0",
)


CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}


def time_round(env: gym.Env, steps: int, clock=time.perf_counter) -> float:
    """Seconds per step over ``steps`` passive steps in 64-step episodes."""
    action = np.zeros(2, dtype=np.float32)
    start = clock()
    done = 0
    while done < steps:
        env.reset(seed=done % TEST_SEED_BASE)  # development episodes only (vin_gym.seeds)
        for _ in range(64):
            env.step(action)
        done += 64
    return (clock() - start) / done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short runs (under a minute)")
    parser.add_argument("--obs-mode", default="pixels", choices=["pixels", "state"])
    parser.add_argument(
        "--clock", choices=sorted(CLOCKS), default="wall", help="wall clock or CPU time"
    )
    parser.add_argument(
        "--json", type=Path, default=Path("benchmarks/results/systems_throughput.json")
    )
    args = parser.parse_args()
    load_start = load_average()
    steps, rounds = (640, 3) if args.quick else (3200, 5)

    envs = {
        (env_id, n): gym.make(env_id, n_objects=n, obs_mode=args.obs_mode).unwrapped
        for env_id in SYSTEMS
        for n in (3, 6)
    }
    best = dict.fromkeys(envs, np.inf)
    for env in envs.values():  # warm-up: numba compilation, caches
        time_round(env, 64)
    for _ in tqdm(range(rounds), desc="rounds"):
        for key, env in envs.items():
            best[key] = min(best[key], time_round(env, steps, CLOCKS[args.clock]))

    rows = []
    for (env_id, n), seconds in best.items():
        us = seconds * 1e6
        rows.append(
            {
                "env": env_id,
                "objects": n,
                "steps/s": round(1 / seconds),
                "us/step": round(us, 1),
                "x Billiards": round(seconds / best[("Billiards-v0", n)], 2),
                "6 vs 3 objects": round(seconds / best[(env_id, 3)], 2) if n == 6 else "",
            }
        )
    print(f"clock: {args.clock}, obs_mode: {args.obs_mode}")
    print(format_table(rows))
    write_json(
        args.json,
        {
            "benchmark": "systems_throughput",
            "quick": args.quick,
            "obs_mode": args.obs_mode,
            "clock": args.clock,
            "machine": machine_info(load_start=load_start),
            "rows": rows,
        },
    )
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
