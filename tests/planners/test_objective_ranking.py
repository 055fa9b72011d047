"""benchmarks/objective_ranking.py: the ranking scores, and a tiny run on the shipped VIN."""

from __future__ import annotations

import json

import numpy as np
import pytest
from benchmark_scripts import load_benchmark


@pytest.fixture(scope="module")
def bench():
    return load_benchmark("objective_ranking")


def test_scores_of_perfect_reversed_and_broken_models(bench):
    true = np.random.default_rng(0).normal(size=50)
    perfect = bench.compare_returns(true + 1.0, true)
    assert perfect == {"spearman": pytest.approx(1.0), "pick": 1.0, "top_hit": 1.0}
    reversed_ = bench.compare_returns(-true, true)
    assert reversed_["spearman"] == pytest.approx(-1.0) and reversed_["pick"] == 0.0
    broken = np.full_like(true, np.nan)  # a diverged model: NaN ranks worst, picks index 0
    assert bench.compare_returns(broken, true)["pick"] == (np.argsort(np.argsort(true))[0]) / 49
    # Ties in the true returns (candidates that never touch the target) share a mean rank.
    tied = np.array([0.0, 0.0, 0.0, 1.0, 2.0])
    assert bench.compare_returns(np.array([5.0, 0, 0, 0, 0]), tied)["pick"] == 0.25
    assert bench.compare_returns(true, np.zeros(50)) is None  # nothing to rank
    assert bench.compare_returns(np.zeros(50), true)["spearman"] == 0.0  # a constant model


def test_tiny_run_scores_the_noiseless_oracle_perfectly(bench, tmp_path, capsys):
    out = tmp_path / "rank.json"
    args = ["--checkpoint", "--states", "4", "--candidates", "20", "--horizon", "10"]
    args += ["--noise", "0,0", "0.6,1.0", "--json", str(out)]
    assert bench.main(args) == 0
    assert "top-10% hit" in capsys.readouterr().out
    results = json.loads(out.read_text())["results"]
    assert {(r["model"], r["candidates"]) for r in results} == {
        (f"oracle, noisy start (pos {p}, vel {v})", c)
        for p, v in ((0.0, 0.0), (0.6, 1.0))
        for c in ("uniform", "cem")
    }
    cem = [r for r in results if r["candidates"] == "cem"]
    assert all(r["points"] + r["all_tied"] == cem[0]["points"] + cem[0]["all_tied"] for r in cem)
    assert cem[0]["points"] > 0  # near oracle-CEM's plan, candidates do touch the target
    exact = cem[0]  # zero noise: the true simulator itself, a perfect ranking
    assert exact["spearman"] == pytest.approx(1.0) and exact["top_hit"] == 1.0
    assert exact["pick"] > 0.5  # the best tie group (mean rank), not always 1


def test_tiny_run_on_the_shipped_vin(bench, tmp_path):
    out = tmp_path / "rank.json"
    args = ["--states", "2", "--candidates", "10", "--horizon", "5", "--noise"]
    assert bench.main([*args, "--label", "shipped", "--json", str(out)]) == 0
    results = json.loads(out.read_text())["results"]
    assert [r["model"] for r in results] == ["shipped", "shipped"]


def test_same_seed_same_figures(bench, tmp_path):
    args = ["--checkpoint", "--states", "3", "--candidates", "10", "--horizon", "5"]
    args += ["--noise", "0.3,0.6"]
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    assert bench.main([*args, "--json", str(a)]) == 0 and bench.main([*args, "--json", str(b)]) == 0
    strip = lambda r: {k: v for k, v in r.items() if k != "model_ms"}  # noqa: E731
    ra, rb = (json.loads(p.read_text())["results"] for p in (a, b))
    assert [strip(r) for r in ra] == [strip(r) for r in rb]
