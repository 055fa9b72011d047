"""Evaluation against baselines, and the split that training draws and evaluation reads;
the train and evaluate commands end to end are in tests/cli/test_cli_train.py."""

from __future__ import annotations

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
    from vin_gym.data.clips import split_episodes
    from vin_gym.experiments.training import train_on_data
    from vin_model.checkpoint import recorded_split
    from vin_model.training import TrainConfig

    run = tmp_path / "run"
    cfg = TrainConfig(steps=1, seed=5, batch_size=4, rollout_start=2, rollout_max=4,
                      progress=False, device="cpu")  # fmt: skip
    train_on_data([dataset], run, cfg, model={"hidden": 16}, val_fraction=0.4)
    split = read_config(run)["split"]
    expected = split_episodes(6, 0.4, seed=5)["val"].tolist()
    assert split == {"seed": 5, "val_fraction": 0.4, "val_episodes": expected}
    assert expected != split_episodes(6, 0.4, seed=0)["val"].tolist()  # seed 5 mattered
    assert recorded_split(run) == (0.4, 5)
    assert recorded_split(run, 0.1, 2) == (0.1, 2)


def test_the_progress_bar_counts_toward_the_real_budget(
    tmp_path: Path, dataset: Path, capsys, monkeypatch
):
    """A time cap without a step budget once showed a bar toward 10^9 steps."""
    import sys

    from vin_gym.experiments.training import train_on_data
    from vin_model.training import TrainConfig

    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)  # bars are drawn on terminals only
    cfg = TrainConfig(batch_size=4, rollout_start=2, rollout_max=4, max_minutes=0.0001,
                      progress=True, device="cpu")  # fmt: skip
    train_on_data([dataset], tmp_path / "run", cfg, model={"hidden": 16, "conv_channels": 4})
    err = capsys.readouterr().err
    assert "/10000 " in err and "1000000000" not in err  # the default steps budget
    assert "--max-minutes cap" in err and "not the fixed-step run" in err
