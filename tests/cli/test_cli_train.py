"""``vin-gym train`` on the command line: exit codes (2 for bad input, 3 for a diverged
run) and error lines that name flags; training itself is tested through the library in
tests/vin_model/."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from vin_gym.cli import main
from vin_model import load_model
from vin_model.checkpoint import list_checkpoints, read_config


def _finite(ckpt: Path) -> bool:
    return all(bool(torch.isfinite(v).all()) for v in load_model(ckpt).state_dict().values())


def test_the_train_command_exits_non_zero_on_a_diverging_resume(tmp_path, capsys) -> None:
    from vin_gym.data import CollectConfig, collect

    data = tmp_path / "data"
    collect(
        CollectConfig(
            "Billiards-v0", {"obs_size": 32}, "random", episodes=4, steps=15, progress=False
        ),
        data,
    )
    run = tmp_path / "run"
    common = ["train", "--data", str(data), "--out", str(run), "--batch-size", "4",
              "--rollout", "2", "--rollout-max", "4", "--hidden", "16", "--conv-channels",
              "4", "--code-size", "8", "--val-fraction", "0", "--device", "cpu",
              "--checkpoint-every", "5", "--no-progress"]  # fmt: skip
    assert main([*common, "--steps", "10"]) == 0
    good = list_checkpoints(run)
    capsys.readouterr()
    assert main([*common, "--steps", "10", "--resume", "--lr", "1e30"]) == 2  # a changed lr
    assert "or pass --allow-changes to change them" in capsys.readouterr().err  # the flag
    code = main([*common, "--steps", "30", "--resume", "--lr", "1e30", "--allow-changes"])
    assert code == 3
    assert "with a lower --lr (--resume with --allow-changes)" in capsys.readouterr().err
    assert list_checkpoints(run) == good and all(_finite(p) for p in good)
    missing = ["--steps", "10", "--resume", "--out", str(tmp_path / "x")]
    assert main([*common, *missing]) == 2  # --resume on nothing


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> Path:
    from vin_gym.data import CollectConfig, collect

    root = tmp_path_factory.mktemp("data")
    collect(CollectConfig("Billiards-v0", {"obs_size": 32, "show_goal": False}, policy="pushes",
                          episodes=6, steps=29, progress=False), root)  # fmt: skip
    return root


def test_train_and_evaluate_commands(tmp_path: Path, dataset: Path) -> None:
    run = tmp_path / "run"
    common = [
        "--data",
        str(dataset),
        "--batch-size",
        "4",
        "--no-progress",
        "--rollout",
        "2",
        "--rollout-max",
        "4",
    ]
    assert (
        main(
            [
                "train",
                *common,
                "--out",
                str(run),
                "--steps",
                "3",
                "--hidden",
                "16",
                "--conv-channels",
                "4",
                "--code-size",
                "8",
                "--val-fraction",
                "0.2",
                "--json",
                str(tmp_path / "train.json"),
            ]
        )
        == 0
    )
    assert json.loads((tmp_path / "train.json").read_text())["step"] == 3
    # --seed 0 (the default) drew the split; the checkpoint records it for evaluate
    split = read_config(run)["split"]
    assert split == {"seed": 0, "val_fraction": 0.2, "val_episodes": [3]}
    assert main(["train", *common, "--out", str(run), "--steps", "3"]) == 2  # exists: no resume
    abl = tmp_path / "norel"
    assert (
        main(
            [
                "train",
                *common,
                "--out",
                str(abl),
                "--steps",
                "1",
                "--no-relations",
                "--hidden",
                "16",
                "--conv-channels",
                "4",
                "--code-size",
                "8",
            ]
        )
        == 0
    )
    out = tmp_path / "eval.json"
    assert (
        main(
            [
                "evaluate",
                "--checkpoint",
                str(run),
                "--data",
                str(dataset),
                "--horizon",
                "100",
                "--ablation",
                str(abl),
                "--split",
                "all",
                "--batch-size",
                "8",
                "--no-progress",
                "--json",
                str(out),
                "--out",
                str(tmp_path / "ev"),
            ]
        )
        == 0
    )
    result = json.loads(out.read_text())
    assert result["horizon"] == 24  # capped by 30-frame episodes
    assert len(result["mse_per_step"]) == 24
    assert set(result["baselines"]) == {"constant_position", "constant_velocity"}
    assert set(result["models"]) == {"VIN", "VIN without relations"}
    for name in ("error_vs_step.png", "trajectories.gif"):
        assert (tmp_path / "ev" / name).stat().st_size > 0
