"""Bad inputs end in one clear line with exit 2, before any work or file (issue 23, items
3 and 4): a table of command lines run through ``vin_gym.cli.main``."""

from __future__ import annotations

import importlib.util

import pytest

from vin_gym.cli import main

HAS_SB3 = importlib.util.find_spec("stable_baselines3") is not None
PLAN = ["plan", "--episodes", "1", "--horizon", "2"]
BASE = ["baseline", "--out", "OUT"]

#: (command line, a text the one error line must hold); ``OUT`` is a path in tmp_path.
CASES: list[tuple[list[str], str]] = [
    (["mbrl", "--out", "OUT", "--population", "-5"], "-5"),
    (["mbrl", "--out", "OUT", "--planner", "mppi", "--elites", "3"], "--elites"),
    (["mbrl", "--out", "OUT", "--explore-std", "nan"], "--explore-std"),
    (["mbrl", "--out", "OUT", "--explore-std", "inf"], "inf"),
    (["mbrl", "--out", "OUT", "--model", "foo=1"], "'foo'"),
    (["mbrl", "--out", "OUT", "--model", "hidden=20000"], "20000"),
    (["mbrl", "--out", "OUT", "--model", "hidden=4000"], "weights"),
    (["mbrl", "--out", "OUT", "--model", 'visible="6"'], "'6'"),
    (["mbrl", "--out", "OUT", "--model", "n_objects=4"], "n_objects"),
    (["mbrl", "--out", "OUT", "--eval-seed", "-1"], "-1"),
    (["mbrl", "--out", "OUT", "--lr", "nan"], "nan"),
    (["mbrl", "--out", "OUT", "--val-fraction", "1"], "--val-fraction"),
    (["mbrl", "--out", "OUT", "--device", "mps"], "'mps'"),
    (["mbrl", "--out", "OUT", "--device", "cuda:7"], "cuda"),
    (["mbrl", "--out", "OUT", "--resume"], "no run to resume"),
    (["mbrl", "--out", "OUT", "--env-kwargs", "goal_radius=1e6"], "goal_radius"),
    (["compare", "--out", "OUT", "--methods", "mbrl", "--mbrl", "foo=1"], "'foo'"),
    (["compare", "--out", "OUT", "--methods", "mbrl", "--mbrl", ":explore_std=-5"], "budget"),
    (["compare", "--out", "OUT", "--methods", "mbrl", "--mbrl", "explore_std=-5"], "-5"),
    ([*PLAN, "--device", "mps"], "'mps'"),
    ([*PLAN, "--max-episode-steps", "0"], "--max-episode-steps"),
    ([*PLAN, "--env-kwargs", "goal_radius=nan"], "goal_radius"),
    ([*PLAN, "--env-kwargs", "goal_radius=1e6"], "goal_radius"),
    ([*PLAN, "--env-kwargs", "goal_radius=0"], "goal_radius"),
    ([*PLAN, "--env-kwargs", "radius=100"], "does not fit the 10 x 10 table"),
    ([*PLAN, "--planner", "cem", "--population", "0"], "0"),
    (
        [*PLAN, "--model", "OUT"],
        "--model must be 'oracle', 'pretrained', 'pretrained:SYSTEM' or an existing VIN",
    ),
    (["collect", "--out", "OUT", "--env-kwargs", "goal_radius=-1"], "goal_radius"),
    (["collect", "--out", "OUT", "--env-kwargs", "radius=6"], "radius=6"),
]
SB3_CASES: list[tuple[list[str], str]] = [
    (["baseline", "--algo", "ppo", "--out", "OUT", "--hp", "n_steps=abc"], "n_steps='abc'"),
    (["baseline", "--algo", "ppo", "--out", "OUT", "--hp", "n_steps=6.5"], "integer"),
    (["baseline", "--algo", "sac", "--out", "OUT", "--hp", "learning_rate=fast"], "'fast'"),
    (
        [*BASE, "--algo", "ppo", "--obs", "pixels", "--env-kwargs", "obs_size=32"],
        "--obs-size",
    ),
    (["baseline", "--algo", "ppo", "--obs", "pixels", "--obs-size", "32", "--out", "OUT"], "32"),
]


def _check_refused(argv: list[str], expect: str, tmp_path, capsys) -> None:
    out = tmp_path / "out"
    argv = [str(out) if a == "OUT" else a for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if ": error:" in line]
    assert len(errors) == 1, err
    assert expect in errors[0], errors[0]
    assert len(errors[0]) < 1000
    assert "Traceback" not in err
    assert not out.exists(), f"{out} was written: {list(out.rglob('*'))}"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize(("argv", "expect"), CASES, ids=[" ".join(c[0][3:]) for c in CASES])
def test_bad_input_is_one_line_and_exit_2(argv, expect, tmp_path, capsys) -> None:
    _check_refused(argv, expect, tmp_path, capsys)


@pytest.mark.skipif(not HAS_SB3, reason="needs stable-baselines3")
@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize(("argv", "expect"), SB3_CASES, ids=[c[1] for c in SB3_CASES])
def test_bad_baseline_input_is_one_line_and_exit_2(argv, expect, tmp_path, capsys) -> None:
    _check_refused(argv, expect, tmp_path, capsys)


def test_baseline_without_sb3_names_the_extra(tmp_path, capsys, monkeypatch) -> None:
    import builtins

    real_import = builtins.__import__

    def no_sb3(name, *args, **kwargs):
        if name.split(".")[0] == "stable_baselines3":
            raise ImportError("No module named 'stable_baselines3'")
        return real_import(name, *args, **kwargs)

    from vin_gym.baselines import sb3

    monkeypatch.setattr(builtins, "__import__", no_sb3)
    with pytest.raises(ImportError, match=r"pip install 'vin-gym\[sb3\]'"):
        sb3.require_sb3()
    from vin_gym.extras import MissingExtraError

    with pytest.raises(MissingExtraError):
        sb3.require_sb3()
