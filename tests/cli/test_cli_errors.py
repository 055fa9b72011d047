"""Commands end in one clear line naming the bad value (exit 2), checked before a long
run, and never report NaN as a result (issue 14)."""

from __future__ import annotations

import pytest
import torch

from vin_gym.cli import main
from vin_model import VIN, VINConfig

PLAN = ["plan", "--episodes", "1", "--horizon", "2", "--population", "4", "--elites", "2"]
TINY = VINConfig(conv_channels=4, hidden=8, code_size=4)


def test_output_paths_are_checked_before_the_run(tmp_path, capsys, monkeypatch) -> None:
    from vin_gym.experiments import models

    monkeypatch.setattr(models, "load_world_model", lambda *a, **k: pytest.fail("the run started"))
    assert main([*PLAN, "--json", str(tmp_path)]) == 2
    assert f"--json {tmp_path} is a directory" in capsys.readouterr().err
    (tmp_path / "afile").write_text("x")
    assert main([*PLAN, "--video", str(tmp_path / "afile" / "v.gif")]) == 2
    assert "is a file, not a directory" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("flag", "value"), [("--horizon", "0"), ("--max-clips", "0"), ("--batch-size", "-1")]
)
def test_evaluate_refuses_counts_below_one_naming_the_option(tmp_path, capsys, flag, value):
    argv = ["evaluate", "--checkpoint", str(tmp_path), "--data", str(tmp_path), flag, value]
    assert main(argv) == 2
    assert f"{flag} must be >= 1, got {value}" in capsys.readouterr().err


def test_evaluate_checks_its_output_directory_first(tmp_path, capsys) -> None:
    (tmp_path / "afile").write_text("x")
    argv = ["evaluate", "--checkpoint", str(tmp_path), "--data", str(tmp_path)]
    assert main([*argv, "--out", str(tmp_path / "afile")]) == 2
    assert "--out" in capsys.readouterr().err


def test_evaluate_refuses_nan_predictions_and_empty_clip_sets() -> None:
    from vin_fakes import MemoryClips

    from vin_model.evaluate import evaluate

    clips = MemoryClips(episodes=1, length=14, rollout=4, starts=2)
    model = VIN(TINY)
    with torch.no_grad():
        for p in model.decoder.parameters():
            p.fill_(float("nan"))
    with pytest.raises(ValueError, match="predicts NaN or infinite positions"):
        evaluate({"VIN": model}, clips, 4, progress=False)
    with pytest.raises(ValueError, match="max_clips=0"):
        evaluate({"VIN": VIN(TINY)}, clips, 4, max_clips=0, progress=False)


def test_evaluate_refuses_data_of_another_scene(tmp_path, capsys) -> None:
    from vin_gym.data import CollectConfig, collect
    from vin_model.checkpoint import save_checkpoint

    data = tmp_path / "data"
    collect(CollectConfig("Billiards-v0", {"obs_size": 32, "n_objects": 4}, "zero", episodes=2,
                          steps=9, progress=False), data)  # fmt: skip
    save_checkpoint(tmp_path / "run", VIN(TINY), 1)
    argv = ["evaluate", "--checkpoint", str(tmp_path / "run"), "--data", str(data), "--no-gif"]
    assert main([*argv, "--split", "all", "--no-progress"]) == 2
    assert "n_objects: checkpoint 3 vs data 4" in capsys.readouterr().err


def test_the_command_line_names_the_flag_the_library_names_as_a_parameter(tmp_path, capsys) -> None:
    """The library says ``allow_mismatch=True``; ``vin-gym evaluate`` says
    ``--allow-mismatch`` (one mechanism: ``flags_in_errors``)."""
    from vin_gym.data import CollectConfig, collect
    from vin_model.checkpoint import save_checkpoint

    data = tmp_path / "data"
    collect(CollectConfig("Billiards-v0", {"obs_size": 32}, "zero", episodes=2, steps=9,
                          progress=False), data)  # fmt: skip
    meta = {"env_id": "Springs-v0", "n_objects": 3, "obs_size": 32}
    save_checkpoint(tmp_path / "run", VIN(TINY), 1, extra={"meta": meta})
    argv = ["evaluate", "--checkpoint", str(tmp_path / "run"), "--data", str(data), "--no-gif"]
    assert main([*argv, "--split", "all", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "pass --allow-mismatch to evaluate anyway" in err and "allow_mismatch" not in err


def test_baseline_settings_are_named_as_flags(capsys) -> None:
    """A BaselineConfig error names the flags, not a quoted env argument."""
    with pytest.raises(ValueError) as caught:
        _config(["baseline", "--algo", "ppo", "--env-kwargs", "obs_size=32"])
    assert str(caught.value).startswith("--env-kwargs may not set 'obs_size': ")
    assert str(caught.value).endswith("the baseline sets it from --obs-size")


def _config(argv: list[str]):
    from vin_gym.cli import build_parser

    args = build_parser(argv).parse_args(argv)
    return args.config(args)


@pytest.mark.parametrize("flag", ["--init-std", "--min-std", "--noise-std", "--beta"])
def test_planner_settings_must_be_finite(flag, capsys) -> None:
    planner = "mppi" if flag == "--noise-std" else "icem" if flag == "--beta" else "cem"
    base = PLAN[:-2] if planner == "mppi" else PLAN  # MPPI has no elites
    assert main([*base, "--planner", planner, flag, "inf"]) == 2
    assert "inf" in capsys.readouterr().err


def test_a_planner_setting_the_planner_lacks_is_refused(capsys) -> None:
    assert main([*PLAN, "--planner", "cem", "--temperature", "0.1"]) == 2
    err = capsys.readouterr().err
    assert "--temperature do(es) not apply to --planner cem" in err and "--elites" in err
