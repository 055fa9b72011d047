"""Summaries over run directories: mean and std over seeds at each evaluation point.

``summarize_runs(run_dirs)`` reads each run's ``config.json`` and ``evaluations.json`` (as
written by :func:`vin_gym.baselines.train_baseline`) and returns one row per method and
step count; ``vin-gym compare`` can read the same rows. From the shell::

    vin-gym baseline-summary runs/sb3/*_s* --out docs/results/sb3
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from vin_gym.reporting import plot_success, provenance_markdown, success_table
from vin_gym.seeds import DEV_SEED_BASE
from vin_gym.utils import atomic_write_bytes, write_json


def load_run(run_dir: str | Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A run's config and its evaluations (``FileNotFoundError`` naming what is missing)."""
    run_dir = Path(run_dir)
    files = [run_dir / "config.json", run_dir / "evaluations.json"]
    for f in files:
        if not f.is_file():
            raise FileNotFoundError(f"{f} not found: is {run_dir} a vin-gym baseline run?")
    config, evaluations = (json.loads(f.read_text()) for f in files)
    return config, evaluations


def summarize_runs(run_dirs: Iterable[str | Path]) -> list[dict[str, Any]]:
    """One row per (env, algo, obs, step count): mean and std over seeds.

    A step count is an evaluation's nominal ``target`` (PPO's final evaluation, a few
    steps past the budget, counts at the budget). Rows list the seeds that reached it,
    sorted by method then steps.

    Returns:
        Rows with ``env``, ``method`` (``"<algo>-<obs>"``), ``algo``, ``obs``, ``steps``,
        ``n_seeds``, ``seeds``, ``success_mean``, ``success_std``, ``return_mean``,
        ``return_std``, ``successes`` (per seed), ``eval_episodes``, and the 95%
        interval ``ci_low``, ``ci_high`` over seeds and episodes (``None`` for runs that
        did not record their per-episode outcomes).
    """
    from vin_gym.stats import success_summary

    groups: dict[tuple, list[tuple[int, dict]]] = defaultdict(list)
    for run_dir in run_dirs:
        config, evaluations = load_run(run_dir)
        budget = int(config["timesteps"])
        for e in evaluations:
            steps = min(int(e.get("target", e["timesteps"])), budget)
            key = (config["env_id"], config["algo"], config["obs"], steps)
            groups[key].append((int(config["seed"]), e))
    rows = []
    for (env, algo, obs, steps), runs in sorted(groups.items()):
        runs.sort(key=lambda r: r[0])
        success = np.array([e["success_rate"] for _, e in runs])
        returns = np.array([e["mean_return"] for _, e in runs])
        interval: dict[str, Any] = {"ci_low": None, "ci_high": None}
        if all(e.get("successes") for _, e in runs):
            full = success_summary([e["successes"] for _, e in runs])
            interval = {"ci_low": full["ci_low"], "ci_high": full["ci_high"]}
        rows.append(
            {
                "env": env,
                "method": f"{algo}-{obs}",
                "algo": algo,
                "obs": obs,
                "steps": steps,
                "n_seeds": len(runs),
                "seeds": [s for s, _ in runs],
                "success_mean": float(success.mean()),
                "success_std": float(success.std()),
                "return_mean": float(returns.mean()),
                "return_std": float(returns.std()),
                "successes": success.tolist(),
                "eval_episodes": sorted({int(e["episodes"]) for _, e in runs}),
                **interval,
            }
        )
    return rows


def markdown(rows: Sequence[dict[str, Any]]) -> str:
    """A markdown table of ``rows``: success with its 95% interval over seeds and episodes,
    mean return ± std over seeds."""
    return success_table(rows, steps_key="steps", episodes_key="eval_episodes", return_digits=2)


def runs_provenance(run_dirs: Iterable[str | Path]) -> dict[str, Any]:
    """The commands, package versions, machine, physics and evaluation seeds behind
    ``run_dirs`` (from their configs; the first run's versions and machine)."""
    configs = [load_run(r)[0] for r in run_dirs]
    commands = [c.get("command") or f"(run {c.get('out')}: command not recorded)" for c in configs]
    first = configs[0] if configs else {}
    versions = dict(first.get("versions", {}))
    machine = first.get("machine")
    if machine is None:  # a run from before the machine was recorded: its platform, our cores
        machine = {k: versions.pop(k) for k in ("platform", "processor") if k in versions}
        machine["cpu_count"] = os.cpu_count()
    return {
        "commands": commands,
        "versions": versions,
        "machine": machine,
        "physics": sorted({c["physics"] for c in configs if c.get("physics")}),
        "eval_seed_base": first.get("eval_seed_base"),
    }


def plot_runs(rows: Sequence[dict[str, Any]], path: str | Path) -> Path:
    """Success rate against environment steps, log x, as PNG, with 95% interval bands
    (:func:`vin_gym.reporting.plot_success`)."""
    return plot_success(rows, path, steps_key="steps")


def write_summary(
    rows: Sequence[dict[str, Any]], out: str | Path, extra: dict[str, Any] | None = None
) -> None:
    """Write ``out/summary.json`` (``extra`` plus the rows), ``out/summary.md`` (the table,
    then ``extra``'s commands and versions when given) and ``out/success.png``."""
    out = Path(out)
    extra = extra or {}
    write_json(out / "summary.json", {**extra, "rows": list(rows)})
    text = "# SB3 baselines\n\n" + markdown(rows) + "\n"
    text += (
        f"\nSuccess rate and mean return of the deterministic policy over "
        f"{_episodes(rows)} evaluation episodes (episode i reset with seed "
        f"{extra.get('eval_seed_base', DEV_SEED_BASE)} + i): success as the mean over seeds with "
        "its 95% interval (a bootstrap over seeds and episodes), return as mean ± std over "
        "seeds.\n"
    )
    if extra.get("commands"):
        text += "\n## Commands\n\n```\n" + "\n".join(extra["commands"]) + "\n```\n"
    text += provenance_markdown(extra)
    if extra.get("notes"):
        text += "\n## Notes\n\n" + extra["notes"] + "\n"
    atomic_write_bytes(out / "summary.md", text.encode())
    if rows:
        plot_runs(rows, out / "success.png")


def _episodes(rows: Sequence[dict[str, Any]]) -> str:
    counts = sorted({n for r in rows for n in r.get("eval_episodes", [])})
    return "/".join(map(str, counts)) or "the"
