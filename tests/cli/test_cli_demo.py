"""``vin-gym demo`` (the pipeline lives in the command: there is no library entry to call)
on tiny budgets, from scratch (collect, train, plan,
GIF) and from the shipped VIN (fine-tune online, plan, GIF)."""

from __future__ import annotations

import json

import imageio.v3 as iio

from vin_gym.cli import main

PLAN = [
    "--plan-episodes", "2", "--max-episode-steps", "8", "--population", "8", "--elites", "2",
    "--iterations", "1", "--horizon", "3", "--size", "64", "--no-progress",
]  # fmt: skip
TINY = [
    "demo", "--start", "scratch", "--episodes", "4", "--steps", "12", "--rollout", "4",
    "--train-steps", "2",
    "--batch-size", "4", "--plan-episodes", "2", "--max-episode-steps", "8",
    "--population", "8", "--elites", "2", "--iterations", "1", "--horizon", "3",
    "--size", "64", "--no-progress",
]  # fmt: skip


def test_demo_runs_the_pipeline(tmp_path, capsys):
    out = tmp_path / "demo"
    assert main([*TINY, "--out", str(out), "--json", str(tmp_path / "d.json")]) == 0
    summary = json.loads((out / "summary.json").read_text())
    written = json.loads((tmp_path / "d.json").read_text())
    assert written.pop("command") is None  # the command line, None when not run as vin-gym
    assert summary == written
    assert (out / "data" / "manifest.json").is_file()
    assert any((out / "vin" / "checkpoints").iterdir())
    assert summary["train"]["step"] == 2
    wins = [e["success"] for e in summary["per_episode"]]
    assert summary["episodes"] == 2 and summary["success_rate"] == sum(wins) / 2
    assert summary["random_success_rate"] in (0.0, 0.5, 1.0)
    assert [e["seed"] for e in summary["per_episode"]] == [1000, 1001]
    assert summary["gif_episodes"] == [1000, 1001]  # every episode, none picked
    frames = iio.imread(out / "demo.gif", index=None)
    # per episode: at most 8 steps plus the last frame, then the last frame held with its
    # outcome (the GIF writer may merge identical frames)
    assert frames.shape[1:3] == (64, 64) and 2 * 2 <= len(frames) <= 2 * (9 + 8)
    text = capsys.readouterr().out
    assert "[1/4] collect" in text and "[2/4] plan" in text
    assert f"succeeded in {sum(wins)} of 2 episodes (uniform random actions:" in text

    # Run again: data and model are reused, training does not restart.
    assert main([*TINY, "--out", str(out)]) == 0
    assert json.loads((out / "summary.json").read_text())["train"]["step"] == 2


def test_demo_bad_input(tmp_path, capsys):
    assert main(["demo", "--env", "Springs-v0", "--out", str(tmp_path)]) == 2
    assert "--start scratch" in capsys.readouterr().err
    assert main([*TINY, "--plan-episodes", "0", "--out", str(tmp_path)]) == 2
    assert "--plan-episodes" in capsys.readouterr().err
    assert main([*TINY, "--steps", "6", "--out", str(tmp_path)]) == 2
    assert "--steps" in capsys.readouterr().err


def test_demo_fine_tunes_the_shipped_vin_online(tmp_path, capsys):
    out = tmp_path / "demo"
    online = ["--online-seed-episodes", "2", "--online-episodes", "1"]
    online += ["--online-iterations", "1", "--online-train-steps", "2"]
    assert main(["demo", *online, *PLAN, "--out", str(out)]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["data"]["start"].startswith("pretrained")
    assert summary["data"]["env_steps"] == 3 * 60 and summary["train"]["step"] == 4
    # the model it planned with started from the shipped weights
    from vin_model import pretrained
    from vin_model.checkpoint import CHECKSUM, list_checkpoints, read_config

    init = read_config(list_checkpoints(out / "online" / "model")[-1])["init"]
    assert init["sha256"] == read_config(pretrained.CHECKPOINT)[CHECKSUM]
    assert "[1/4] fine-tune the shipped VIN online" in capsys.readouterr().out
