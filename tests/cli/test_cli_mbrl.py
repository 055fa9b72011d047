"""``vin-gym mbrl`` on the command line: the flags fill the loop's config, and a refused
resume is one line with exit 2; the loop itself is tested through the library in
tests/experiments/test_mbrl.py."""

from __future__ import annotations

from vin_gym.cli import main
from vin_gym.experiments import mbrl
from vin_gym.experiments.mbrl import MBRLConfig


def test_command_line_fills_the_config(capsys, monkeypatch, tmp_path) -> None:
    calls: list[tuple[MBRLConfig, dict]] = []
    monkeypatch.setattr(
        mbrl, "run_mbrl", lambda c, *a, **k: calls.append((c, k)) or {"iterations": []}
    )
    argv = [
        *("mbrl", "--out", str(tmp_path / "x"), "--env-kwargs", "initial_speed=0", "damping=1.0"),
        *("--population", "50", "--no-show-goal", "--env-steps", "40000", "--resume"),
    ]
    assert main(argv) == 0
    ((config, kwargs),) = calls  # the planner flags are plan's: --population
    assert config.env_kwargs == {"initial_speed": 0, "damping": 1.0}
    assert config.planner_kwargs == {"population": 50, "elites": 10, "iterations": 3}
    assert config.env_steps == 40000 and config.show_goal is False
    assert config.seed_episodes == MBRLConfig().seed_episodes
    assert kwargs["resume"] is True


def test_a_refused_resume_is_one_line_and_exit_2(capsys, monkeypatch, tmp_path) -> None:
    def refuse(config, run, **kwargs):
        raise ValueError(f"{run} was started with another configuration (lr: 1 vs 2)")

    monkeypatch.setattr(mbrl, "run_mbrl", refuse)
    assert main(["mbrl", "--out", str(tmp_path / "run"), "--resume", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.count("vin-gym mbrl: error:") == 1 and "another configuration" in err
