"""The task suite's table (``benchmarks/task_suite.py``): cells from the committed JSON,
labelled where they have fewer seeds or steps than the issue asks, and SB3 agents
evaluated again on test episodes (``vin_gym.baselines.evaluation``)."""

from __future__ import annotations

import json

import pytest
from benchmark_scripts import load_benchmark


@pytest.fixture(scope="module")
def suite():
    return load_benchmark("task_suite")


def plan_record(successes: list[bool]) -> dict:
    return {"per_episode": [{"success": s} for s in successes]}


def write(path, record) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record))


def test_cells_pool_seeds_and_say_what_they_lack(suite, tmp_path):
    task = "GravityTask-v0"
    for seed, wins in ((0, 40), (2, 30)):  # seeds 0 and 2 of the 3 asked
        write(
            tmp_path / f"plan_{task}_s{seed}_test.json",
            plan_record([True] * wins + [False] * (50 - wins)),
        )
        write(tmp_path / f"mbrl_{task}_s{seed}.json", {"iterations": [{"env_steps": 31_200}]})
    write(tmp_path / f"plan_{task}_s1_dev.json", plan_record([True] * 50))  # not a test file
    sb3 = {"successes": [True] * 10 + [False] * 40, "timesteps": 100_000}
    write(tmp_path / f"sb3_ppo_state_{task}_s0_test.json", sb3)

    rows = {r["task"]: r for r in suite.measure(tmp_path)}
    vin = rows[task]["vin_mpc"]
    assert vin["seeds"] == 2 and vin["episodes"] == 100
    assert vin["success_rate"] == pytest.approx(0.7) and vin["reduced"] == "2 of 3 seeds"
    assert rows[task]["vin_of_oracle"] == pytest.approx(0.7)  # the oracle's 1.00 on this task
    ppo = rows[task]["ppo_state"]
    assert ppo["reduced"] == "1 of 3 seeds; 100,000 of 300,000 steps"
    assert rows[task]["ppo_pixels"] is None and rows["SpringsTask-v0"]["vin_mpc"] is None
    shown = suite.table(list(rows.values()))
    assert "0.70 [" in shown and "(2x50) @31,200 **2 of 3 seeds**" in shown
    assert "(1x50) @100,000 **1 of 3 seeds; 100,000 of 300,000 steps**" in shown
    # Billiards-v0 takes the comparison's three 31,200-step cells, none reduced
    billiards = rows["Billiards-v0"]["vin_mpc"]
    assert billiards["seeds"] == 3 and billiards["reduced"] is None


def test_the_six_object_row_reads_the_comparison_cells(suite, tmp_path):
    cells = tmp_path / "billiards6" / "cells"
    write(cells / "random_s0.json", plan_record([False] * 49 + [True]))
    write(cells / "zero.json", plan_record([False] * 50))
    write(cells / "oracle-icem_s0.json", plan_record([True] * 45 + [False] * 5))
    write(tmp_path / "plan_Billiards-v0-6_s0_test.json", plan_record([True] * 36 + [False] * 14))
    write(tmp_path / "mbrl_Billiards-v0-6_s0.json", {"iterations": [{"env_steps": 31_200}]})
    (row,) = [r for r in suite.measure(tmp_path) if r["task"] == "Billiards-v0, 6 objects"]
    assert row["random"]["success_rate"] == pytest.approx(0.02)
    assert row["oracle"]["success_rate"] == pytest.approx(0.9)
    assert row["vin_of_oracle"] == pytest.approx(0.72 / 0.9)


def seeded(successes: list[bool]) -> dict:
    return {"per_episode": [{"seed": 100_000 + i, "success": s} for i, s in enumerate(successes)]}


def test_a_variant_is_paired_with_the_headline_runs_of_its_seeds(suite, tmp_path):
    task, folder = "SpringsTask-v0", tmp_path / "icem_collect"
    steps = {"iterations": [{"env_steps": 31_200}]}
    for seed in (0, 1, 2):  # the headline recipe: episodes 0-29 of 40 on every seed
        write(tmp_path / f"plan_{task}_s{seed}_test.json", seeded([True] * 30 + [False] * 10))
        write(tmp_path / f"mbrl_{task}_s{seed}.json", steps)
    # the variant, seeds 0 and 1 only: gains episodes 30-34 on seed 0, loses 0-1 on seed 1
    write(folder / f"plan_{task}_s0_test.json", seeded([True] * 35 + [False] * 5))
    write(folder / f"plan_{task}_s1_test.json", seeded([False] * 2 + [True] * 28 + [False] * 10))
    for seed in (0, 1):
        write(folder / f"mbrl_{task}_s{seed}.json", steps)
    (row,) = suite.variant_rows(tmp_path, tmp_path / "test")
    assert row["task"] == task and row["variant"] == "icem_collect" and row["seeds"] == [0, 1]
    assert row["vin_mpc"]["success_rate"] == pytest.approx(63 / 80)
    assert row["vin_mpc"]["reduced"] == "2 of 3 seeds"
    pair = row["against_headline"]
    assert (pair["a"], pair["b"], pair["gained"], pair["lost"]) == (60, 63, 5, 2)
    shown = suite.variant_table([row])
    assert "**2 of 3 seeds**" in shown and "63 against 60 of 80; 5 gained, 2 lost" in shown
    (tmp_path / f"plan_{task}_s1_test.json").unlink()  # nothing to pair with: an error
    with pytest.raises(FileNotFoundError, match="no headline run to pair with"):
        suite.variant_rows(tmp_path, tmp_path / "test")


def test_a_billiards_variant_reads_its_comparison_and_pairs_with_the_headlines(suite, tmp_path):
    """``Billiards-v0``'s variant row: the variant's comparison cells beside the
    headline's (``test/icem/cells``), paired seed by seed."""
    tests = tmp_path / "test"
    for seed in (0, 1, 2):  # the headline: episodes 0-39 of 50; the variant gains 40-44
        write(
            tests / "icem" / "cells" / f"mbrl-icem_d31200_s{seed}.json",
            seeded([True] * 40 + [False] * 10),
        )
        write(
            tests / "d4" / "cells" / f"mbrl-icem_d31200_s{seed}.json",
            seeded([True] * 45 + [False] * 5),
        )
    (row,) = suite.variant_rows(tmp_path, tests)
    assert (row["task"], row["variant"], row["seeds"]) == ("Billiards-v0", "d4", [0, 1, 2])
    assert row["vin_mpc"]["success_rate"] == pytest.approx(0.9)
    assert row["vin_mpc"]["reduced"] is None and row["vin_mpc"]["env_steps"] == 31_200
    pair = row["against_headline"]
    assert (pair["a"], pair["b"], pair["gained"], pair["lost"]) == (120, 135, 15, 0)


def test_the_readme_table_is_the_committed_json(suite):
    """README.md's table is what the script makes of the committed files."""
    from vin_gym.reporting import marked_span

    readme = (suite.ROOT / "README.md").read_text()
    span = marked_span(readme, "task_suite:results")
    assert span is not None, "README.md lacks the task_suite:results markers"
    assert readme[span[0] : span[1]].strip() == suite.table(suite.measure()).strip()
    span = marked_span(readme, "task_suite:shipped")
    assert span is not None, "README.md lacks the task_suite:shipped markers"
    assert readme[span[0] : span[1]].strip() == suite.shipped_table(suite.RESULTS).strip()
    variants = suite.variant_rows()
    span = marked_span(readme, "task_suite:variants")
    assert span is not None, "README.md lacks the task_suite:variants markers"
    assert readme[span[0] : span[1]].strip() == suite.variant_table(variants).strip()
    committed = json.loads((suite.ROOT / "benchmarks/results/task_suite.json").read_text())
    assert committed["command"].startswith("python benchmarks/task_suite.py")
    assert committed["rows"] == json.loads(json.dumps(suite.measure()))
    assert committed["variants"] == json.loads(json.dumps(variants))


def test_a_finished_sb3_run_is_evaluated_again_on_any_episodes(tmp_path, suite):
    pytest.importorskip("stable_baselines3")
    from vin_gym.baselines import BaselineConfig, train_baseline
    from vin_gym.baselines.evaluation import evaluate_run
    from vin_gym.signing import UntrustedFile

    run = tmp_path / "runs" / "GravityTask-v0" / "ppo_state_s0"
    hp = {"n_steps": 64, "batch_size": 64, "n_epochs": 1}
    cfg = BaselineConfig(
        algo="ppo", obs="state", env_id="GravityTask-v0", timesteps=128, out=run,
        eval_at=(128,), eval_episodes=3, n_envs=2, hyperparams=hp, progress=False,
    )  # fmt: skip
    train_baseline(cfg)
    own = json.loads((run / "evaluations.json").read_text())[-1]  # on development episodes
    again = evaluate_run(run, 3, 1000)
    assert again["successes"] == own["successes"]
    assert again["returns"] == pytest.approx(own["returns"])
    test = evaluate_run(run, 3, 100_000)
    assert test["seed_base"] == 100_000 and test["returns"] != again["returns"]
    written = suite.evaluate_sb3(tmp_path / "runs", tmp_path)
    assert [p.name for p in written] == ["sb3_ppo_state_GravityTask-v0_s0_test.json"]
    assert json.loads(written[0].read_text())["timesteps"] == 128
    assert suite.evaluate_sb3(tmp_path / "runs", tmp_path) == []  # kept, not redone
    (run / "model.zip").write_bytes((run / "model.zip").read_bytes() + b"x")
    (tmp_path / written[0].name).unlink()
    with pytest.raises(UntrustedFile):
        suite.evaluate_sb3(tmp_path / "runs", tmp_path)  # a changed pickle is never loaded


def test_without_write_readme_nothing_is_written(tmp_path, suite, capsys):
    """The table alone is printed; README.md and the JSON (whose command names the flags
    that made them) change only together."""
    readme = (suite.ROOT / "README.md").read_bytes()
    out = tmp_path / "task_suite.json"
    assert suite.main(["--json", str(out)]) == 0
    assert not out.exists()
    assert (suite.ROOT / "README.md").read_bytes() == readme
    assert "SpringsTask-v0" in capsys.readouterr().out


def test_the_figure_draws_every_row_measured_or_not(tmp_path, suite):
    rows = suite.measure()
    rows[-1] = {**rows[-1], **{key: None for key, _ in suite.BARS}}  # a row not measured
    path = suite.plot(rows, tmp_path / "suite.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
