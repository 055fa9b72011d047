"""``vin-gym compare`` on the command line: its flags reach the comparison, its output
and exit codes; what the comparison computes is tested through the library in
tests/experiments/test_compare.py."""

from __future__ import annotations

import json

from vin_gym.cli import main
from vin_gym.experiments.comparison import runner

TINY = [
    "compare", "--episodes", "2", "--seeds", "0", "--data-steps", "60",
    "--episode-steps", "12", "--rollout", "4", "--train-steps", "2", "--batch-size", "4",
    "--max-episode-steps", "8", "--population", "8", "--elites", "2", "--iterations", "1",
    "--horizon", "3", "--planner", "cem", "--no-progress",
]  # fmt: skip


def test_compare_writes_its_results_and_reuses_them(tmp_path, capsys):
    out, js = tmp_path / "results", tmp_path / "c.json"
    args = [*TINY, "--methods", "random", "zero", "--work", str(tmp_path), "--out", str(out)]
    assert main([*args, "--json", str(js)]) == 0
    printed = capsys.readouterr().out
    assert f"wrote {out / 'compare.md'}" in printed and "random" in printed
    results = json.loads((out / "compare.json").read_text())
    assert json.loads(js.read_text())["rows"] == results["rows"]
    assert [r["method"] for r in results["rows"]] == ["random", "zero"]
    cell = json.loads((out / "cells" / "random_s0.json").read_text())
    assert cell["episodes"] == 2  # --episodes reached the cells
    assert results["provenance"]["args"]["horizon"] == 3  # the command line is recorded
    assert main(args) == 0
    assert capsys.readouterr().out.count("done before") == 2
    assert main([*args, "--no-run", "--force"]) == 2
    assert "--force" in capsys.readouterr().err


def test_compare_bad_input(tmp_path, capsys):
    assert main([*TINY, "--data-steps", "0", "--out", str(tmp_path)]) == 2
    assert "--data-steps" in capsys.readouterr().err
    assert main([*TINY, "--episode-steps", "5", "--out", str(tmp_path)]) == 2
    assert "--episode-steps" in capsys.readouterr().err


def test_an_interrupted_compare_exits_130(tmp_path, monkeypatch):
    def interrupted(spec, ctx):
        raise KeyboardInterrupt

    monkeypatch.setattr(runner, "run_cell", interrupted)
    args = [*TINY, "--methods", "random", "--work", str(tmp_path), "--out", str(tmp_path / "o")]
    assert main(args) == 130
