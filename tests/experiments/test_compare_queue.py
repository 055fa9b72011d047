"""The queue of the comparison: workers, resuming a killed sweep, reusing VIN runs only on
the same data."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_compare import compare

from vin_gym.data import CollectConfig, collect
from vin_gym.experiments.comparison import runner
from vin_gym.experiments.comparison.vin_runs import DATA_RECORD

#: What a cell's result is (not how long it took, nor where it ran).
RESULT = ("seed", "return", "steps", "success", "final_distance")


def cells(out: Path, killed: bool = False) -> dict[str, dict]:
    """The finished cells in ``out`` (every one must parse), checking that no temporary
    file is left behind (unless the sweep was killed, which can leave one)."""
    found = {p.stem: json.loads(p.read_text()) for p in (out / "cells").glob("*.json")}
    assert killed or not list((out / "cells").glob(".*")), "a temporary file was left behind"
    return found


def results(cell: dict) -> list[tuple]:
    return [tuple(e[k] for k in RESULT) for e in cell["per_episode"]]


def test_two_workers_make_the_same_cells_as_one(tmp_path):
    grid = {"methods": ("random", "zero", "oracle", "vin"), "seeds": (0, 1)}
    for k in (1, 2):
        _, lines = compare(tmp_path / f"w{k}", tmp_path / f"o{k}", workers=k, **grid)
    assert "7 cells to run on 2 workers, cheapest first" in lines
    one, two = cells(tmp_path / "o1"), cells(tmp_path / "o2")
    names = ["random_s0", "random_s1", "zero", "oracle-cem_s0", "oracle-cem_s1"]
    assert sorted(one) == sorted(two) == sorted([*names, "vin-cem_d60_s0", "vin-cem_d60_s1"])
    for name in one:
        assert results(one[name]) == results(two[name]), name
        assert one[name]["success_rate"] == two[name]["success_rate"]
    assert (
        json.loads((tmp_path / "o2" / "compare.json").read_text())["rows"]
        == json.loads((tmp_path / "o1" / "compare.json").read_text())["rows"]
    )


def test_a_killed_sweep_resumes_where_it_stopped(tmp_path, monkeypatch):
    work, out = tmp_path / "w", tmp_path / "o"
    grid = {"methods": ("random", "zero", "oracle"), "seeds": (0, 1)}
    ran: list[str] = []
    run_cell = runner.run_cell

    def killed_after_two(spec, ctx):
        if len(ran) == 2:
            raise KeyboardInterrupt  # as Ctrl-C, or a kill, in the middle of the third
        ran.append(spec["name"])
        return run_cell(spec, ctx)

    monkeypatch.setattr(runner, "run_cell", killed_after_two)
    with pytest.raises(KeyboardInterrupt):
        compare(work, out, **grid)
    assert ran == ["random_s0", "zero"]  # cheapest first: not the order of the grid
    assert sorted(cells(out)) == ["random_s0", "zero"]
    first = cells(out)

    monkeypatch.setattr(runner, "run_cell", run_cell)
    _, lines = compare(work, out, **grid)
    assert sum("done before" in line for line in lines) == 2
    assert [line.split()[1] for line in lines if line.startswith("cell ")][2:] == [
        "random_s1",
        "oracle-cem_s0",
        "oracle-cem_s1",
    ]
    done = cells(out)
    assert len(done) == 5 and done["zero"] == first["zero"]


def test_a_vin_run_from_other_data_is_not_reused(tmp_path, capsys):
    work, out = tmp_path / "w", tmp_path / "o"
    compare(work, out, methods=("vin",))
    base = work / "vin" / "colored_d60_s0"
    record = json.loads((base / DATA_RECORD).read_text())
    cell = cells(out)["vin-cem_d60_s0"]
    assert cell["run_dir"] == str(base)
    assert cell["data_fingerprint"] == record["data_fingerprint"]
    assert record["physics"] == cell["eval"]["physics"]

    # A run recorded as trained on other data: left alone, the cell trains beside it.
    (base / DATA_RECORD).write_text(json.dumps({**record, "data_fingerprint": "other"}))
    capsys.readouterr()
    compare(work, out, methods=("vin",), force=True)
    assert "was trained on other data or settings: not reused" in capsys.readouterr().out
    cell = cells(out)["vin-cem_d60_s0"]
    assert cell["run_dir"] == f"{base}_{record['data_fingerprint']}"
    assert json.loads((base / DATA_RECORD).read_text())["data_fingerprint"] == "other"

    # A run from before the record: reused when its checkpoint's data meta matches...
    (base / DATA_RECORD).unlink()
    assert runner.vin_run_dir(base, _manifest(work), work / "data" / "colored_d60_s0") == base
    assert json.loads((base / DATA_RECORD).read_text()) == record
    # ...and not when the physics it records is another.
    (base / DATA_RECORD).unlink()
    manifest = _manifest(work)
    manifest["meta"]["physics"] = "0" * 16
    chosen = runner.vin_run_dir(base, manifest, work / "data" / "colored_d60_s0")
    assert chosen != base


def test_a_vin_run_with_other_settings_is_not_resumed(tmp_path, capsys):
    """A cell of another ``lr_final`` on the same data trains beside the old run (which
    could not be resumed with it), and the old cell is not read back for it."""
    work, out = tmp_path / "w", tmp_path / "o"
    compare(work, out, methods=("vin",), lr_final=5e-5)
    base = work / "vin" / "colored_d60_s0"
    assert cells(out)["vin-cem_d60_s0"]["run_dir"] == str(base)
    capsys.readouterr()
    compare(work, out, methods=("vin",))  # the recipe's lr_final, 1e-4
    assert "was trained on other data or settings: not reused" in capsys.readouterr().out
    cell = cells(out)["vin-cem_d60_s0"]
    record = json.loads((base / DATA_RECORD).read_text())
    assert cell["run_dir"] == f"{base}_{record['data_fingerprint']}"
    assert cell["train"]["lr_final"] == 1e-4
    compare(work, out, methods=("vin",), lr_final=5e-5)  # the first run is reused again
    assert cells(out)["vin-cem_d60_s0"]["run_dir"] == str(base)


def _manifest(work: Path) -> dict:
    return json.loads((work / "data" / "colored_d60_s0" / "manifest.json").read_text())


def test_a_failing_cell_does_not_stop_the_others(tmp_path):
    work, out = tmp_path / "w", tmp_path / "o"
    other = CollectConfig("Billiards-v0", {"obs_size": 48}, episodes=1, steps=12, progress=False)
    collect(other, work / "data" / "colored_d60_s0")  # its data dir is taken
    grid = {"methods": ("random", "oracle", "vin"), "workers": 2}
    lines: list[str] = []
    with pytest.raises(ValueError, match="colored_d60_s0"):
        compare(work, out, lines=lines, **grid)
    assert "cell vin-cem_d60_s0: failed" in " ".join(lines)
    assert sorted(cells(out)) == ["oracle-cem_s0", "random_s0"]


@pytest.mark.slow
def test_a_sweep_killed_with_sigkill_resumes(tmp_path):
    """The whole process group killed mid-sweep: no cell half-written, the rest redone.
    (The sweep runs as a command in its own process group, so that it can be killed.)"""
    work, out = tmp_path / "w", tmp_path / "o"
    tiny = [
        "compare", "--seeds", "0", "1", "2", "3", "--methods", "random", "zero", "oracle",
        "--episodes", "10", "--max-episode-steps", "8", "--population", "8", "--elites",
        "2", "--iterations", "1", "--horizon", "3", "--planner", "cem", "--no-progress",
        "--workers", "2", "--device", "cpu", "--work", str(work), "--out", str(out),
    ]  # fmt: skip
    proc = subprocess.Popen(
        [sys.executable, "-m", "vin_gym.cli", *tiny],
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while not list((out / "cells").glob("*.json")) and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    before = cells(out, killed=True)  # each file parses: written whole or not at all
    assert 1 <= len(before) < 9
    grid = {"methods": ("random", "zero", "oracle"), "seeds": (0, 1, 2, 3)}
    _, lines = compare(work, out, episodes=10, **grid)
    assert sum("done before" in line for line in lines) == len(before)
    assert len(cells(out, killed=True)) == 9
