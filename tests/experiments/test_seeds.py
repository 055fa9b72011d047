"""Development and test episodes (:mod:`vin_gym.seeds`): nothing but the reporting
commands reaches the test range, by default or on request."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pytest
from benchmark_scripts import load_benchmark

from vin_gym.baselines.callbacks import EVAL_SEED_BASE, eval_seeds
from vin_gym.cli import build_parser
from vin_gym.experiments.mbrl_config import MBRLConfig
from vin_gym.seeds import (
    DEV_SEED_BASE,
    TEST_SEED_BASE,
    check_development,
    episode_set,
    reaches_test,
)

BENCHMARKS = sorted((Path(__file__).resolve().parents[2] / "benchmarks").glob("*.py"))
#: Flags that count the episodes run from a seed flag's value.
EPISODE_COUNTS = ("episodes", "states", "oracle_episodes")
#: The episodes a benchmark runs when its count flag defaults to ``None``.
NONE_EPISODES = 50


def load(path: Path):
    return load_benchmark(path.stem)


class _Parsed(Exception):
    def __init__(self, parser: argparse.ArgumentParser) -> None:
        self.parser = parser


def benchmark_parser(path: Path, monkeypatch) -> argparse.ArgumentParser:
    """The parser a benchmark's ``main`` builds, caught as it is about to parse."""

    def catch(self, *args, **kwargs):
        raise _Parsed(self)

    module = load(path)
    monkeypatch.setattr(argparse.ArgumentParser, "parse_args", catch)
    monkeypatch.setattr(sys, "argv", [str(path)])
    with pytest.raises(_Parsed) as caught:
        module.main()
    return caught.value.parser


def test_the_ranges():
    assert DEV_SEED_BASE == 1000 and TEST_SEED_BASE == 100_000
    assert episode_set("dev", 50) == list(range(1000, 1050))
    assert episode_set("test", 3) == [100_000, 100_001, 100_002]
    assert not reaches_test(TEST_SEED_BASE - 10, 10) and reaches_test(TEST_SEED_BASE - 10, 11)
    assert not reaches_test(TEST_SEED_BASE, 0)
    with pytest.raises(ValueError, match="'dev' or 'test'"):
        episode_set("val", 3)


def test_check_development_names_the_flag():
    check_development(DEV_SEED_BASE, 50, "--seed")
    with pytest.raises(ValueError, match=r"--seed-base 99990 with 20 episodes reaches seed 100009"):
        check_development(99_990, 20, "--seed-base")


@pytest.mark.parametrize("path", BENCHMARKS, ids=lambda p: p.stem)
def test_no_benchmark_defaults_to_test_episodes(path, monkeypatch):
    parser = benchmark_parser(path, monkeypatch)
    defaults = {a.dest: a.default for a in parser._actions}
    counts = [defaults[k] for k in EPISODE_COUNTS if k in defaults]
    n = max([NONE_EPISODES if c is None else c for c in counts], default=1)
    for dest, value in defaults.items():
        if "seed" in dest and isinstance(value, int):
            assert not reaches_test(value, n), f"{path.name} --{dest} {value} with {n} episodes"


REFUSED = [
    ("closed_loop", ["--model", "oracle", "--seed", str(TEST_SEED_BASE)]),
    ("closed_loop", ["--model", "oracle", "--seed", "99990", "--episodes", "20"]),
    ("objective_ranking", ["--seed-base", "99950"]),  # 100 decision points
    ("task_difficulty", ["--episodes", str(TEST_SEED_BASE)]),
    ("task_difficulty", ["--oracle-episodes", str(TEST_SEED_BASE)]),
    ("planning", ["--episodes", str(TEST_SEED_BASE + 1)]),
]


@pytest.mark.parametrize(("name", "argv"), REFUSED, ids=[f"{n}:{a[-1]}" for n, a in REFUSED])
def test_benchmarks_refuse_the_test_range(name, argv, monkeypatch, capsys, tmp_path):
    module = load(Path(__file__).resolve().parents[2] / "benchmarks" / f"{name}.py")
    monkeypatch.setattr(sys, "argv", [name, *argv, "--json", str(tmp_path / "out.json")])
    with pytest.raises(SystemExit) as exited:
        module.main(sys.argv[1:]) if name != "planning" else module.main()
    assert exited.value.code == 2
    assert "test episode" in capsys.readouterr().err
    assert not (tmp_path / "out.json").exists()


def test_systems_throughput_resets_stay_below_the_test_range():
    module = load(Path(__file__).resolve().parents[2] / "benchmarks" / "systems_throughput.py")
    seeds = []

    class Env:
        def reset(self, seed=None):
            seeds.append(seed)

        def step(self, action):
            pass

    module.time_round(Env(), 64 * 1600)  # 102,400 steps: past the test range's first seed
    assert len(seeds) == 1600 and max(seeds) < TEST_SEED_BASE


def test_the_online_loop_refuses_test_episodes():
    config = MBRLConfig()
    assert not reaches_test(config.eval_seed, config.eval_episodes)
    with pytest.raises(ValueError, match="eval_seed 100000"):
        MBRLConfig(eval_seed=TEST_SEED_BASE)
    with pytest.raises(ValueError, match="eval_seed"):
        MBRLConfig(eval_seed=TEST_SEED_BASE - 10, eval_episodes=20)
    MBRLConfig(eval_seed=TEST_SEED_BASE - 20, eval_episodes=20)  # the last development seeds


def test_default_evaluations_use_development_episodes():
    plan = build_parser(["plan"]).parse_args(["plan"])
    assert plan.seed == DEV_SEED_BASE and plan.planner_seed == 0
    assert not reaches_test(plan.seed, plan.episodes)
    assert EVAL_SEED_BASE == DEV_SEED_BASE and eval_seeds(2) == [1000, 1001]
    # the reporting command, and only it, defaults to the test episodes
    compare = build_parser(["compare"]).parse_args(["compare"])
    assert compare.seed_base == TEST_SEED_BASE


def test_plan_planner_seed_is_apart_from_the_episodes():
    import gymnasium as gym
    import torch

    from vin_gym.experiments.episodes import MPCPolicy, run_episodes
    from vin_gym.experiments.models import load_world_model
    from vin_gym.experiments.pipeline import make_agent

    tiny = {"population": 8, "elites": 2, "iterations": 1}
    returns = {}
    for planner_seed in (0, 1):
        env = gym.make("Billiards-v0", obs_mode="state")
        model = load_world_model("oracle", env, torch.device("cpu"))
        agent = make_agent(model, "icem", tiny, 3, planner_seed)
        episodes, _ = run_episodes(env, MPCPolicy(env, agent), [5], progress=False)
        env.close()
        assert [e["seed"] for e in episodes] == [5]
        returns[planner_seed] = episodes[0]["return"]
    # same episode, other planner seed: other actions, so another return
    assert returns[0] != returns[1]


def test_sb3_evaluations_stay_on_development_episodes():
    from vin_gym.baselines import BaselineConfig

    assert not reaches_test(EVAL_SEED_BASE, BaselineConfig().eval_episodes)
    with pytest.raises(ValueError, match="test episode"):
        BaselineConfig(eval_episodes=TEST_SEED_BASE)
