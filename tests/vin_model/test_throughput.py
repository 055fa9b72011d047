"""vin_model.throughput and benchmarks/rollout_throughput.py: what is timed, and bad input."""

from __future__ import annotations

import json

import pytest
import torch
from benchmark_scripts import load_benchmark

from vin_model import VINConfig
from vin_model.throughput import ready_world_model, rollout_rate

TINY = VINConfig(conv_channels=4, hidden=16, code_size=8)


def test_rates_count_sequences_times_steps():
    model = ready_world_model(TINY, torch.device("cpu"))
    assert model.ready()
    rows = rollout_rate(model, (7, 20), horizon=4, repeats=2)
    assert [r["population"] for r in rows] == [7, 20]
    for r in rows:
        assert r["model_steps_per_s"] == pytest.approx(r["population"] * 4 / (r["ms"] / 1000))
        assert r["object_steps_per_s"] == pytest.approx(3 * r["model_steps_per_s"])
    with pytest.raises(ValueError, match="horizon 0"):
        rollout_rate(model, (7,), horizon=0, repeats=1)


def test_an_in_from_state_given_masses_is_ready_too():
    config = VINConfig(state_input=True, mass_input=True, hidden=16, code_size=8)
    model = ready_world_model(config, torch.device("cpu"))
    assert rollout_rate(model, (5,), horizon=2, repeats=1)[0]["population"] == 5


def test_quick_run_writes_both_models(tmp_path):
    out = tmp_path / "r.json"
    assert load_benchmark("rollout_throughput").main(["--quick", "--json", str(out)]) == 0
    data = json.loads(out.read_text())
    assert data["command"].startswith("python benchmarks/rollout_throughput.py --quick")
    assert {r["model"] for r in data["rows"]} == {"VIN, 3 objects", "VIN, 6 objects"}
    assert all(r["device"] == "cpu" and r["model_steps_per_s"] > 0 for r in data["rows"])


@pytest.mark.parametrize(
    "flags, named", [(["--horizon", "0"], "--horizon 0"), (["--threads", "0"], "--threads")]
)
def test_bad_input_one_line_exit_2(tmp_path, capsys, flags, named):
    out = tmp_path / "r.json"
    assert load_benchmark("rollout_throughput").main([*flags, "--json", str(out)]) == 2
    err = capsys.readouterr().err
    assert named in err and len(err.strip().splitlines()) == 1 and not out.exists()
