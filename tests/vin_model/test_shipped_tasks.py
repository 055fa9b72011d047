"""The VIN of a skill task: a finished ``vin-gym mbrl`` run, measured on test episodes by
``vin-gym plan``, shipped as ``pretrained:TASK_ID`` and fine-tuned by ``vin-gym demo``."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import pytest
from benchmark_scripts import load_benchmark

from vin_gym.cli import main
from vin_model import pretrained

ROOT = Path(__file__).resolve().parents[2]
TASK = "GravityTask-v0"
TINY_MBRL = [
    "--env-steps", "96", "--episode-steps", "12", "--seed-episodes", "4",
    "--agent-episodes", "2", "--seed-train-steps", "2", "--train-steps", "1",
    "--batch-size", "4", "--rollout-max", "4", "--eval-episodes", "0", "--no-progress",
    "--population", "4", "--elites", "2", "--iterations", "1", "--horizon", "2",
]  # fmt: skip
TINY_PLAN = [
    "--episodes", "2", "--max-episode-steps", "3", "--population", "4", "--elites", "2",
    "--iterations", "1", "--horizon", "2", "--no-progress",
]  # fmt: skip


@pytest.fixture(scope="module")
def measured(tmp_path_factory):
    """A finished tiny mbrl run of the task and its plan on two test episodes."""
    root = tmp_path_factory.mktemp("task_run")
    run, results = root / "runs" / f"{TASK}_s0", root / "results"
    results.mkdir()
    mbrl = ["mbrl", "--env", TASK, "--out", str(run), *TINY_MBRL]
    mbrl += ["--json", str(results / f"mbrl_{TASK}_s0.json")]
    plan = ["plan", "--env", TASK, "--model", str(run / "model"), "--seed", "100000"]
    plan += [*TINY_PLAN, "--json", str(results / f"plan_{TASK}_s0_test.json")]
    with pytest.MonkeyPatch.context() as mp:
        for argv in (mbrl, plan):  # as from a shell, so that the JSON records its command
            mp.setattr(sys, "argv", ["vin-gym", *argv])
            assert main(argv) == 0
    return root


def ship_argv(root, dest):
    return ["--tasks", TASK, "--runs", str(root / "runs"), "--results", str(root / "results"),
            "--dest", str(dest)]  # fmt: skip


def test_shipped_with_its_card_and_loaded_by_name(measured, tmp_path, monkeypatch):
    import gymnasium as gym
    import torch

    from vin_gym.experiments import models

    ship = load_benchmark("ship_tasks")
    dest = tmp_path / "tasks"
    assert ship.main(ship_argv(measured, dest)) == 0
    card = json.loads((dest / TASK / "card.json").read_text())
    plan = json.loads((measured / "results" / f"plan_{TASK}_s0_test.json").read_text())
    assert card["system"] == TASK and card["seed"] == 0 and card["env_steps"] == 96
    assert card["training_steps"] == 2 + 2 * 1  # seed training, then one step per iteration
    assert card["test"]["success_rate"] == plan["success_rate"]
    assert card["test"]["first_seed"] == 100_000 and card["test"]["episodes"] == 2
    assert card["made_by"].startswith("vin-gym mbrl --env GravityTask-v0")
    assert card["measured_by"] == plan["command"]
    assert TASK in (dest / "README.md").read_text()
    assert tempfile.gettempdir() not in (dest / TASK / "config.json").read_text()

    monkeypatch.setattr(pretrained, "TASKS", dest)
    assert pretrained.shipped_tasks() == [TASK]
    assert models.checkpoint_path(f"pretrained:{TASK}") == dest / TASK
    assert pretrained.card(TASK)["env_steps"] == 96
    env = gym.make(TASK, obs_size=32, show_goal=False)
    model = models.load_world_model(f"pretrained:{TASK}", env, torch.device("cpu"))
    assert model.record.env_id == TASK
    with pytest.raises(FileNotFoundError, match=f"shipped: .*{TASK}"):
        models.checkpoint_path("pretrained:SpringsTask-v0")


def test_what_was_not_measured_on_test_episodes_is_not_shipped(measured, tmp_path, capsys):
    ship = load_benchmark("ship_tasks")
    results = measured / "results"
    plan_file = results / f"plan_{TASK}_s0_test.json"
    plan = json.loads(plan_file.read_text())
    dest = tmp_path / "tasks"
    try:
        plan_file.write_text(json.dumps(plan | {"seed": 1000}))  # development episodes
        assert ship.main(ship_argv(measured, dest)) == 2
        assert "are not test episodes" in capsys.readouterr().err
        plan_file.write_text(json.dumps(plan | {"model": "runs/other/model"}))
        assert ship.main(ship_argv(measured, dest)) == 2
        assert "measured 'runs/other/model'" in capsys.readouterr().err
    finally:
        plan_file.write_text(json.dumps(plan))
    assert ship.main([*ship_argv(measured, dest)[:-2], "--seed", "1", "--dest", str(dest)]) == 2
    assert "mbrl_GravityTask-v0_s1.json" in capsys.readouterr().err  # no run of seed 1
    mbrl_file = results / f"mbrl_{TASK}_s0.json"
    mbrl = json.loads(mbrl_file.read_text())
    try:
        mbrl_file.write_text(json.dumps(mbrl | {"command": None}))
        assert ship.main(ship_argv(measured, dest)) == 2
        assert "records no command" in capsys.readouterr().err
    finally:
        mbrl_file.write_text(json.dumps(mbrl))
    assert ship.main(["--tasks", "Billiards-v0", "--dest", str(dest)]) == 2
    assert "plain 'pretrained'" in capsys.readouterr().err
    assert not dest.exists()


def test_demo_fine_tunes_a_shipped_task_vin(measured, tmp_path, monkeypatch, capsys):
    ship = load_benchmark("ship_tasks")
    dest = tmp_path / "tasks"
    assert ship.main(ship_argv(measured, dest)) == 0
    monkeypatch.setattr(pretrained, "TASKS", dest)
    out = tmp_path / "demo"
    online = ["--online-seed-episodes", "2", "--online-episodes", "1"]
    online += ["--online-iterations", "1", "--online-train-steps", "2"]
    plan = ["--plan-episodes", "1", "--max-episode-steps", "3", "--population", "4"]
    plan += ["--elites", "2", "--iterations", "1", "--horizon", "2", "--no-progress"]
    assert main(["demo", "--env", TASK, *online, *plan, "--out", str(out)]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["env"] == TASK
    assert summary["data"]["start"].startswith(f"pretrained:{TASK}")
    assert summary["data"]["pretrained_env_steps"] == 96  # from the task VIN's card
    config = json.loads((out / "online" / "mbrl.json").read_text())["config"]
    assert config["init"] == f"pretrained:{TASK}" and config["env_id"] == TASK
    # a task without a shipped VIN: one line naming those with one
    assert main(["demo", "--env", "SpringsTask-v0", "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert "no VIN is shipped for 'SpringsTask-v0'" in err and TASK in err


@pytest.mark.parametrize("task", pretrained.shipped_tasks())
def test_each_shipped_task_vin_is_the_one_its_card_measured(task):
    """The committed card, weights and test figure of a shipped task VIN agree."""
    from vin_gym.utils import file_sha256
    from vin_model.checkpoint import read_config

    folder = pretrained.checkpoint(task)
    card = pretrained.card(task)
    assert folder == pretrained.TASKS / task and card["env_id"] == task
    assert file_sha256(folder / "model.safetensors") == card["weights_sha256"]
    config = read_config(folder)
    assert config["step"] == card["training_steps"] and card["env_steps"] <= 31_200
    plan = json.loads((ROOT / "docs/results/tasks" / f"plan_{task}_s0_test.json").read_text())
    assert plan["command"] == card["measured_by"] and plan["seed"] >= 100_000
    assert card["test"]["success_rate"] == plan["success_rate"]
