"""benchmarks/objective_ranking.py: the ranking scores, and a tiny run on the shipped VIN."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

PATH = Path(__file__).resolve().parents[1] / "benchmarks" / "objective_ranking.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("objective_ranking", PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_scores_of_perfect_reversed_and_broken_models(bench):
    true = np.random.default_rng(0).normal(size=50)
    perfect = bench.compare_returns(true + 1.0, true)
    assert perfect == {"spearman": pytest.approx(1.0), "pick": 1.0, "top_hit": 1.0}
    reversed_ = bench.compare_returns(-true, true)
    assert reversed_["spearman"] == pytest.approx(-1.0) and reversed_["pick"] == 0.0
    broken = np.full_like(true, np.nan)  # a diverged model: NaN ranks worst, picks index 0
    assert bench.compare_returns(broken, true)["pick"] == bench.ranks(true)[0] / 49
    assert bench.compare_returns(true, np.zeros(50)) is None  # nothing to rank
    assert bench.compare_returns(np.zeros(50), true)["spearman"] == 0.0  # a constant model


def test_tiny_run_on_the_shipped_vin(bench, tmp_path, capsys):
    out = tmp_path / "rank.json"
    args = ["--states", "3", "--candidates", "16", "--horizon", "10", "--json", str(out)]
    assert bench.main(args) == 0
    assert "spearman" in capsys.readouterr().out
    (result,) = json.loads(out.read_text())["results"]
    assert result["states"] + result["all_tied"] <= 3
    if result["states"]:
        assert -1.0 <= result["spearman"] <= 1.0 and 0.0 <= result["pick"] <= 1.0
