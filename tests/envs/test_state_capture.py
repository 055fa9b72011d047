"""`benchmarks/state_capture.py`: snapshots never differ; the JSON says how it was made."""

from __future__ import annotations

import json
import sys

import pytest
from benchmark_scripts import load_benchmark


def load():
    return load_benchmark("state_capture")


def test_snapshots_never_differ_and_the_json_records_command_and_load(tmp_path, monkeypatch):
    out = tmp_path / "capture.json"
    monkeypatch.setattr(sys, "argv", ["state_capture.py", "--captures", "12", "--json", str(out)])
    load().main()
    record = json.loads(out.read_text())
    rows = {r["method"]: r for r in record["rows"]}
    assert rows["snapshot()/restore()"]["differ"] == 0
    assert rows["snapshot()/restore()"]["max_position_difference"] == 0.0
    assert all(r["captures"] == 12 for r in rows.values())
    assert record["command"].startswith("python benchmarks/state_capture.py --captures 12")
    assert len(record["machine"]["load_start"]) == 3 and len(record["machine"]["load_end"]) == 3


def test_a_bad_capture_count_is_refused(monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["state_capture.py", "--captures", "0"])
    with pytest.raises(SystemExit) as exited:
        load().main()
    assert exited.value.code == 2
    assert "--captures must be a positive integer, got 0" in capsys.readouterr().err
