"""``vin-gym baseline`` and ``baseline-summary`` on the command line: flags, exit codes,
error lines and output; the runs themselves are tested through the library in
tests/experiments/test_baselines.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("stable_baselines3")

from vin_gym.baselines import BaselineConfig
from vin_gym.cli import main

TINY = "--timesteps 256 --eval-at 128 --eval-episodes 2 --n-envs 2".split()
HP = "--hp n_steps=64 --hp batch_size=64 --hp n_epochs=1".split()


def test_baseline_runs_reports_and_refuses_to_overwrite(tmp_path, capsys):
    out = tmp_path / "run"
    args = ["baseline", "--algo", "ppo", "--obs", "state", "--out", str(out), *TINY, *HP]
    assert main([*args, "--json", str(tmp_path / "s.json")]) == 0  # with a progress bar
    summary = json.loads((tmp_path / "s.json").read_text())
    assert summary["timesteps"] == 256 and summary["obs"] == "state"
    evaluations = json.loads((out / "evaluations.json").read_text())
    assert [e["target"] for e in evaluations] == [128, 256]  # --eval-at and --timesteps
    assert json.loads((out / "config.json").read_text())["hyperparams"]["n_steps"] == 64
    assert "success_rate" in capsys.readouterr().out
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert main([*args, "--no-progress", "--seed", "1"]) == 2
    err = capsys.readouterr().err
    assert "already holds a run" in err and "--resume" in err
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--algo", "dqn"], "'dqn'"),
        (["--algo", "ppo", "--obs", "rgb"], "'rgb'"),
        (["--algo", "ppo", "--timesteps", "0"], "timesteps"),
        (["--algo", "ppo", "--hp", "n_stepz=3"], "n_stepz"),
    ],
)
def test_bad_arguments_give_clear_errors(tmp_path, capsys, args, needle):
    try:  # an unknown --algo or --obs is refused by the parser (its choices)
        rc = main(["baseline", *args, "--out", str(tmp_path / "r"), "--no-progress"])
    except SystemExit as stop:
        rc = stop.code
    assert rc == 2
    err = capsys.readouterr().err
    assert needle in err and "error" in err


def test_resume_without_a_run_names_what_is_missing(tmp_path, capsys):
    rc = main(["baseline", "--algo", "ppo", "--out", str(tmp_path / "none"), "--resume"])
    assert rc == 2
    assert "no run to resume" in capsys.readouterr().err


def test_baseline_summary_reads_finished_runs_or_with_partial_all(tmp_path, capsys):
    for seed, rates in [(0, [0.2, 0.6]), (1, [0.4, 0.8])]:
        run = tmp_path / f"ppo_state_s{seed}"
        run.mkdir()
        config = {"env_id": "Billiards-v0", "algo": "ppo", "obs": "state", "seed": seed,
                  "timesteps": 1000}  # fmt: skip
        (run / "config.json").write_text(json.dumps(config))
        evaluations = [
            {"timesteps": t, "target": t, "success_rate": r, "mean_return": -r, "episodes": 50}
            for t, r in zip([500, 1024], rates, strict=True)
        ]
        (run / "evaluations.json").write_text(json.dumps(evaluations))
    runs = [str(p) for p in sorted(tmp_path.glob("ppo_state_s*"))]
    assert main(["baseline-summary", *runs, "--out", str(tmp_path / "cli")]) == 2
    assert "no finished run" in capsys.readouterr().err
    assert not (tmp_path / "cli").exists()
    assert main(["baseline-summary", *runs, "--partial", "--out", str(tmp_path / "cli")]) == 0
    assert "0.70 ± 0.10" in (tmp_path / "cli" / "summary.md").read_text()
    assert "wrote summary.json" in capsys.readouterr().out


def test_baseline_flags_default_to_the_config():
    # One source for every default: flags left out give BaselineConfig's defaults.
    from vin_gym.cli import build_parser

    args = build_parser(["baseline"]).parse_args(["baseline", "--algo", "sac"])
    assert args.config(args) == BaselineConfig(algo="sac")
    assert BaselineConfig(algo="sac").out == Path("runs/sb3/sac_pixels_s0")
