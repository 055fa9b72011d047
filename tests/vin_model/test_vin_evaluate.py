"""Evaluation against baselines, and the train/evaluate commands end to end."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from vin_fakes import MemoryClips

from vin_model import VIN, VINConfig
from vin_model.checkpoint import read_config
from vin_model.evaluate import evaluate, summary_rows

TINY = dict(conv_channels=4, hidden=16, code_size=8)


def test_evaluate_models_and_baselines() -> None:
    clips = MemoryClips(episodes=2, length=20, rollout=12, pushes=False, starts=2)
    models = {"VIN": VIN(VINConfig(**TINY)), "no rel": VIN(VINConfig(relations=False, **TINY))}
    result = evaluate(models, clips, horizon=12, batch_size=3, progress=False)
    assert result["clips"] == 4 and set(result["models"]) == {"VIN", "no rel"}
    for series in (
        result["models"]["VIN"]["mse_per_step"],
        *result["baselines"].values(),
        *result["baselines_euclid"].values(),
    ):
        assert len(series) == 12 and np.all(np.isfinite(series))
    cv, cp = result["baselines"]["constant_velocity"], result["baselines"]["constant_position"]
    assert cv[0] < cp[0]  # straight extrapolation beats standing still one step ahead
    assert cp[0] < cp[-1]  # errors grow with the horizon
    rows = summary_rows(result)
    assert [r["model"] for r in rows] == ["VIN", "no rel", "constant_position", "constant_velocity"]
    assert set(rows[0]) >= {"step 1", "step 8", "mean 1-8"} and "step 50" not in rows[0]


def test_a_perfect_model_scores_zero() -> None:
    clips = MemoryClips(episodes=1, length=14, rollout=6, pushes=False, starts=2)

    class Oracle(VIN):
        def predict(self, context, actions):  # the truth, as a model
            return torch.stack([clips[i]["states"][6:] for i in range(2)])

    result = evaluate({"oracle": Oracle(VINConfig(**TINY))}, clips, 6, progress=False)
    assert max(result["models"]["oracle"]["mse_per_step"]) == 0.0


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> Path:
    from vin_gym.data import CollectConfig, collect

    root = tmp_path_factory.mktemp("data")
    collect(
        CollectConfig(
            "Billiards-v0",
            {"obs_size": 32, "show_goal": False},
            policy="pushes",
            episodes=6,
            steps=29,
            progress=False,
        ),
        root,
    )
    return root


def test_train_seed_draws_the_split_and_evaluate_reads_it(tmp_path: Path, dataset: Path) -> None:
    from vin_gym.cli import main
    from vin_gym.data.clips import split_episodes
    from vin_model.checkpoint import recorded_split

    run = tmp_path / "run"
    argv = ["train", "--data", str(dataset), "--out", str(run), "--steps", "1", "--seed", "5"]
    small = ["--batch-size", "4", "--rollout", "2", "--rollout-max", "4", "--hidden", "16"]
    assert main([*argv, *small, "--val-fraction", "0.4", "--no-progress"]) == 0
    split = read_config(run)["split"]
    expected = split_episodes(6, 0.4, seed=5)["val"].tolist()
    assert split == {"seed": 5, "val_fraction": 0.4, "val_episodes": expected}
    assert expected != split_episodes(6, 0.4, seed=0)["val"].tolist()  # seed 5 mattered
    assert recorded_split(run) == (0.4, 5)
    assert recorded_split(run, 0.1, 2) == (0.1, 2)


def test_train_and_evaluate_commands(tmp_path: Path, dataset: Path) -> None:
    from vin_gym.cli import main

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


def test_the_progress_bar_counts_toward_the_real_budget(
    tmp_path: Path, dataset: Path, capsys, monkeypatch
):
    """A time cap without --steps once showed a bar toward 10^9 steps."""
    import sys

    from vin_gym.cli import main

    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)  # bars are drawn on terminals only

    argv = ["train", "--data", str(dataset), "--out", str(tmp_path / "run"), "--batch-size", "4"]
    small = ["--rollout", "2", "--rollout-max", "4", "--hidden", "16", "--conv-channels", "4"]
    assert main([*argv, *small, "--max-minutes", "0.0001"]) == 0
    err = capsys.readouterr().err
    assert "/10000 " in err and "1000000000" not in err  # the default --steps budget
    assert "--max-minutes cap" in err and "not the fixed-step run" in err
