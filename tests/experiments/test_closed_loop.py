"""benchmarks/closed_loop.py: VIN-MPC success on the skill task, with Wilson intervals."""

from __future__ import annotations

import json

import pytest
from benchmark_scripts import load_benchmark

from vin_gym.stats import wilson_interval


@pytest.fixture(scope="module")
def bench():
    return load_benchmark("closed_loop")


def test_tiny_oracle_run_uses_the_skill_task(bench, tmp_path):
    tiny = ["--model", "oracle", "--episodes", "1", "--population", "20", "--iterations", "1"]
    tiny += ["--horizon", "3"]
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    assert bench.main([*tiny, "--json", str(a)]) == 0
    moving = ["--env-kwarg", "initial_speed=2.0", "--env-kwarg", "damping=0.0"]
    assert bench.main([*tiny, *moving, "--json", str(b)]) == 0
    ra, rb = (json.loads(p.read_text()) for p in (a, b))
    assert ra["settings"]["env_kwargs"] == {"initial_speed": 0.0, "damping": 1.0}
    (res,) = ra["results"]
    assert res["successes"] == sum(e["success"] for e in res["per_episode"])
    assert res["wilson95"] == list(wilson_interval(res["successes"], 1))
    # The env arguments reach the env: the moving-balls table plays out differently.
    assert res["per_episode"][0]["return"] != rb["results"][0]["per_episode"][0]["return"]
