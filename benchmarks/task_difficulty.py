"""Does luck solve a system's task? Random, zero and oracle-MPC success per system.

    python benchmarks/task_difficulty.py [--envs ID ...] [--quick] [--json PATH]

A task measures skill only if doing nothing and pushing at random fail while a planner
over the true simulator succeeds. For every registered system (or ``--envs``), on fixed
development episodes (episode ``i`` resets with seed ``1000 + i``, :mod:`vin_gym.seeds`):

* **random**: uniform random pushes (``--episodes``, 100 by default; action seed 0);
* **zero**: no push at all (the same episodes);
* **oracle**: MPC with CEM (population 100, 3 iterations, horizon 15, replanning every
  step) over the true simulator, ``--oracle-episodes`` (20) per planner seed, for each of
  ``--oracle-seeds`` (0 1 2).

Each rate carries its 95% interval (Wilson for one seed, a bootstrap over seeds and
episodes for several; :mod:`vin_gym.stats`). A system is labelled *luck solves it* when
random or zero actions succeed in more than 5% of the episodes, *skill task* when, on top,
the oracle succeeds in at least 90%.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import torch
from tqdm import tqdm

import vin_gym  # noqa: F401  (registers the environments)
from vin_gym.baselines.callbacks import EVAL_SEED_BASE, eval_seeds
from vin_gym.experiments import pipeline as pipe
from vin_gym.oracle import OracleWorldModel
from vin_gym.provenance import load_average, machine_info
from vin_gym.registration import ENVIRONMENTS
from vin_gym.seeds import check_development
from vin_gym.stats import format_rate, success_summary
from vin_gym.utils import format_table, write_json

#: Oracle-MPC settings: the planner the skill task's definition is measured with.
ORACLE_PLANNER = {"population": 100, "iterations": 3}
ORACLE_HORIZON = 15
#: Luck: random or zero actions succeed more often than this.
LUCK_THRESHOLD = 0.05
#: Skill: the oracle succeeds at least this often.
ORACLE_THRESHOLD = 0.90


def measure(
    env_id: str,
    episodes: int,
    oracle_episodes: int,
    oracle_seeds: list[int],
    progress: bool = True,
) -> dict[str, Any]:
    """Random, zero and oracle success on ``env_id``'s defaults, with intervals."""
    env = gym.make(env_id, obs_mode="state")
    seeds = eval_seeds(episodes)
    start = time.perf_counter()
    rows: dict[str, Any] = {"env": env_id}
    random = pipe.random_episodes(env, seeds, np.random.default_rng(0))
    zero = pipe.zero_episodes(env, seeds)
    rows["outcomes"] = {
        "random": [[e["success"] for e in random]],
        "zero": [[e["success"] for e in zero]],
    }
    rows["random"] = success_summary(rows["outcomes"]["random"])
    rows["zero"] = success_summary(rows["outcomes"]["zero"])
    outcomes = []
    for seed in oracle_seeds:
        agent = pipe.make_agent(OracleWorldModel(env), "cem", ORACLE_PLANNER, ORACLE_HORIZON, seed)
        eps, _ = pipe.plan_episodes(
            env, agent, eval_seeds(oracle_episodes), f"{env_id} oracle s{seed}", progress=progress
        )
        outcomes.append([e["success"] for e in eps])
    rows["outcomes"]["oracle"] = outcomes
    rows["oracle"] = success_summary(outcomes)
    env.close()
    luck = max(rows["random"]["success_rate"], rows["zero"]["success_rate"]) > LUCK_THRESHOLD
    skill = not luck and rows["oracle"]["success_rate"] >= ORACLE_THRESHOLD
    verdict = "skill task" if skill else "hard for the oracle"
    rows["verdict"] = "luck solves it" if luck else verdict
    rows["wall_s"] = time.perf_counter() - start
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--envs", nargs="+", default=list(ENVIRONMENTS), help="env ids")
    parser.add_argument("--episodes", type=int, default=100, help="random and zero episodes")
    parser.add_argument("--oracle-episodes", type=int, default=20, help="per planner seed")
    parser.add_argument("--oracle-seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--quick", action="store_true", help="10 / 2 episodes, one seed")
    parser.add_argument("--json", type=Path, default=None, help="write the results here")
    args = parser.parse_args(argv)
    load_start = load_average()
    if args.quick:
        args.episodes, args.oracle_episodes, args.oracle_seeds = 10, 2, [0]
    for flag, n in (("--episodes", args.episodes), ("--oracle-episodes", args.oracle_episodes)):
        try:
            check_development(EVAL_SEED_BASE, n, f"{flag} {n}: the evaluation seed base")
        except ValueError as exc:
            parser.error(str(exc))
    torch.set_num_threads(1)
    results = []
    for env_id in tqdm(args.envs, desc="systems", unit="env"):
        results.append(measure(env_id, args.episodes, args.oracle_episodes, args.oracle_seeds))
    rows = [
        {
            "env": r["env"],
            "random": format_rate(r["random"]),
            "zero": format_rate(r["zero"]),
            "oracle-CEM": format_rate(r["oracle"]),
            "verdict": r["verdict"],
        }
        for r in results
    ]
    print(format_table(rows))
    if args.json is not None:
        config = {k: v for k, v in vars(args).items() if k != "json"}
        config["oracle_planner"] = {**ORACLE_PLANNER, "horizon": ORACLE_HORIZON}
        write_json(
            args.json,
            {"config": config, "machine": machine_info(load_start=load_start), "results": results},
        )
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
