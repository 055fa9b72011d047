"""Result files compared episode by episode: which episodes one method gains and loses
against another, and how many of several runs solve each episode.

A result file is a ``vin-gym plan --json`` record or a ``vin-gym compare`` cell: both list
``per_episode``, each episode with its seed and success. Pairing matches episodes by
their seed, so two files pair only when they played the same episodes.
``benchmarks/paired.py`` is the command line over it; the task suite's table of recipe
variants (``benchmarks/task_suite.py``) pairs with it too.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from vin_gym.stats import mcnemar_exact, paired_outcomes


def episode_outcomes(path: Path) -> dict[int, bool]:
    """Episode seed -> success, from a plan JSON or a comparison cell."""
    try:
        record = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as e:
        raise ValueError(f"cannot read {path} as JSON: {e}") from None
    episodes = record.get("per_episode") if isinstance(record, dict) else None
    if not episodes:
        raise ValueError(
            f"{path} has no 'per_episode' list: expected a `vin-gym plan --json` record or "
            "a `vin-gym compare` cell"
        )
    try:
        outcomes = {int(e["seed"]): bool(e["success"]) for e in episodes}
    except (KeyError, TypeError, ValueError):
        raise ValueError(
            f"{path}: every entry of 'per_episode' needs an integer 'seed' and a 'success'"
        ) from None
    if len(outcomes) != len(episodes):
        raise ValueError(f"{path} lists an episode seed twice")
    return outcomes


def compare(a_files: Sequence[Path], b_files: Sequence[Path]) -> dict[str, Any]:
    """Each ``a_files[i]`` against ``b_files[i]``, and all pairs pooled."""
    if len(a_files) != len(b_files) or not a_files:
        raise ValueError(
            f"the two lists pair files one to one: got {len(a_files)} and {len(b_files)} files"
        )
    pairs = []
    for a, b in zip(a_files, b_files, strict=True):
        try:
            counts = paired_outcomes(episode_outcomes(a), episode_outcomes(b))
        except ValueError as e:
            raise ValueError(f"{a} against {b}: {e}") from None
        pairs.append({"a_file": str(a), "b_file": str(b), **counts})
    pooled = {k: sum(p[k] for p in pairs) for k in ("episodes", "a", "b", "gained", "lost")}
    pooled["p"] = mcnemar_exact(pooled["gained"], pooled["lost"])
    return {"pairs": pairs, "pooled": pooled}


def count_solvers(files: Sequence[Path]) -> dict[str, Any]:
    """How many episodes exactly k of ``files`` solve, for k = 0 .. len(files)."""
    if not files:
        raise ValueError("counting solvers needs at least one file")
    runs = [episode_outcomes(f) for f in files]
    for f, run in zip(files[1:], runs[1:], strict=True):
        if set(run) != set(runs[0]):
            raise ValueError(f"{f} covers other episodes than {files[0]}: not paired")
    solved_by = [sum(run[seed] for run in runs) for seed in sorted(runs[0])]
    return {
        "files": [str(f) for f in files],
        "episodes": len(solved_by),
        "solved_by": [solved_by.count(k) for k in range(len(files) + 1)],
    }
