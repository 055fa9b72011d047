"""Closed-loop success of VIN-MPC on the skill task, for one or more checkpoints.

    python benchmarks/closed_loop.py --model RUN [RUN ...] [--label NAME ...]
        [--episodes 20] [--seed 1000] [--planner-seed 0] [--json PATH]

What ``vin-gym plan --model RUN --planner cem --population 100 --iterations 3
--horizon 15 --episodes N --seed 1000 --planner-seed 0`` does, on ``Billiards-v0`` with
the skill task's env arguments (``initial_speed=0, damping=1.0``, or ``--env-kwarg``),
which this branch's ``plan`` does not take yet: the env renders frames as each checkpoint
was trained on (size, goal ring) plus those arguments; episode ``i`` resets with seed
``--seed + i`` (development episodes: a range reaching the test episodes,
:mod:`vin_gym.seeds`, is refused), and the planner's generator is seeded with
``--planner-seed``, as in ``plan`` (runs before the split seeded it with ``--seed``: give
both the same value to redo one). ``--model oracle`` plans with the true simulator;
``--disagreement W`` plans an ensemble VIN's mean with W times its members' spread
subtracted from the rewards. Reports the success count with a 95% Wilson interval, the
mean return and the milliseconds per decision.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import gymnasium as gym
import torch

import vin_gym  # noqa: F401  (registers the environments)
from vin_gym.env_kwargs import parse_env_kwargs
from vin_gym.experiments.episodes import MPCPolicy, run_episodes, summarize
from vin_gym.experiments.pipeline import make_agent, vin_env_kwargs
from vin_gym.oracle import OracleWorldModel
from vin_gym.provenance import load_average, machine_info
from vin_gym.seeds import DEV_SEED_BASE, check_development
from vin_gym.utils import format_table, write_json
from vin_model.device import set_threads
from vin_model.world_model import VINWorldModel

#: The skill task's env arguments (objects at rest, damping 1/s).
SKILL_TASK: dict[str, Any] = {"initial_speed": 0.0, "damping": 1.0}


def evaluate(model_name: str, args: argparse.Namespace) -> dict[str, Any]:
    """Plan ``args.episodes`` episodes with one world model; the summary and episodes."""
    device = torch.device("cpu")
    kwargs = args.env_kwargs
    if model_name != "oracle":  # the VIN's frames, with what the command line sets winning
        kwargs = {**vin_env_kwargs(model_name, args.env_kwargs), **args.env_kwargs}
    obs_mode = "state" if model_name == "oracle" else "pixels"
    env = gym.make(args.env, obs_mode=obs_mode, **kwargs)
    if model_name == "oracle":
        model: Any = OracleWorldModel(env, device=device)
    else:
        model = VINWorldModel.load(
            model_name, device=device, env=env, disagreement=args.disagreement
        )
    overrides = {"population": args.population, "iterations": args.iterations}
    agent = make_agent(model, "cem", overrides, args.horizon, args.planner_seed)
    seeds = range(args.seed, args.seed + args.episodes)
    episodes, _ = run_episodes(
        env, MPCPolicy(env, agent), seeds, model_name, progress=False, final_distance=False
    )
    env.close()
    summary = summarize(episodes)
    k = sum(e["success"] for e in episodes)
    interval = [summary["ci_low"], summary["ci_high"]]
    return {**summary, "successes": k, "wilson95": interval, "per_episode": episodes}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--model", nargs="+", required=True, help="VIN checkpoints or 'oracle'")
    p.add_argument("--label", nargs="*", default=None, help="names of the models' rows")
    p.add_argument("--env", default="Billiards-v0")
    p.add_argument(
        "--env-kwarg",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="env argument over the skill task's (initial_speed=0, damping=1.0)",
    )
    p.add_argument("--episodes", type=int, default=20)
    p.add_argument("--seed", type=int, default=DEV_SEED_BASE, help="episode i resets with seed + i")
    p.add_argument("--planner-seed", type=int, default=0, help="seed of the planner's generator")
    p.add_argument("--population", type=int, default=100)
    p.add_argument("--iterations", type=int, default=3)
    p.add_argument("--horizon", type=int, default=15)
    p.add_argument(
        "--disagreement",
        type=float,
        default=0.0,
        help="ensemble VINs: weight of the members' spread subtracted from the rewards",
    )
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--json", type=Path, default=None)
    args = p.parse_args(argv)
    load_start = load_average()
    if args.episodes < 1:
        p.error(f"--episodes must be >= 1, got {args.episodes}")
    try:
        check_development(args.seed, args.episodes, "--seed")
    except ValueError as exc:
        p.error(str(exc))
    labels = args.label or args.model
    if len(labels) != len(args.model):
        p.error(f"--label needs one name per model ({len(args.model)})")
    try:
        args.env_kwargs = {**SKILL_TASK, **parse_env_kwargs(args.env, args.env_kwarg)}
    except ValueError as exc:
        p.error(str(exc))
    set_threads(args.threads)
    results = []
    for label, name in zip(labels, args.model, strict=True):
        results.append({"model": label, **evaluate(name, args)})
    rows = [
        {
            "model": r["model"],
            "success": f"{r['successes']}/{r['episodes']}",
            "wilson 95%": f"[{r['wilson95'][0]:.2f}, {r['wilson95'][1]:.2f}]",
            "mean return": f"{r['mean_return']:.1f}",
            "ms/decision": f"{r['ms_per_decision']:.0f}",
        }
        for r in results
    ]
    print(format_table(rows))
    if args.json:
        settings = {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()}
        write_json(
            args.json,
            {
                "settings": settings,
                "machine": machine_info(load_start=load_start),
                "results": results,
            },
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
