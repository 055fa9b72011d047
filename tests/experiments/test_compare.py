"""The comparison (``run_comparison``, what ``vin-gym compare`` runs) end to end on tiny
budgets, with fake SB3 runs; the command's flags and exit codes: tests/cli/test_cli_compare.py."""

from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path

import numpy as np
import pytest

from vin_gym.experiments.comparison.report import aggregate
from vin_gym.experiments.comparison.runner import Context, cell_path
from vin_gym.experiments.comparison.runner import load_cell as _load_cell
from vin_gym.experiments.comparison.sb3_runs import find_sb3_runs, same_physics, sb3_rows
from vin_gym.experiments.comparison.specs import Grid, cell_specs, eval_key
from vin_gym.experiments.comparison.sweep import run_comparison
from vin_gym.experiments.recipe import HEADLINE
from vin_gym.seeds import TEST_SEED_BASE
from vin_gym.utils import write_json


def fake_sb3_run(root: Path, seed: int, success: float) -> Path:
    """A run directory as ``vin-gym baseline`` writes it, with one evaluation."""
    run = root / f"ppo_state_s{seed}"
    write_json(
        run / "config.json",
        {
            "algo": "ppo",
            "obs": "state",
            "env_id": "Billiards-v0",
            "timesteps": 1000,
            "seed": seed,
            "command": f"vin-gym baseline --seed {seed}",
        },
    )
    write_json(
        run / "evaluations.json",
        [
            {
                "timesteps": 1000,
                "target": 1000,
                "success_rate": success,
                "mean_return": -10.0,
                "episodes": 2,
            }
        ],
    )
    write_json(run / "summary.json", {"finished": True})
    return run


#: A comparison on tiny budgets: 2 episodes of 8 steps, a 2-step VIN, a 1-iteration CEM.
TINY = {
    "seeds": (0,), "data_steps": (60,), "episode_steps": 12, "rollout": 4,
    "train_steps": 2, "batch_size": 4, "planner": "cem", "horizon": 3,
    "planner_kwargs": {"population": 8, "elites": 2, "iterations": 1},
}  # fmt: skip


def compare(
    work: Path, out: Path, episodes: int = 2, lines: list[str] | None = None, **changes
) -> tuple[dict, list[str]]:
    """Run the tiny comparison (``changes`` to its grid, or ``run_comparison``'s keywords);
    returns the results and the lines it logged (into ``lines`` if given)."""
    grid_fields = {f.name for f in fields(Grid)}
    grid = Grid(**(TINY | {k: v for k, v in changes.items() if k in grid_fields}))
    key = eval_key("Billiards-v0", {}, episodes, TEST_SEED_BASE, max_episode_steps=8)
    ctx = Context(work=work, device="cpu", threads=1, progress=False)
    lines = [] if lines is None else lines
    options = {k: v for k, v in changes.items() if k not in grid_fields}
    results = run_comparison(grid, key, out, ctx, log=lines.append, **options)
    return results, lines


def test_compare_tiny_run_writes_results_and_resumes(tmp_path):
    sb3 = tmp_path / "sb3"
    for seed, success in ((0, 0.2), (1, 0.4)):
        fake_sb3_run(sb3, seed, success)
    out, work = tmp_path / "results", tmp_path / "work"
    results, _ = compare(work, out, sb3_runs=[sb3])
    for name in ("compare.md", "compare.json", "compare.png"):
        assert (out / name).stat().st_size > 0
    assert json.loads((out / "compare.json").read_text())["rows"] == results["rows"]
    by_method = {r["method"]: r for r in results["rows"]}
    assert set(by_method) == {"random", "zero", "oracle-cem", "vin-cem", "ppo-state"}
    assert by_method["random"]["env_steps"] == 0 and by_method["oracle-cem"]["env_steps"] == 0
    assert by_method["vin-cem"]["env_steps"] == 5 * 12  # ceil(60 / 12) episodes of 12 steps
    assert by_method["ppo-state"]["n_seeds"] == 2
    assert by_method["ppo-state"]["success_mean"] == pytest.approx(0.3)
    assert by_method["zero"]["success_mean"] == 0.0  # at rest, nothing moves by itself
    for r in results["rows"]:
        if r["ci_low"] is not None:
            assert r["ci_low"] <= r["success_mean"] <= r["ci_high"] and r["ci_high"] > 0
    assert "success rate [95% CI]" in (out / "compare.md").read_text()
    (match,) = results["steps_to_match"]  # VIN-MPC against the one SB3 agent
    assert match["agent"] == "ppo-state" and match["vin_steps"] == 60
    assert (match["agent_steps"] is None) == (by_method["vin-cem"]["success_mean"] > 0.3)

    # A second run reuses every finished cell.
    _, lines = compare(work, out, sb3_runs=[sb3])
    assert sum("done before" in line for line in lines) == 4

    # no_run summarizes what is finished and lists the rest (here: seed 1) as missing.
    results, lines = compare(work, out, seeds=(0, 1), sb3_runs=[sb3], no_run=True)
    assert sum("left out" in line for line in lines) == 3
    assert results["missing_cells"] == ["random_s1", "oracle-cem_s1", "vin-cem_d60_s1"]
    assert {r["method"]: r["n_seeds"] for r in results["rows"]}["vin-cem"] == 1
    assert "vin-cem_d60_s1" in (out / "compare.md").read_text()
    with pytest.raises(ValueError, match="pass one of them"):
        compare(work, out, no_run=True, force=True)


def test_compare_cells_match_the_direct_evaluation(tmp_path):
    """A cached cell is reused only under the same settings."""
    out = tmp_path / "results"
    compare(tmp_path, out, methods=("random",))
    first = json.loads((out / "cells" / "random_s0.json").read_text())
    compare(tmp_path, out, episodes=3, methods=("random",))  # 3 episodes: a new cell
    second = json.loads((out / "cells" / "random_s0.json").read_text())
    assert first["episodes"] == 2 and second["episodes"] == 3
    # compare reports on the test episodes by default (vin_gym.seeds)
    assert [e["seed"] for e in second["per_episode"]] == [100_000, 100_001, 100_002]
    # where and with what it ran: the same seed gives the same cell only on one of each
    assert second["machine"]["cpu_count"] >= 1 and len(second["machine"]["load_end"]) == 3
    assert second["versions"]["numpy"] == np.__version__


def test_aggregate_groups_seeds():
    cells = [
        {"label": "vin-cem", "env_steps": 100, "seed": s, "success_rate": r,
         "mean_return": -1.0, "episodes": 50,
         "per_episode": [{"success": i < 50 * r} for i in range(50)]}
        for s, r in ((0, 0.2), (1, 0.6), (2, 0.4))
    ]  # fmt: skip
    (row,) = aggregate(cells)
    assert row["n_seeds"] == 3 and row["seeds"] == [0, 1, 2]
    assert row["success_mean"] == pytest.approx(0.4)
    # the interval holds the spread between seeds: wider than 150 pooled episodes' Wilson
    assert row["ci_low"] < 0.3 and row["ci_high"] > 0.5


def test_sb3_runs_are_found_in_folders(tmp_path):
    run = fake_sb3_run(tmp_path, 0, 0.5)
    going = fake_sb3_run(tmp_path, 1, 0.1)
    (going / "summary.json").unlink()
    assert find_sb3_runs([tmp_path]) == ([run], [going])
    assert find_sb3_runs([run]) == ([run], [])
    assert find_sb3_runs([tmp_path], partial=True) == ([run, going], [])
    assert sb3_rows([run], "Springs-v0") == []
    with pytest.raises(FileNotFoundError, match="neither"):
        find_sb3_runs([tmp_path / "missing"])


def test_a_cell_from_other_physics_is_not_reused(tmp_path):
    spec = {
        "name": "random_s0",
        "method": "random",
        "eval": {"env": "Billiards-v0", "physics": "a"},
    }
    path = write_json(tmp_path / "cell.json", {**spec, "success_rate": 0.5})
    assert _load_cell(path, spec)["success_rate"] == 0.5
    stale = {**spec, "eval": {**spec["eval"], "physics": "b"}}
    assert _load_cell(path, stale) is None


def test_sb3_runs_from_other_physics_are_left_out(tmp_path, capsys):
    runs = [fake_sb3_run(tmp_path, seed, 0.5) for seed in range(3)]
    for run, physics in zip(runs[1:], ("now", "before"), strict=True):
        config = json.loads((run / "config.json").read_text())
        write_json(run / "config.json", {**config, "physics": physics})
    assert same_physics(runs, "now") == runs[:2]
    out = capsys.readouterr().out
    assert "does not record" in out and "other physics (before vs now)" in out


def test_an_mbrl_cell_learns_online_evaluates_and_is_reused(tmp_path):
    out, work = tmp_path / "results", tmp_path / "work"
    mbrl = {"episode_steps": 12, "seed_episodes": 4, "agent_episodes": 2, "seed_train_steps": 2,
            "train_steps": 2, "batch_size": 4, "rollout_max": 4, "eval_episodes": 0,
            "model": {"conv_channels": 4, "hidden": 16, "code_size": 8}}  # fmt: skip
    results, _ = compare(work, out, methods=("mbrl",), mbrl_steps=(72,), mbrl=mbrl)
    cell = json.loads((out / "cells" / "mbrl-cem_d72_s0.json").read_text())
    assert cell["label"] == "vin-mbrl-cem" and cell["env_steps"] == 72
    assert cell["episodes"] == 2 and len(cell["per_episode"]) == 2
    run = work / "mbrl" / "d72_s0"
    assert (run / "mbrl.json").is_file() and cell["run_dir"] == str(run)
    rows = json.loads((run / "mbrl.json").read_text())["iterations"]
    assert cell["mbrl_iterations"] == rows and rows[-1]["env_steps"] == 72  # the loop's curve
    assert [r["method"] for r in results["rows"]] == ["vin-mbrl-cem"]
    # the run is reused: a forced redo of the cell finds the run finished
    state = (run / "mbrl.json").read_text()
    compare(work, out, methods=("mbrl",), mbrl_steps=(72,), mbrl=mbrl, force=True)
    assert (run / "mbrl.json").read_text() == state


def test_mbrl_settings_can_be_scoped_to_one_budget():
    from vin_gym.experiments.comparison.specs import Grid, cell_specs

    grid = Grid(
        methods=("mbrl",),
        seeds=(0,),
        mbrl_steps=(10_000, 31_200),
        mbrl={"10000:seed_episodes": 100, "lr": 3e-4},
    )
    key = {"env": "Billiards-v0", "env_kwargs": {}}
    by_budget = {s["data_steps"]: s["mbrl"] for s in cell_specs(grid, key)}
    recipe = {"training": {"augment": HEADLINE.augment}}  # as the run resolves it
    assert by_budget == {
        10_000: {"lr": 3e-4, "seed_episodes": 100, **recipe},
        31_200: {"lr": 3e-4, **recipe},
    }
    with pytest.raises(ValueError, match="budget '30000'"):
        Grid(methods=("mbrl",), mbrl_steps=(10_000,), mbrl={"30000:seed_episodes": 100})
    with pytest.raises(ValueError, match="lower seed_episodes"):  # 400 x 60 > 10,000
        Grid(methods=("mbrl",), mbrl_steps=(10_000,))


def test_an_mbrl_cell_from_before_cells_recorded_the_augmentation_is_one_without(tmp_path):
    """A cell written before mbrl cells recorded their augmentation was learned without
    one: it is reused for a grid that asks for none and for no other, so a change of the
    recipe's default redoes it instead of reporting it under the new recipe."""
    key = {"env": "Billiards-v0", "env_kwargs": {}}

    def spec(**mbrl):
        (one,) = cell_specs(Grid(methods=("mbrl",), seeds=(0,), mbrl=mbrl), key)
        return one

    without, with_d4 = spec(training={"augment": "none"}), spec(training={"augment": "d4"})
    assert spec()["mbrl"] == {"training": {"augment": HEADLINE.augment}}
    old = {**without, "mbrl": {}, "success_rate": 0.5}  # as such a cell reads back
    path = cell_path(tmp_path, without)
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(old))
    assert _load_cell(path, without)["success_rate"] == 0.5
    assert _load_cell(path, with_d4) is None
    pictured = {"env": "Billiards-v0", "env_kwargs": {"background": "textured"}}
    (on_picture,) = cell_specs(Grid(methods=("mbrl",), seeds=(0,)), pictured)
    assert on_picture["mbrl"] == {"training": {"augment": "none"}}  # no symmetry to use
