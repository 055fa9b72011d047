"""Does luck solve a system's task? Random, zero and oracle-MPC success per system.

    python benchmarks/task_difficulty.py [--envs ID ...] [--episode-set dev|test]
        [--episodes N] [--oracle-episodes N] [--oracle-seeds S ...] [--jobs N] [--quick]
        [--json PATH]

A task measures skill only if doing nothing and pushing at random fail while a planner
over the true simulator succeeds. For every registered system (or ``--envs``), on the
episodes of ``--episode-set`` (``dev``, the default: seeds 1000 up, where design choices
are made; ``test``: seeds 100000 up, for reported figures only; :mod:`vin_gym.seeds`):

* **random**: uniform random pushes (``--episodes``, 100 by default; action seed 0);
* **zero**: no push at all (the same episodes);
* **oracle**: MPC with the project's default planner, iCEM with its default settings
  (population 100 shrinking by 1.25 per iteration, 10 elites, 3 iterations), over the
  default horizon of 25 steps, replanning every step, over the true simulator
  (:class:`vin_gym.oracle.OracleWorldModel`): ``--oracle-episodes`` (20) per planner
  seed, for each of ``--oracle-seeds`` (0 1 2).

Each rate carries its 95% interval (Wilson for one seed, a bootstrap over seeds and
episodes for several; :mod:`vin_gym.stats`). A system is a *skill task* when random
pushes succeed in at most 5% of the episodes, doing nothing in at most 2%, and the
oracle in at least 90%; *luck solves it* when random or zero succeed more often.

The work is cut in units (one system's random and zero episodes; one planner seed's
oracle episodes), each in its own env, ``--jobs`` of them side by side in processes; the
figures do not depend on ``--jobs``. The JSON records the command, the settings, the
machine, the run's ``wall_s`` and, per system, the outcomes of every episode, the rates
with intervals, the verdict and ``wall_s``, the seconds of its units added up.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from pathlib import Path
from typing import Any

SCRIPT = "benchmarks/task_difficulty.py"
#: Verdict thresholds: at most this much random / zero success, at least this much oracle.
RANDOM_THRESHOLD = 0.05
ZERO_THRESHOLD = 0.02
ORACLE_THRESHOLD = 0.90
EPISODE_SETS = ("dev", "test")


def oracle_settings() -> dict[str, Any]:
    """The oracle's planner: the project's default planner with its default config, over
    the default MPC horizon (what ``vin-gym plan`` uses unless told otherwise)."""
    from dataclasses import asdict

    from planners import PLANNERS, MPCConfig
    from vin_gym.experiments.episodes import DEFAULT_PLANNER

    config = PLANNERS[DEFAULT_PLANNER][1]()
    return {"planner": DEFAULT_PLANNER, "horizon": MPCConfig.horizon, **asdict(config)}


def verdict(random: float, zero: float, oracle: float) -> str:
    """``"skill task"``, ``"luck solves it"`` or ``"hard for the oracle"``.

    >>> verdict(0.05, 0.02, 0.90), verdict(0.06, 0.0, 1.0), verdict(0.0, 0.03, 1.0)
    ('skill task', 'luck solves it', 'luck solves it')
    >>> verdict(0.0, 0.0, 0.89)
    'hard for the oracle'
    """
    if random > RANDOM_THRESHOLD or zero > ZERO_THRESHOLD:
        return "luck solves it"
    return "skill task" if oracle >= ORACLE_THRESHOLD else "hard for the oracle"


def luck_outcomes(env: Any, seeds: list[int]) -> dict[str, list[list[bool]]]:
    """Success of uniform random pushes (action seed 0) and of no push, one episode per
    seed: ``{"random": [[...]], "zero": [[...]]}``."""
    import numpy as np

    from vin_gym.experiments import pipeline as pipe

    random = pipe.random_episodes(env, seeds, np.random.default_rng(0))
    zero = pipe.zero_episodes(env, seeds)
    return {"random": [[e["success"] for e in random]], "zero": [[e["success"] for e in zero]]}


def oracle_outcomes(
    env: Any, seeds: list[int], planner_seeds: list[int], progress: bool = True
) -> list[list[bool]]:
    """Success of the oracle (:func:`oracle_settings` over the true simulator), per planner
    seed, one episode per reset seed."""
    from vin_gym.experiments import pipeline as pipe
    from vin_gym.oracle import OracleWorldModel

    oracle = oracle_settings()
    overrides = {k: v for k, v in oracle.items() if k not in ("planner", "horizon")}
    outcomes = []
    for seed in planner_seeds:
        agent = pipe.make_agent(
            OracleWorldModel(env), oracle["planner"], overrides, oracle["horizon"], seed
        )
        desc = f"{env.spec.id if env.spec else 'env'} oracle s{seed}"
        eps, _ = pipe.plan_episodes(env, agent, seeds, desc, progress=progress)
        outcomes.append([e["success"] for e in eps])
    return outcomes


#: A unit of work, run in its own env (and process, with ``--jobs``): ``("luck", env id,
#: env kwargs, reset seeds, None)`` or ``("oracle", env id, env kwargs, reset seeds,
#: planner seed)``.
Unit = tuple[str, str, dict[str, Any], list[int], int | None]


def run_unit(unit: Unit) -> tuple[Any, float]:
    """The outcomes of one :data:`Unit` (:func:`luck_outcomes`, or one planner seed's
    oracle successes) and the seconds they took."""
    import gymnasium as gym
    import torch

    import vin_gym  # noqa: F401  (registers the environments)

    kind, env_id, kwargs, seeds, planner_seed = unit
    torch.set_num_threads(1)
    env = gym.make(env_id, obs_mode="state", **kwargs)
    start = time.perf_counter()
    if kind == "luck":
        outcomes: Any = luck_outcomes(env, seeds)
    else:
        outcomes = oracle_outcomes(env, seeds, [planner_seed], progress=False)[0]
    env.close()
    return outcomes, time.perf_counter() - start


def run_units(units: list[Unit], jobs: int = 1) -> list[tuple[Any, float]]:
    """:func:`run_unit` of each unit, in order; ``jobs`` processes side by side."""
    from vin_gym.utils import progress_bar

    if jobs == 1:
        return [run_unit(u) for u in progress_bar(units, desc="units", unit="unit")]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("spawn")  # no forked torch or numba state
    with ProcessPoolExecutor(jobs, mp_context=context) as pool:
        done = pool.map(run_unit, units)
        return list(progress_bar(done, total=len(units), desc="units", unit="unit"))


def summarise(
    env_id: str,
    env_kwargs: dict[str, Any],
    luck: dict[str, list[list[bool]]],
    oracle: list[list[bool]],
    seconds: float,
) -> dict[str, Any]:
    """One system's record: outcomes, rates with intervals, verdict, seconds of work."""
    from vin_gym.stats import success_summary

    outcomes = {**luck, "oracle": oracle}
    rows: dict[str, Any] = {"env": env_id, "env_kwargs": dict(env_kwargs), "outcomes": outcomes}
    for name, result in outcomes.items():
        rows[name] = success_summary(result)
    rows["verdict"] = verdict(*(rows[k]["success_rate"] for k in ("random", "zero", "oracle")))
    rows["wall_s"] = seconds
    return rows


def measure_all(
    envs: list[str],
    episode_set: str,
    episodes: int,
    oracle_episodes: int,
    oracle_seeds: list[int],
    jobs: int = 1,
) -> list[dict[str, Any]]:
    """:func:`summarise` of every env in ``envs`` (each with its defaults) on the first
    episodes of ``episode_set``; the oracle's units first, the longest work."""
    from vin_gym.seeds import episode_set as seeds_of

    luck_seeds, oracle_seeds_ = (
        seeds_of(episode_set, episodes),
        seeds_of(episode_set, oracle_episodes),
    )
    units: list[Unit] = [
        ("oracle", e, {}, oracle_seeds_, s) for e in envs for s in oracle_seeds
    ] + [("luck", e, {}, luck_seeds, None) for e in envs]
    done = dict(zip(((u[0], u[1], u[4]) for u in units), run_units(units, jobs), strict=True))
    results = []
    for e in envs:
        luck, seconds = done["luck", e, None]
        oracle = [done["oracle", e, s][0] for s in oracle_seeds]
        seconds += sum(done["oracle", e, s][1] for s in oracle_seeds)
        results.append(summarise(e, {}, luck, oracle, seconds))
    return results


def table_rows(results: list[dict[str, Any]]) -> list[dict[str, str]]:
    """The printed (and README) table of :func:`measure`'s results."""
    from vin_gym.stats import format_rate

    oracle = oracle_settings()
    name = f"oracle-{oracle['planner']}, horizon {oracle['horizon']}"
    return [
        {
            "env": f"`{r['env']}`",
            "random": format_rate(r["random"]),
            "zero": format_rate(r["zero"]),
            name: format_rate(r["oracle"]),
            "verdict": r["verdict"],
        }
        for r in results
    ]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--envs", nargs="+", default=None, help="env ids (default: every one)")
    p.add_argument(
        "--episode-set",
        default="dev",
        help="dev (seeds 1000 up, for design choices; default) or test (100000 up, to report)",
    )
    p.add_argument("--episodes", type=int, default=100, help="random and zero episodes")
    p.add_argument("--oracle-episodes", type=int, default=20, help="per planner seed")
    p.add_argument("--oracle-seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--jobs", type=int, default=1, help="processes side by side (default 1)")
    p.add_argument("--quick", action="store_true", help="10 / 2 episodes, one seed")
    p.add_argument("--json", type=Path, default=None, help="write the results here")
    args = p.parse_args(argv)
    if args.quick:
        args.episodes, args.oracle_episodes, args.oracle_seeds = 10, 2, [0]
    return args


def check_args(args: argparse.Namespace) -> str | None:
    """The one line that says what is wrong with the arguments, or ``None``."""
    from vin_gym.registration import ENVIRONMENTS, check_env_id
    from vin_gym.seeds import DEV_SEED_BASE, check_development

    if args.envs is None:
        args.envs = list(ENVIRONMENTS)
    for env_id in args.envs:
        try:
            check_env_id(env_id)
        except ValueError as exc:
            return f"--envs: {exc}"
    if args.episode_set not in EPISODE_SETS:
        return f"--episode-set {args.episode_set!r}: expected one of {', '.join(EPISODE_SETS)}"
    for flag in ("episodes", "oracle_episodes"):
        n = getattr(args, flag)
        if n < 1:
            return f"--{flag.replace('_', '-')} {n}: expected an integer >= 1"
        if args.episode_set == "dev":
            try:
                check_development(DEV_SEED_BASE, n, f"--{flag.replace('_', '-')} {n}: seed")
            except ValueError as exc:
                return str(exc)
    if args.jobs < 1:
        return f"--jobs {args.jobs}: expected an integer >= 1"
    if len(set(args.oracle_seeds)) != len(args.oracle_seeds) or len(set(args.envs)) != len(
        args.envs
    ):
        return (
            f"--envs / --oracle-seeds: a value is named twice in {args.envs} / {args.oracle_seeds}"
        )
    if any(s < 0 for s in args.oracle_seeds):
        return f"--oracle-seeds {args.oracle_seeds}: expected integers >= 0"
    if args.json is not None and args.json.is_dir():
        return f"--json {args.json}: is a directory; expected a file path"
    return None


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    problem = check_args(args)
    if problem is not None:
        print(f"task_difficulty.py: error: {problem}", file=sys.stderr)
        raise SystemExit(2)
    import torch

    from vin_gym.provenance import load_average, machine_info
    from vin_gym.utils import format_table, write_json

    command = shlex.join(["python", SCRIPT, *(sys.argv[1:] if argv is None else argv)])
    load_start = load_average()
    torch.set_num_threads(1)
    start = time.perf_counter()
    results = measure_all(
        args.envs,
        args.episode_set,
        args.episodes,
        args.oracle_episodes,
        args.oracle_seeds,
        args.jobs,
    )
    wall = time.perf_counter() - start
    print(format_table(table_rows(results)))
    if args.json is not None:
        config = {k: v for k, v in vars(args).items() if k != "json"}
        config["oracle_planner"] = oracle_settings()
        config["thresholds"] = {
            "random_at_most": RANDOM_THRESHOLD,
            "zero_at_most": ZERO_THRESHOLD,
            "oracle_at_least": ORACLE_THRESHOLD,
        }
        machine = machine_info(load_start=load_start)
        write_json(
            args.json,
            {
                "command": command,
                "config": config,
                "machine": machine,
                "wall_s": wall,
                "results": results,
            },
        )
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
