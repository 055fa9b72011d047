"""``pretrained:SYSTEM`` on the command line: ``plan --model`` and ``evaluate --checkpoint``
load a shipped system VIN by name, and an unknown system is one line, exit 2."""

from __future__ import annotations

import json

import pytest
from benchmark_scripts import load_benchmark

from vin_gym.cli import main


@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    """A quick Springs-v0 VIN shipped into a temporary systems folder."""
    root = tmp_path_factory.mktemp("shipped")
    bench = ["--quick", "--systems", "Springs-v0", "--json", str(root / "r.json")]
    assert load_benchmark("prediction_systems").main([*bench, "--out", str(root / "runs")]) == 0
    ship = ["--runs", str(root / "runs"), "--json", str(root / "r.json")]
    assert (
        load_benchmark("ship_systems").main(
            [*ship, "--dest", str(root / "systems"), "--no-gallery"]
        )
        == 0
    )
    return root / "systems"


@pytest.fixture
def systems(shipped, monkeypatch):
    from vin_model import pretrained

    monkeypatch.setattr(pretrained, "SYSTEMS", shipped)
    return shipped


def test_plan_with_a_shipped_system_vin(systems, tmp_path, capsys):
    out = tmp_path / "plan.json"
    argv = ["plan", "--env", "Springs-v0", "--model", "pretrained:Springs-v0", "--episodes", "1"]
    argv += ["--max-episode-steps", "3", "--population", "8", "--elites", "2", "--iterations", "1"]
    assert main([*argv, "--horizon", "3", "--json", str(out)]) == 0
    data = json.loads(out.read_text())
    assert data["model"] == "pretrained:Springs-v0" and data["episodes"] == 1


def test_evaluate_a_shipped_system_vin(systems, tmp_path, monkeypatch):
    from vin_gym.data import CollectConfig, collect

    data = tmp_path / "springs"
    kwargs = {"obs_size": 32, "show_goal": False}
    collect(CollectConfig("Springs-v0", kwargs, policy="zero", episodes=2, steps=20, seed=7), data)
    monkeypatch.chdir(tmp_path)
    argv = ["evaluate", "--checkpoint", "pretrained:Springs-v0", "--data", str(data)]
    assert main([*argv, "--split", "all", "--horizon", "10", "--no-gif", "--json", "e.json"]) == 0
    result = json.loads((tmp_path / "e.json").read_text())
    assert result["checkpoint"] == "pretrained:Springs-v0"
    assert len(result["mse_per_step"]) == 10
    assert (tmp_path / "eval" / "pretrained_Springs-v0" / "error_vs_step.png").is_file()
    assert not (systems / "Springs-v0" / "eval").exists()  # never writes into the package


@pytest.mark.parametrize("command", ["plan --model", "evaluate --checkpoint"])
def test_an_unknown_system_is_one_line_exit_2(systems, tmp_path, capsys, command):
    sub, flag = command.split()
    argv = [sub, flag, "pretrained:Nope-v0"]
    argv += ["--data", str(tmp_path)] if sub == "evaluate" else ["--episodes", "1"]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "Nope-v0" in err[0] and "Springs-v0" in err[0]
