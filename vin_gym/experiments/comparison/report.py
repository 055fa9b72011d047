"""The comparison's report: success rates aggregated over seeds with 95% intervals, the
environment steps an SB3 agent needs to match VIN-MPC, and the markdown, JSON and plot.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from vin_gym.reporting import plot_success, provenance_markdown, success_rows, success_table
from vin_gym.utils import atomic_write_bytes, format_table, plural, write_json

#: Order of the rows: these methods first, then the SB3 agents.
ROW_ORDER = {"random": 0, "zero": 1, "oracle": 2, "vin": 3}


def _train_steps(cell: dict[str, Any]) -> Any:
    """A VIN cell's training steps: its training run's, or its mbrl run's in all."""
    if "mbrl_summary" in cell:
        return cell["mbrl_summary"].get("train_step", "?")
    return cell.get("train_summary", {}).get("step", "?")


def aggregate(cells: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each (method, env steps) group's success rate (mean over seeds) with its 95%
    interval (Wilson for one seed, a bootstrap over seeds and episodes for more; see
    :mod:`vin_gym.stats`), and its mean return ± std over seeds.

    >>> cells = [{"label": "random", "env_steps": 0, "seed": s, "success_rate": r,
    ...           "mean_return": -r, "episodes": 2,
    ...           "per_episode": [{"success": bool(r)}] * 2} for s, r in ((0, 0.0), (1, 1.0))]
    >>> row = aggregate(cells)[0]
    >>> row["method"], row["n_seeds"], row["success_mean"], row["ci_low"] < 0.5 < row["ci_high"]
    ('random', 2, 0.5, True)
    """
    from vin_gym.stats import success_summary

    groups: dict[tuple[str, int], list[dict[str, Any]]] = defaultdict(list)
    for c in cells:
        groups[(c["label"], int(c["env_steps"]))].append(c)
    rows = []
    for (label, steps), group in groups.items():
        success = np.array([c["success_rate"] for c in group])
        returns = np.array([c["mean_return"] for c in group])
        rate = success_summary([[e["success"] for e in c["per_episode"]] for c in group])
        rows.append(
            {
                "method": label,
                "env_steps": steps,
                "n_seeds": len(group),
                "seeds": sorted(c["seed"] for c in group),
                "success_mean": float(success.mean()),
                "success_std": float(success.std()),
                "ci_low": rate["ci_low"],
                "ci_high": rate["ci_high"],
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


def write_markdown(results: dict[str, Any], path: Path) -> Path:
    """The comparison's markdown report of ``results`` (as :func:`write_report` makes them)."""
    info = results["provenance"]
    text = f"# {results['env']}: VIN-MPC against random, oracle-MPC and SB3\n\n"
    text += success_table(results["rows"]) + "\n\n"
    text += (
        f"Success rate over {results['episodes']} fixed evaluation episodes per seed "
        f"(episode i reset with seed {results['seed_base']} + i): the mean over seeds with "
        "its 95% interval (Wilson for one seed; for several, a bootstrap over seeds and "
        "episodes); mean return ± std over seeds. Environment steps: 0 for random actions, "
        "zero actions and the oracle; the exploration data for VIN-MPC; training steps for "
        "SB3 agents. What each method is given: random and zero actions nothing; the "
        "oracle the true simulator and state; VIN-MPC the frames, the goal and its own "
        "actions when it plans, and true object states as training labels (as in the "
        "paper); SB3 pixel agents stacked frames and the goal vector; SB3 state agents "
        "the object states and the goal.\n\n"
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
    vin = [c for c in results["cells"] if c.get("method") in ("vin", "mbrl")]
    if vin:
        text += (
            "\n## VIN-MPC cells\n\n"
            + format_table(
                [
                    {
                        "cell": c["name"],
                        "env steps": c["env_steps"],
                        "training steps": _train_steps(c),
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
    text += provenance_markdown(info)
    return atomic_write_bytes(path, text.encode())


def sort_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``rows`` with random, zero, oracle and VIN first, then the SB3 agents, by method
    and steps."""

    def key(r: dict[str, Any]) -> tuple[int, str, int]:
        return ROW_ORDER.get(r["method"].split("-")[0], 3), r["method"], r["env_steps"]

    return sorted(rows, key=key)


def table_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows for the printed and markdown table: success with its 95% interval, mean return
    ± std over seeds."""
    return success_rows(rows)


def plot(rows: list[dict[str, Any]], path: Path, title: str) -> Path:
    """Success rate against environment steps (log x) with 95% interval bands; 0-step
    methods as flat lines with their intervals as shaded strips."""
    return plot_success(rows, path, title, xlabel="environment steps used (data or training)")


def write_report(
    cells: list[dict[str, Any]],
    sb3: list[dict[str, Any]],
    out: Path,
    key: dict[str, Any],
    provenance: dict[str, Any],
    sb3_commands: list[str] | None = None,
    missing: list[str] | None = None,
) -> dict[str, Any]:
    """Aggregate ``cells`` (and the SB3 rows ``sb3``) and write ``out/compare.json``,
    ``out/compare.md`` and ``out/compare.png``; returns the results written."""
    rows = sort_rows(aggregate(cells) + sb3)
    title = f"{key['env']}, {plural(key['episodes'], 'episode')}"
    results = {
        "env": key["env"],
        "episodes": key["episodes"],
        "seed_base": key["seed_base"],
        "rows": rows,
        "plot": str(plot(rows, out / "compare.png", title)),
        "provenance": provenance,
        "sb3_commands": sb3_commands or [],
        "missing_cells": missing or [],
        "steps_to_match": steps_to_match(rows),
        "cells": [{k: v for k, v in c.items() if k != "per_episode"} for c in cells],
    }
    write_json(out / "compare.json", results)
    write_markdown(results, out / "compare.md")
    return results
