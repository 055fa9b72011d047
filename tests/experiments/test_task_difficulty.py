"""benchmarks/task_difficulty.py: random, zero and oracle-iCEM success, and the verdict."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from vin_gym.seeds import DEV_SEED_BASE, TEST_SEED_BASE

PATH = Path(__file__).resolve().parents[2] / "benchmarks" / "task_difficulty.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("task_difficulty", PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_oracle_is_the_default_planner_over_25_steps(bench):
    from planners import ICEMConfig, MPCConfig

    settings = bench.oracle_settings()
    assert settings["planner"] == "icem" and settings["horizon"] == MPCConfig.horizon == 25
    assert settings["population"] == ICEMConfig.population


def test_verdict_thresholds(bench):
    assert bench.verdict(0.05, 0.02, 0.90) == "skill task"
    assert bench.verdict(0.06, 0.00, 1.00) == "luck solves it"
    assert bench.verdict(0.00, 0.03, 1.00) == "luck solves it"
    assert bench.verdict(0.00, 0.00, 0.85) == "hard for the oracle"


def test_tiny_run_records_command_sizes_and_episode_set(bench, tmp_path):
    out = tmp_path / "out.json"
    argv = ["--envs", "VariableMassBilliardsTask-v0", "--episodes", "3", "--oracle-episodes", "1"]
    argv += ["--oracle-seeds", "0", "--json", str(out)]
    assert bench.main([*argv, "--episode-set", "test"]) == 0
    record = json.loads(out.read_text())
    assert record["command"].startswith("python benchmarks/task_difficulty.py --envs Var")
    assert record["config"]["episode_set"] == "test"
    assert record["config"]["oracle_planner"]["horizon"] == 25
    (res,) = record["results"]
    assert [len(o) for o in res["outcomes"]["random"]] == [3]
    assert [len(o) for o in res["outcomes"]["oracle"]] == [1]
    assert res["random"]["episodes"] == 3 and res["oracle"]["seeds"] == 1
    assert res["verdict"] in ("skill task", "luck solves it", "hard for the oracle")


def test_the_episode_sets_are_the_seed_ranges(bench, monkeypatch):
    seen = []

    def fake(unit):
        seen.append(unit)
        n = len(unit[3])
        return (
            {"random": [[False] * n], "zero": [[False] * n]} if unit[0] == "luck" else [True] * n
        ), 0.0

    monkeypatch.setattr(bench, "run_unit", fake)
    for which, base in (("dev", DEV_SEED_BASE), ("test", TEST_SEED_BASE)):
        seen.clear()
        (res,) = bench.measure_all(["SpringsTask-v0"], which, 4, 2, [0, 1])
        assert {tuple(u[3]) for u in seen} == {tuple(range(base, base + 4)), (base, base + 1)}
        assert res["verdict"] == "skill task" and res["oracle"]["seeds"] == 2


def test_quick_sizes(bench):
    args = bench.parse_args(["--quick"])
    assert (args.episodes, args.oracle_episodes, args.oracle_seeds) == (10, 2, [0])
    assert args.episode_set == "dev"


@pytest.mark.parametrize(
    ("argv", "names"),
    [
        (["--envs", "Nope-v0"], "Nope-v0"),
        (["--episode-set", "val"], "--episode-set 'val'"),
        (["--episodes", "0"], "--episodes 0"),
        (["--jobs", "0"], "--jobs 0"),
        (["--oracle-seeds", "0", "0"], "named twice"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(bench, tmp_path, capsys, argv, names):
    out = tmp_path / "out.json"
    with pytest.raises(SystemExit) as exited:
        bench.main([*argv, "--json", str(out)])
    assert exited.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and names in err
    assert not out.exists()


def test_the_skill_task_ids_are_those_measured_as_skill_tasks():
    """``SKILL_TASKS`` lists exactly the envs the committed test-episode measurement calls
    skill tasks, each within the luck and oracle bounds."""
    from vin_gym.registration import SKILL_TASKS

    path = Path(__file__).resolve().parents[2] / "benchmarks/results/task_difficulty.json"
    measured = json.loads(path.read_text())
    assert measured["config"]["episode_set"] == "test"
    verdicts = {r["env"]: r for r in measured["results"]}
    assert [e for e, r in verdicts.items() if r["verdict"] == "skill task"] == list(SKILL_TASKS)
    for env in SKILL_TASKS:
        r = verdicts[env]
        assert r["random"]["success_rate"] <= 0.05 and r["zero"]["success_rate"] <= 0.02
        assert r["oracle"]["success_rate"] >= 0.90
