"""``vin-gym plan`` end to end on tiny budgets: what it writes and prints, its exit codes."""

from __future__ import annotations

import json

import pytest
import torch

import vin_gym  # noqa: F401  (registers the environments)
from vin_gym.cli import main

TINY = ["--population", "8", "--elites", "2", "--iterations", "1", "--horizon", "3"]
#: The settings each planner has (a flag a planner lacks is refused).
OWN = {
    "cem": TINY,
    "icem": TINY,
    "mppi": ["--population", "8", "--iterations", "1", "--horizon", "3"],
    "random": ["--population", "8", "--horizon", "3"],
}


@pytest.mark.parametrize("planner", ["cem", "icem", "mppi", "random"])
def test_plan_command_writes_json(tmp_path, capsys, planner):
    out = tmp_path / "plan.json"
    rc = main(
        [
            *("plan", "--planner", planner, "--episodes", "2", "--seed", "3"),
            *OWN[planner],
            "--json",
            str(out),
        ]
    )
    assert rc == 0
    results = json.loads(out.read_text())
    for key in ("success_rate", "mean_return", "mean_steps_to_success", "ms_per_decision"):
        assert key in results
    wins = sum(e["success"] for e in results["per_episode"])
    assert results["episodes"] == 2 and results["success_rate"] == wins / 2
    assert results["ci_low"] <= results["success_rate"] <= results["ci_high"]
    assert [e["seed"] for e in results["per_episode"]] == [3, 4]
    assert results["mean_return"] < 0
    assert len(results["machine"]["load_start"]) == len(results["machine"]["load_end"]) == 3
    assert "command" in results  # None under pytest, the command line under vin-gym
    assert "success_rate" in capsys.readouterr().out  # the table


def test_plan_command_video(tmp_path):
    gif = tmp_path / "plan.gif"
    argv = ["plan", "--episodes", "1", *TINY, "--video", str(gif)]
    assert main(argv) == 0
    import imageio.v3 as iio

    frames = iio.imread(gif)
    assert frames.ndim == 4 and frames.shape[0] >= 2
    # the planned path is drawn in yellow: (255, 255, 0) pixels exist
    yellow = (frames[..., 0] > 200) & (frames[..., 1] > 200) & (frames[..., 2] < 60)
    assert yellow.any()
    # every frame is captioned (episode, seed, then the outcome) in white at the top left
    caption = (frames[:, 2:12, 3:80, :3] > 230).all(axis=-1)
    assert caption.any(axis=(1, 2)).all()


def test_plan_command_bad_input(tmp_path, capsys):
    assert main(["plan", "--episodes", "0"]) == 2
    assert "--episodes" in capsys.readouterr().err
    assert main(["plan", "--model", str(tmp_path / "missing"), "--episodes", "1"]) == 2
    assert "oracle" in capsys.readouterr().err


def test_plan_command_with_a_vin_checkpoint(tmp_path):
    from vin_model.checkpoint import save_checkpoint
    from vin_model.config import VINConfig
    from vin_model.vin import VIN

    torch.manual_seed(0)
    vin = VIN(VINConfig(frame_size=32, code_size=4, conv_channels=4, hidden=8))
    save_checkpoint(tmp_path / "run", vin, step=1)
    out = tmp_path / "plan.json"
    argv = [
        "plan",
        "--model",
        str(tmp_path / "run"),
        "--episodes",
        "1",
        "--device",
        "cpu",
        *TINY,
        "--json",
        str(out),
    ]
    assert main(argv) == 0
    results = json.loads(out.read_text())
    episode = results["per_episode"][0]
    # The VIN waits for 6 frames: 5 steps without a decision.
    assert episode["decisions"] == episode["steps"] - 5


def test_plan_records_the_episode_and_planner_seeds(tmp_path):
    out = tmp_path / "p.json"
    argv = ["plan", "--episodes", "1", "--seed", "5", "--planner-seed", "1", *TINY]
    assert main([*argv, "--no-progress", "--json", str(out)]) == 0
    result = json.loads(out.read_text())
    assert result["seed"] == 5 and result["planner_seed"] == 1
    assert [e["seed"] for e in result["per_episode"]] == [5]


def test_plan_refuses_a_checkpoint_of_another_env_naming_the_flag(tmp_path, capsys):
    from vin_model.checkpoint import save_checkpoint
    from vin_model.config import VINConfig
    from vin_model.vin import VIN

    meta = {"env_id": "SeedBilliards-v0", "env_kwargs": {"obs_size": 32}, "n_objects": 3,
            "obs_size": 32, "max_push": 2.0}  # fmt: skip
    vin = VIN(VINConfig(frame_size=32, code_size=4, conv_channels=4, hidden=8))
    save_checkpoint(tmp_path / "seed", vin, step=1, extra={"meta": meta})
    argv = ["plan", "--episodes", "1", "--device", "cpu", *TINY, "--model", str(tmp_path / "seed")]
    assert main([*argv, "--env", "Billiards-v0"]) == 2
    err = capsys.readouterr().err
    assert "env_id: checkpoint 'SeedBilliards-v0' vs env 'Billiards-v0'" in err
    assert "pass --allow-mismatch to plan anyway" in err  # the flag, not the parameter
    out = tmp_path / "plan.json"
    with pytest.warns(UserWarning, match="does not fit"):
        assert main([*argv, "--env", "Billiards-v0", "--allow-mismatch", "--json", str(out)]) == 0
    assert json.loads(out.read_text())["episodes"] == 1


def test_plan_with_an_ensembles_disagreement_penalty(tmp_path, capsys):
    """``--disagreement W`` plans an ensemble VIN with W times its spread subtracted; a
    model without members to disagree is refused, naming the flag, before any episode."""
    from vin_model.checkpoint import save_checkpoint
    from vin_model.config import VINConfig
    from vin_model.vin import VIN

    torch.manual_seed(0)
    small = {"frame_size": 32, "code_size": 4, "conv_channels": 4, "hidden": 8}
    save_checkpoint(tmp_path / "one", VIN(VINConfig(**small)), step=1)
    save_checkpoint(tmp_path / "two", VIN(VINConfig(**small, ensemble=2)), step=1)
    argv = ["plan", "--episodes", "1", "--device", "cpu", "--no-progress", *TINY]
    out = tmp_path / "plan.json"
    for model in (str(tmp_path / "one"), "oracle"):
        assert main([*argv, "--model", model, "--disagreement", "1", "--json", str(out)]) == 2
        assert "--disagreement" in capsys.readouterr().err
        assert not out.exists()
    for bad in ("-1", "inf", "nan"):
        assert main([*argv, "--model", str(tmp_path / "two"), "--disagreement", bad]) == 2
        assert "--disagreement must be a finite number >= 0, got" in capsys.readouterr().err
    two = ["--model", str(tmp_path / "two"), "--disagreement", "1", "--json", str(out)]
    assert main([*argv, *two]) == 0
    result = json.loads(out.read_text())
    assert result["episodes"] == 1 and result["disagreement"] == 1.0
