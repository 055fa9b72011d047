"""Success against environment steps for online model learning (``vin-gym mbrl`` runs).

    python benchmarks/mbrl_curve.py --runs runs/compare/mbrl/d31200_s0 ... \\
        --compare docs/results/compare.json --out docs/results/world_model/mbrl_curve.png

Reads each run's ``mbrl.json`` (its own evaluations: the planner and horizon of the run's
config, ``eval_episodes`` episodes per evaluated iteration) and pools the runs at each
number of environment steps (success with the 95% interval of ``vin_gym.stats``: Wilson
for one run, the seed bootstrap for several). The comparison's JSON adds its VIN-MPC cells
of those runs (the final models under the comparison's planner) as points, and random
actions and the oracle as flat lines with their intervals. Log x. Writes the PNG and a
JSON of the points.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from vin_gym.stats import success_summary
from vin_gym.utils import atomic_write, format_table, write_json


def run_points(runs: list[Path]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Pooled success of the runs' own evaluations at each env-step count."""
    wins: dict[int, list[tuple[int, int]]] = defaultdict(list)
    config: dict[str, Any] = {}
    for run in runs:
        state = json.loads((run / "mbrl.json").read_text())
        config = state["config"]
        n = int(config["eval_episodes"])
        for row in state["iterations"]:
            if row.get("success_rate") is not None:
                wins[int(row["env_steps"])].append((round(row["success_rate"] * n), n))
    points = []
    for steps, per_seed in sorted(wins.items()):
        # the interval depends on the counts only: each run's episodes as w wins of n
        outcomes = [[True] * w + [False] * (n - w) for w, n in per_seed]
        s = success_summary(outcomes)
        points.append({"env_steps": steps, **s, "success_mean": s["success_rate"]})
    return points, config


def _episodes(row: dict[str, Any]) -> int:
    episodes = row["episodes"]
    return int(sum(episodes)) if isinstance(episodes, list) else int(episodes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=Path, nargs="+", required=True, help="mbrl run dirs")
    parser.add_argument("--compare", type=Path, default=Path("docs/results/compare.json"))
    parser.add_argument("--out", type=Path, default=Path("docs/results/world_model/mbrl_curve.png"))
    args = parser.parse_args()

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    points, config = run_points(args.runs)
    rows = json.loads(args.compare.read_text())["rows"] if args.compare.is_file() else []
    label = f"{config.get('planner', '?')}, horizon {config.get('horizon', '?')}"
    print(format_table(points, ["env_steps", "seeds", "success_mean", "ci_low", "ci_high"]))

    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    xs = [p["env_steps"] for p in points]
    ax.plot(xs, [p["success_mean"] for p in points], "o-", color="C0",
            label=f"VIN-MPC, the runs' own evaluations ({label}, "
            f"{config.get('eval_episodes')} ep/run)")  # fmt: skip
    ax.fill_between(xs, [p["ci_low"] for p in points], [p["ci_high"] for p in points],
                    color="C0", alpha=0.2)  # fmt: skip
    lines = {"random": "C7", "oracle": "C2"}
    for row in rows:
        kind = row["method"].split("-")[0]
        if kind in lines:
            ax.axhline(row["success_mean"], color=lines[kind], lw=1, label=row["method"])
            ax.axhspan(row["ci_low"], row["ci_high"], color=lines[kind], alpha=0.12)
        elif row["method"].startswith("vin-mbrl"):
            err = [[row["success_mean"] - row["ci_low"]], [row["ci_high"] - row["success_mean"]]]
            ax.errorbar([row["env_steps"]], [row["success_mean"]], yerr=err, fmt="s", color="C3",
                        capsize=3, label=f"{row['method']} (final models, the comparison's "
                        f"planner, {row['n_seeds']} seeds x {_episodes(row)} ep)")  # fmt: skip
    ax.set_xscale("log")
    ax.set_xlabel("environment steps (log)")
    ax.set_ylabel("success rate (95% interval)")
    ax.set_ylim(-0.02, 1.02)
    ax.set_title("Billiards-v0 (skill task): learning online")
    ax.legend(fontsize=7, loc="center left")
    fig.tight_layout()
    atomic_write(args.out, lambda tmp: fig.savefig(tmp, dpi=120, format="png"))
    write_json(args.out.with_suffix(".json"), {"runs": [str(r) for r in args.runs],
               "points": points, "comparison_rows": rows})  # fmt: skip
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
