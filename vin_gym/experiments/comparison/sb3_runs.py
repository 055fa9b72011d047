"""SB3 baseline runs (``vin-gym baseline``) as rows of the comparison: finding them,
leaving out the unfinished and those from other physics, and their rows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

#: Where ``vin-gym compare`` looks for SB3 runs when none are named.
DEFAULT_SB3_RUNS = Path("runs/sb3")


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
            raise FileNotFoundError(f"sb3_runs: {path} is neither a run directory nor a folder")
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
    from vin_gym.baselines.summary import summarize_runs

    rows = []
    for r in summarize_runs(runs):
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
                "ci_low": r["ci_low"],
                "ci_high": r["ci_high"],
                "return_mean": r["return_mean"],
                "return_std": r["return_std"],
                "episodes": r["eval_episodes"],
            }
        )
    return rows
