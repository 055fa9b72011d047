"""``vin-gym compare``: VIN-MPC against random actions, oracle-MPC and SB3 agents.

Every method is scored on the same fixed evaluation episodes (episode i resets with seed
``--seed-base + i``; 1000 as in ``vin_gym.baselines``), and placed at the number of
environment steps it used:

* ``random``: uniform random actions (0 steps);
* ``oracle-<planner>``: MPC with the true simulator as its model (0 steps, no data);
* ``vin-<planner>``: MPC with a VIN trained on D steps of push data (D from
  ``--data-steps``), for ``--train-minutes``;
* SB3 agents: read from baseline run directories (``vin-gym baseline``), at each of
  their evaluation points.

Each (method, data budget, seed) cell is written to OUT/cells/NAME.json as it finishes;
run the same command again and finished cells are reused (``--force`` redoes them), as
are collected datasets and trained VINs under ``--work``. ``--no-run`` runs nothing and
summarizes the finished cells, listing the missing ones. A cell is reused only if it ran
on the same physics (:mod:`vin_gym.fingerprint`); SB3 runs from other physics, and
unfinished ones (unless ``--sb3-partial``), are left out. The summary: OUT/compare.md (a
table of mean ± std over seeds, the steps each SB3 agent needs to match VIN-MPC, the
VIN cells' training steps, the commands, package versions and machine), OUT/compare.json
and OUT/compare.png (success rate against environment steps, log x).
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from vin_gym.commands.common import add_device_args, add_json_arg, report

METHODS = ("random", "oracle", "vin", "sb3")
DEFAULT_SB3_RUNS = Path("runs/sb3")


def add_parser(sub: argparse._SubParsersAction, name: str) -> None:
    from vin_gym.baselines.callbacks import EVAL_SEED_BASE

    p = sub.add_parser(
        name,
        help="the headline experiment: VIN-MPC vs random, oracle-MPC and SB3 agents",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--env", default="Billiards-v0", help="environment id")
    p.add_argument(
        "--methods", nargs="+", default=list(METHODS), choices=METHODS, help="methods to run"
    )
    p.add_argument("--episodes", type=int, default=50, help="evaluation episodes per cell")
    p.add_argument(
        "--seed-base", type=int, default=EVAL_SEED_BASE, help="episode i resets with this + i"
    )
    p.add_argument(
        "--seeds", type=int, nargs="+", default=[0, 1, 2], help="seeds (data, training, planner)"
    )
    p.add_argument(
        "--data-steps",
        type=int,
        nargs="+",
        default=[10_000, 30_000, 100_000],
        metavar="D",
        help="VIN-MPC: environment steps of exploration data",
    )
    p.add_argument(
        "--episode-steps", type=int, default=49, help="VIN data: env steps per collected episode"
    )
    p.add_argument("--obs-size", type=int, default=32, help="VIN data: frame size")
    p.add_argument("--train-minutes", type=float, default=10.0, help="VIN training time budget")
    p.add_argument("--train-steps", type=int, default=None, help="VIN training steps at most")
    p.add_argument("--batch-size", type=int, default=100, help="VIN training clips per step")
    p.add_argument("--rollout", type=int, default=16, help="VIN training rollout steps (max)")
    p.add_argument("--planner", default="cem", choices=("cem", "icem", "mppi", "random"))
    p.add_argument("--horizon", type=int, default=12, help="planning horizon H")
    p.add_argument("--population", type=int, default=100, help="planner samples per iteration")
    p.add_argument("--elites", type=int, default=10, help="elites (cem, icem)")
    p.add_argument("--iterations", type=int, default=3, help="planner iterations per decision")
    p.add_argument(
        "--max-episode-steps",
        type=int,
        default=None,
        help="evaluation episode step limit (default: the env's, 100)",
    )
    p.add_argument(
        "--sb3-runs",
        type=Path,
        nargs="*",
        default=None,
        metavar="DIR",
        help=f"SB3 run directories, or folders of them (default {DEFAULT_SB3_RUNS} if present)",
    )
    p.add_argument(
        "--sb3-partial",
        action="store_true",
        help="also read SB3 runs still going (by default only finished runs, with summary.json)",
    )
    p.add_argument(
        "--work", type=Path, default=Path("runs/compare"), help="datasets and VIN runs go here"
    )
    p.add_argument("--out", type=Path, default=Path("docs/results"), help="results directory")
    p.add_argument("--force", action="store_true", help="redo cells whose JSON exists")
    p.add_argument(
        "--no-run",
        action="store_true",
        help="run no cell: summarize the finished ones and list the missing",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    add_device_args(p)
    add_json_arg(p)
    p.set_defaults(run=run)


# -- cells -----------------------------------------------------------------------------------
def _planner_config(args: argparse.Namespace) -> dict[str, Any]:
    return {"population": args.population, "elites": args.elites, "iterations": args.iterations}


def _env_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    return {} if args.max_episode_steps is None else {"max_episode_steps": args.max_episode_steps}


def _eval_key(args: argparse.Namespace) -> dict[str, Any]:
    """What makes two cells' evaluations comparable (a cached cell must match it): the
    episodes, and the physics they ran on (a cell from before a simulator change is redone)."""
    from vin_gym.fingerprint import physics_fingerprint

    return {
        "env": args.env,
        "episodes": args.episodes,
        "seed_base": args.seed_base,
        "max_episode_steps": args.max_episode_steps,
        "physics": physics_fingerprint(args.env),
    }


def _plan_key(args: argparse.Namespace) -> dict[str, Any]:
    return {"planner": args.planner, "horizon": args.horizon, **_planner_config(args)}


def _cell_specs(args: argparse.Namespace, key: dict[str, Any]) -> list[dict[str, Any]]:
    """Every cell to compute: name, method, label, seed, data budget, and ``key`` (from
    :func:`_eval_key`, computed once: it steps the environment)."""
    from vin_gym.commands._pipeline import episodes_for_steps

    specs = []
    for seed in args.seeds:
        if "random" in args.methods:
            specs.append(
                {"name": f"random_s{seed}", "method": "random", "label": "random", "seed": seed}
            )
        if "oracle" in args.methods:
            specs.append(
                {
                    "name": f"oracle-{args.planner}_s{seed}",
                    "method": "oracle",
                    "label": f"oracle-{args.planner}",
                    "seed": seed,
                    "plan": _plan_key(args),
                }
            )
        if "vin" in args.methods:
            for d in args.data_steps:
                episodes = episodes_for_steps(d, args.episode_steps)
                specs.append(
                    {
                        "name": f"vin-{args.planner}_d{d}_s{seed}",
                        "method": "vin",
                        "label": f"vin-{args.planner}",
                        "seed": seed,
                        "data_steps": d,
                        "plan": _plan_key(args),
                        "data": {
                            "episodes": episodes,
                            "episode_steps": args.episode_steps,
                            "obs_size": args.obs_size,
                        },
                        "train": {
                            "minutes": args.train_minutes,
                            "steps": args.train_steps,
                            "batch_size": args.batch_size,
                            "rollout": args.rollout,
                        },
                    }
                )
    for spec in specs:
        spec["eval"] = key
    return specs


def _run_cell(spec: dict[str, Any], args: argparse.Namespace, device: Any) -> dict[str, Any]:
    """Evaluate one cell; returns its summary, per-episode results and env steps used."""
    import time

    import gymnasium as gym

    from vin_gym.baselines.callbacks import eval_seeds
    from vin_gym.commands import _pipeline as pipe
    from vin_gym.experiments.episodes import summarize

    progress = not args.no_progress
    seeds = eval_seeds(args.episodes, args.seed_base)
    start = time.perf_counter()
    extra: dict[str, Any] = {}
    if spec["method"] == "random":
        env = gym.make(args.env, obs_mode="state", **_env_kwargs(args))
        episodes = pipe.random_episodes(env, seeds, np.random.default_rng(spec["seed"]))
        env_steps = 0
    elif spec["method"] == "oracle":
        from vin_gym.oracle import OracleWorldModel

        env = gym.make(args.env, obs_mode="state", **_env_kwargs(args))
        agent = pipe.make_agent(
            OracleWorldModel(env, device=device),
            args.planner,
            _planner_config(args),
            args.horizon,
            spec["seed"],
        )
        episodes, _ = pipe.plan_episodes(env, agent, seeds, spec["name"], progress=progress)
        env_steps = 0
    else:
        d, seed = spec["data_steps"], spec["seed"]
        data = args.work / "data" / f"pushes_d{d}_s{seed}"
        run_dir = args.work / "vin" / f"d{d}_s{seed}"
        manifest = pipe.collect_pushes(
            data,
            args.env,
            {"obs_size": args.obs_size, "show_goal": False},
            spec["data"]["episodes"],
            args.episode_steps,
            seed,
            progress,
        )
        train = pipe.train_vin(
            [data],
            run_dir,
            minutes=args.train_minutes,
            steps=args.train_steps,
            batch_size=args.batch_size,
            rollout_max=args.rollout,
            seed=seed,
            device=args.device,
            threads=args.threads,
            progress=progress,
        )
        env = gym.make(
            args.env, obs_mode="pixels", **pipe.vin_env_kwargs(run_dir), **_env_kwargs(args)
        )
        agent = pipe.make_agent(
            pipe.load_vin(run_dir, device),
            args.planner,
            _planner_config(args),
            args.horizon,
            seed,
        )
        episodes, _ = pipe.plan_episodes(env, agent, seeds, spec["name"], progress=progress)
        env_steps = manifest["num_episodes"] * (manifest["episode_length"] - 1)
        extra = {
            "data_dir": str(data),
            "run_dir": str(run_dir),
            "train_summary": {k: v for k, v in train.items() if k != "run_dir"},
        }
    env.close()
    return {
        **spec,
        "env_steps": env_steps,
        **summarize(episodes),
        "wall_s": time.perf_counter() - start,
        **extra,
        "per_episode": episodes,
    }


def _load_cell(path: Path, spec: dict[str, Any]) -> dict[str, Any] | None:
    """A finished cell whose settings match ``spec``, else ``None``."""
    if not path.is_file():
        return None
    try:
        cell = json.loads(path.read_text())
    except json.JSONDecodeError:
        return None
    same = all(cell.get(k) == v for k, v in spec.items())
    return cell if same else None


# -- SB3 -------------------------------------------------------------------------------------
def find_sb3_runs(paths: list[Path], partial: bool = False) -> tuple[list[Path], list[Path]]:
    """Baseline run directories in ``paths`` (each a run, or a folder holding runs).

    Returns:
        The runs to read and the unfinished runs left out: a run is finished once
        ``vin-gym baseline`` has written its ``summary.json``; ``partial=True`` reads
        unfinished runs too (their evaluations so far).
    """
    candidates = []
    for path in paths:
        if _is_run(path):
            candidates.append(path)
        elif path.is_dir():
            candidates += sorted(p for p in path.iterdir() if _is_run(p))
        else:
            raise FileNotFoundError(f"--sb3-runs: {path} is neither a run directory nor a folder")
    finished = [p for p in candidates if (p / "summary.json").is_file()]
    if partial:
        return candidates, []
    return finished, [p for p in candidates if p not in finished]


def _is_run(path: Path) -> bool:
    return (path / "evaluations.json").is_file() and (path / "config.json").is_file()


def same_physics(runs: list[Path], fingerprint: str) -> list[Path]:
    """The runs whose ``config.json`` records the physics ``fingerprint``; the others are
    left out with a message (a run that records none is kept, with a warning)."""
    kept = []
    for run in runs:
        recorded = json.loads((run / "config.json").read_text()).get("physics")
        if recorded is None:
            print(f"SB3 run {run} does not record its physics: kept, but it may be stale")
        elif recorded != fingerprint:
            print(f"SB3 run {run} ran on other physics ({recorded} vs {fingerprint}): left out")
            continue
        kept.append(run)
    return kept


def sb3_rows(runs: list[Path], env_id: str) -> list[dict[str, Any]]:
    """Summary rows of SB3 runs on ``env_id``, in the comparison's format."""
    from vin_gym.baselines.summary import summarize

    rows = []
    for r in summarize(runs):
        if r["env"] != env_id:
            continue
        rows.append(
            {
                "method": r["method"],
                "env_steps": r["steps"],
                "n_seeds": r["n_seeds"],
                "seeds": r["seeds"],
                "success_mean": r["success_mean"],
                "success_std": r["success_std"],
                "return_mean": r["return_mean"],
                "return_std": r["return_std"],
                "episodes": r["eval_episodes"],
            }
        )
    return rows


# -- summary ---------------------------------------------------------------------------------
def aggregate(cells: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Mean and (population) std over seeds of each (method, env steps) group.

    >>> cells = [{"label": "random", "env_steps": 0, "seed": s, "success_rate": r,
    ...           "mean_return": -r, "episodes": 2} for s, r in ((0, 0.0), (1, 1.0))]
    >>> row = aggregate(cells)[0]
    >>> row["method"], row["n_seeds"], row["success_mean"], row["success_std"]
    ('random', 2, 0.5, 0.5)
    """
    groups: dict[tuple[str, int], list[dict[str, Any]]] = defaultdict(list)
    for c in cells:
        groups[(c["label"], int(c["env_steps"]))].append(c)
    rows = []
    for (label, steps), group in groups.items():
        success = np.array([c["success_rate"] for c in group])
        returns = np.array([c["mean_return"] for c in group])
        rows.append(
            {
                "method": label,
                "env_steps": steps,
                "n_seeds": len(group),
                "seeds": sorted(c["seed"] for c in group),
                "success_mean": float(success.mean()),
                "success_std": float(success.std()),
                "return_mean": float(returns.mean()),
                "return_std": float(returns.std()),
                "episodes": sorted({int(c["episodes"]) for c in group}),
            }
        )
    return rows


def steps_to_match(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """For each VIN-MPC row and each SB3 agent: the fewest environment steps at which the
    agent's mean success rate reaches VIN-MPC's, and how many times VIN-MPC's steps that is.

    An agent that never reaches it gets ``agent_steps=None`` and the lower bound
    ``ratio_at_least`` (its largest step count over VIN-MPC's).

    >>> rows = [{"method": "vin-cem", "env_steps": 10, "success_mean": 0.5},
    ...         {"method": "ppo-pixels", "env_steps": 50, "success_mean": 0.4},
    ...         {"method": "ppo-pixels", "env_steps": 200, "success_mean": 0.6}]
    >>> (m,) = steps_to_match(rows)
    >>> m["agent"], m["agent_steps"], m["ratio"]
    ('ppo-pixels', 200, 20.0)
    """
    vin = [r for r in rows if r["method"].startswith("vin-")]
    agents = sorted(
        {r["method"] for r in rows if r["method"] != "random" and "-" in r["method"]}
        - {r["method"] for r in rows if r["method"].split("-")[0] in ("oracle", "vin")}
    )
    out = []
    for v in sorted(vin, key=lambda r: (r["method"], r["env_steps"])):
        for agent in agents:
            pts = sorted((r["env_steps"], r["success_mean"]) for r in rows if r["method"] == agent)
            hit = next((steps for steps, y in pts if y >= v["success_mean"]), None)
            most = pts[-1][0]
            out.append(
                {
                    "vin": v["method"],
                    "vin_steps": v["env_steps"],
                    "vin_success": v["success_mean"],
                    "agent": agent,
                    "agent_steps": hit,
                    "ratio": None if hit is None else hit / v["env_steps"],
                    "agent_max_steps": most,
                    "ratio_at_least": None if hit is not None else most / v["env_steps"],
                }
            )
    return out


def table_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows for the printed and markdown table: mean ± std as text."""
    return [
        {
            "method": r["method"],
            "env steps": r["env_steps"],
            "seeds": r["n_seeds"],
            "episodes": "/".join(str(e) for e in r["episodes"]),
            "success rate": f"{r['success_mean']:.2f} ± {r['success_std']:.2f}",
            "mean return": f"{r['return_mean']:.1f} ± {r['return_std']:.1f}",
        }
        for r in rows
    ]


def plot(rows: list[dict[str, Any]], path: Path, title: str) -> Path:
    """Success rate against environment steps (log x); 0-step methods as flat lines."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from vin_gym.utils import atomic_write

    fig, ax = plt.subplots(figsize=(7, 4.5))
    curves = sorted({r["method"] for r in rows if r["env_steps"] > 0})
    flat = sorted({r["method"] for r in rows if r["env_steps"] == 0})
    for i, method in enumerate(curves):
        pts = sorted(
            (r["env_steps"], r["success_mean"], r["success_std"])
            for r in rows
            if r["method"] == method and r["env_steps"] > 0
        )
        x, y, e = (np.array(v) for v in zip(*pts, strict=True))
        style = dict(marker="s", linewidth=2.5) if method.startswith("vin") else dict(marker="o")
        line = ax.plot(x, y, label=method, color=f"C{i}", **style)[0]
        ax.fill_between(x, y - e, y + e, alpha=0.2, color=line.get_color())
    for j, method in enumerate(flat):
        (r,) = [r for r in rows if r["method"] == method and r["env_steps"] == 0]
        ax.axhline(
            r["success_mean"],
            linestyle="--",
            color=f"C{len(curves) + j}",
            label=f"{method} (0 steps): {r['success_mean']:.2f}",
        )
    xs = [r["env_steps"] for r in rows if r["env_steps"] > 0]
    lo, hi = (min(xs), max(xs)) if xs else (1e3, 1e6)
    ax.set(
        xscale="log",
        xlim=(lo / 2, hi * 2),
        ylim=(0, 1.02),
        xlabel="environment steps used (data or training)",
        ylabel="success rate",
        title=title,
    )
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, loc="best")
    fig.tight_layout()
    atomic_write(path, lambda tmp: fig.savefig(tmp, format="png", dpi=120))
    plt.close(fig)
    return path


def provenance(args: argparse.Namespace) -> dict[str, Any]:
    """The command, package versions and machine of this comparison."""
    import os
    import platform
    import shlex
    import sys
    from importlib.metadata import PackageNotFoundError, version

    from vin_gym.data.storage import package_versions

    versions = package_versions()
    for dist in ("torch", "stable-baselines3"):
        try:
            versions[dist] = version(dist)
        except PackageNotFoundError:
            pass
    argv = sys.argv[1:] if Path(sys.argv[0]).name == "vin-gym" else None
    return {
        "command": shlex.join(["vin-gym", *argv]) if argv else None,
        "args": {k: v for k, v in vars(args).items() if k != "run"},
        "versions": versions,
        "machine": {
            "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(),
            "cpu_count": os.cpu_count(),
        },
    }


def write_markdown(results: dict[str, Any], path: Path) -> Path:
    from vin_gym.utils import atomic_write_bytes, format_table

    info = results["provenance"]
    text = f"# {results['env']}: VIN-MPC against random, oracle-MPC and SB3\n\n"
    text += format_table(table_rows(results["rows"])) + "\n\n"
    text += (
        f"Success rate and mean return over {results['episodes']} fixed evaluation episodes "
        f"(episode i reset with seed {results['seed_base']} + i), mean ± std over seeds. "
        "Environment steps: 0 for random actions and the oracle; the exploration data for "
        "VIN-MPC; training steps for SB3 agents.\n\n"
        f"![success rate against environment steps]({Path(results['plot']).name})\n"
    )
    if results.get("missing_cells"):
        text += (
            "\nNot in the table (not run yet, or run with other settings): "
            + ", ".join(results["missing_cells"])
            + ".\n"
        )
    if results.get("steps_to_match"):
        text += (
            "\n## Environment steps an SB3 agent needs to match VIN-MPC\n\n"
            "The first evaluation point at which the agent's mean success rate reaches "
            "VIN-MPC's, as a multiple of VIN-MPC's steps of data.\n\n"
        )
        text += (
            format_table(
                [
                    {
                        "VIN-MPC": f"{m['vin']} at {m['vin_steps']} steps",
                        "its success": f"{m['vin_success']:.2f}",
                        "agent": m["agent"],
                        "agent reaches it at": m["agent_steps"]
                        if m["agent_steps"] is not None
                        else f"not within {m['agent_max_steps']}",
                        "ratio": f"{m['ratio']:.1f}x"
                        if m["ratio"] is not None
                        else f"> {m['ratio_at_least']:.1f}x",
                    }
                    for m in results["steps_to_match"]
                ]
            )
            + "\n"
        )
    vin = [c for c in results["cells"] if c.get("method") == "vin"]
    if vin:
        text += (
            "\n## VIN-MPC cells\n\n"
            + format_table(
                [
                    {
                        "cell": c["name"],
                        "env steps": c["env_steps"],
                        "training steps": c.get("train_summary", {}).get("step", "?"),
                        "success rate": f"{c['success_rate']:.2f}",
                        "mean return": f"{c['mean_return']:.1f}",
                        "ms per decision": f"{c['ms_per_decision']:.0f}",
                    }
                    for c in vin
                ]
            )
            + "\n"
        )
    if info.get("command"):
        text += f"\n## Command\n\n```\n{info['command']}\n```\n"
    if results.get("sb3_commands"):
        text += "\n## SB3 runs\n\n```\n" + "\n".join(results["sb3_commands"]) + "\n```\n"
    text += "\n## Versions and machine\n\n"
    text += "".join(f"- {k}: {v}\n" for k, v in info["versions"].items())
    text += "".join(f"- {k}: {v}\n" for k, v in info["machine"].items())
    return atomic_write_bytes(path, text.encode())


def run(args: argparse.Namespace) -> int:
    import gymnasium as gym  # noqa: F401

    import vin_gym  # noqa: F401  (registers the environments)
    from vin_gym.utils import write_json
    from vin_model.device import get_device, set_threads

    for name in ("episodes", "episode_steps", "horizon", "population", "iterations"):
        if getattr(args, name) < 1:
            raise ValueError(f"--{name.replace('_', '-')} must be >= 1, got {getattr(args, name)}")
    if any(d < 1 for d in args.data_steps):
        raise ValueError(f"--data-steps must be positive, got {args.data_steps}")
    if args.episode_steps < 6 + args.rollout:
        raise ValueError(
            f"--episode-steps {args.episode_steps} is too short: training clips need 6 + "
            f"--rollout ({6 + args.rollout}) frames"
        )
    set_threads(args.threads)
    device = get_device(args.device)

    if args.force and args.no_run:
        raise ValueError("--force redoes cells and --no-run runs none: pass one of them")
    cells, missing = [], []
    key = _eval_key(args)
    for spec in _cell_specs(args, key):
        path = args.out / "cells" / f"{spec['name']}.json"
        cell = None if args.force else _load_cell(path, spec)
        if cell is None and args.no_run:
            print(f"cell {spec['name']}: not done (or made with other settings), left out")
            missing.append(spec["name"])
            continue
        if cell is None:
            print(f"cell {spec['name']}")
            cell = _run_cell(spec, args, device)
            write_json(path, cell)
        else:
            print(f"cell {spec['name']}: done before, read from {path}")
        cells.append(cell)
    rows = aggregate(cells)

    sb3_commands: list[str] = []
    if "sb3" in args.methods:
        paths = args.sb3_runs
        if paths is None:
            paths = [DEFAULT_SB3_RUNS] if DEFAULT_SB3_RUNS.is_dir() else []
        runs, unfinished = find_sb3_runs(list(paths), args.sb3_partial)
        for path in unfinished:
            print(f"SB3 run {path} has not finished (no summary.json): left out, see --sb3-partial")
        runs = same_physics(runs, key["physics"])
        if runs:
            from vin_gym.baselines.summary import provenance as sb3_provenance

            rows += sb3_rows(runs, args.env)
            sb3_commands = sb3_provenance(runs)["commands"]
        else:
            print("no SB3 runs found: pass --sb3-runs DIR (runs of `vin-gym baseline`)")
    order = {"random": 0, "oracle": 1, "vin": 2}  # then the SB3 agents
    rows.sort(key=lambda r: (order.get(r["method"].split("-")[0], 3), r["method"], r["env_steps"]))

    results = {
        "env": args.env,
        "episodes": args.episodes,
        "seed_base": args.seed_base,
        "rows": rows,
        "plot": str(plot(rows, args.out / "compare.png", f"{args.env}, {args.episodes} episodes")),
        "provenance": provenance(args),
        "sb3_commands": sb3_commands,
        "missing_cells": missing,
        "steps_to_match": steps_to_match(rows),
        "cells": [{k: v for k, v in c.items() if k != "per_episode"} for c in cells],
    }
    write_json(args.out / "compare.json", results)
    write_markdown(results, args.out / "compare.md")
    report(results, table_rows(rows), args.json)
    print(f"wrote {args.out / 'compare.md'}, {args.out / 'compare.json'}, {results['plot']}")
    return 0
