"""``--env-kwargs`` on the command line: refused with exit 2 by every command, used and
recorded by collect and plan."""

from __future__ import annotations

import json

import pytest

from vin_gym.cli import main

PLAN = ["plan", "--episodes", "1", "--horizon", "2", "--population", "4", "--elites", "2"]
PLAN += ["--iterations", "1"]


@pytest.mark.parametrize("command", ["collect", "plan", "compare", "baseline", "demo"])
def test_every_command_refuses_a_bad_key_with_exit_2(command, tmp_path, capsys) -> None:
    extra = {"collect": ["--out", str(tmp_path / "d")], "baseline": ["--algo", "ppo"]}
    argv = [command, *extra.get(command, []), "--env-kwargs", "dampnig=1"]
    if command in ("compare", "demo"):
        argv += ["--out", str(tmp_path / "o")]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "has no argument 'dampnig'" in err and "damping" in err
    assert "Traceback" not in err


def test_collect_and_plan_use_and_record_the_kwargs(tmp_path) -> None:
    out = tmp_path / "data"
    argv = ["collect", "--episodes", "1", "--steps", "3", "--out", str(out), "--no-progress"]
    assert main([*argv, "--policy", "random", "--env-kwargs", "damping=0.5", "n_objects=4"]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["config"]["env_kwargs"]["damping"] == 0.5
    assert manifest["meta"]["n_objects"] == 4
    result = tmp_path / "plan.json"
    assert main([*PLAN, "--env-kwargs", "initial_speed=2", "--json", str(result)]) == 0
    assert json.loads(result.read_text())["env_kwargs"] == {"initial_speed": 2.0}
