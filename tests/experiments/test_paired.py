"""Episode-by-episode comparisons (``benchmarks/paired.py``, ``vin_gym.stats``): gained and
lost episodes, the exact McNemar test, and how many runs solve each episode."""

from __future__ import annotations

import json

import pytest
from benchmark_scripts import load_benchmark

from vin_gym.stats import format_p, mcnemar_exact, paired_outcomes


@pytest.fixture(scope="module")
def paired():
    return load_benchmark("paired")


def write_plan(path, successes: list[bool], first_seed: int = 1000):
    episodes = [{"seed": first_seed + i, "success": s} for i, s in enumerate(successes)]
    path.write_text(json.dumps({"per_episode": episodes}))
    return path


def test_mcnemar_is_the_binomial_split_of_the_discordant_episodes():
    assert mcnemar_exact(0, 0) == 1.0
    assert mcnemar_exact(5, 5) == 1.0
    assert mcnemar_exact(6, 0) == pytest.approx(2 * 0.5**6)  # all six one way: 1/32
    assert mcnemar_exact(3, 9) == pytest.approx(mcnemar_exact(9, 3))
    with pytest.raises(ValueError, match="gained >= 0"):
        mcnemar_exact(-1, 2)


def test_a_small_p_value_never_prints_as_zero():
    assert format_p(mcnemar_exact(19, 1)) == "p < 0.001"  # 0.00004: two decimals read 0.00
    assert format_p(mcnemar_exact(8, 0)) == "p = 0.008"
    assert format_p(mcnemar_exact(11, 5)) == "p = 0.21"
    assert format_p(1.0) == "p = 1.00"
    with pytest.raises(ValueError, match=r"got 1\.5"):
        format_p(1.5)


def test_paired_outcomes_match_episodes_by_seed_not_by_order():
    a = {10: True, 11: False, 12: False, 13: True}
    b = {13: False, 12: True, 11: True, 10: True}  # another order
    c = paired_outcomes(a, b)
    assert (c["episodes"], c["a"], c["b"], c["gained"], c["lost"]) == (4, 2, 3, 2, 1)
    with pytest.raises(ValueError, match="same episodes"):
        paired_outcomes(a, {10: True, 11: False, 12: False, 99: True})


def test_compare_pools_the_pairs_discordant_episodes(paired, tmp_path):
    a0 = write_plan(tmp_path / "a0.json", [True, False, False, False])
    b0 = write_plan(tmp_path / "b0.json", [True, True, True, False])
    a1 = write_plan(tmp_path / "a1.json", [False, True, False, False])
    b1 = write_plan(tmp_path / "b1.json", [True, False, True, True])
    result = paired.compare([a0, a1], [b0, b1])
    assert [(p["gained"], p["lost"]) for p in result["pairs"]] == [(2, 0), (3, 1)]
    pooled = result["pooled"]
    assert (pooled["episodes"], pooled["gained"], pooled["lost"]) == (8, 5, 1)
    assert pooled["p"] == pytest.approx(mcnemar_exact(5, 1))
    with pytest.raises(ValueError, match="one to one"):
        paired.compare([a0, a1], [b0])


def test_counting_solvers(paired, tmp_path):
    runs = [
        write_plan(tmp_path / "r0.json", [True, True, False, False]),
        write_plan(tmp_path / "r1.json", [True, False, False, True]),
        write_plan(tmp_path / "r2.json", [True, False, False, False]),
    ]
    assert paired.count_solvers(runs)["solved_by"] == [1, 2, 0, 1]  # episodes 2; 1, 3; -; 0
    other = write_plan(tmp_path / "other.json", [True] * 4, first_seed=100000)
    with pytest.raises(ValueError, match="other episodes"):
        paired.count_solvers([runs[0], other])


def test_the_command_line_writes_json_and_refuses_bad_files(paired, tmp_path, capsys):
    a = write_plan(tmp_path / "a.json", [False, False, True])
    b = write_plan(tmp_path / "b.json", [True, True, True])
    out = tmp_path / "paired.json"
    assert paired.main(["--a", str(a), "--b", str(b), "--json", str(out)]) == 0
    assert json.loads(out.read_text())["pooled"]["gained"] == 2
    assert "| 0 " in capsys.readouterr().out
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"success_rate": 0.5}))  # a summary, no per_episode
    with pytest.raises(SystemExit):
        paired.main(["--a", str(a), "--b", str(bad)])
    assert "no 'per_episode'" in capsys.readouterr().err
    seedless = tmp_path / "seedless.json"
    seedless.write_text(json.dumps({"per_episode": [{"success": True}]}))  # no episode seed
    with pytest.raises(SystemExit):
        paired.main(["--count", str(seedless)])
    assert "needs an integer 'seed'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        paired.main(["--a", str(a)])
    assert "go together" in capsys.readouterr().err
