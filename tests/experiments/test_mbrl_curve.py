"""benchmarks/mbrl_curve.py: success against environment steps, pooled over mbrl runs."""

from __future__ import annotations

import json
from pathlib import Path

from benchmark_scripts import load_benchmark


def _load():
    return load_benchmark("mbrl_curve")


def _run(root: Path, rates: list[float | None]) -> Path:
    rows = [
        {"iteration": i, "env_steps": 100 + 10 * i, "success_rate": r} for i, r in enumerate(rates)
    ]
    config = {"eval_episodes": 20, "planner": "cem", "horizon": 15}
    root.mkdir()
    (root / "mbrl.json").write_text(json.dumps({"config": config, "iterations": rows}))
    return root


def test_runs_pool_at_each_evaluated_step_count(tmp_path) -> None:
    curve = _load()
    a = _run(tmp_path / "a", [0.25, None, 0.5])
    b = _run(tmp_path / "b", [0.75, None, 0.5])
    points, config = curve.run_points([a, b])
    assert [p["env_steps"] for p in points] == [100, 120]  # unevaluated iterations left out
    assert [p["success_mean"] for p in points] == [0.5, 0.5]
    assert all(p["seeds"] == 2 and p["episodes"] == 40 for p in points)
    assert all(p["ci_low"] < 0.5 < p["ci_high"] for p in points)
    assert config["planner"] == "cem"
