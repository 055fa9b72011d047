"""benchmarks/prediction_systems.py and vin_model.prediction_metrics: the perfect-simulator
bound, the baselines by hand, plausibility, a quick run's JSON, resuming and bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from benchmark_scripts import load_benchmark

from vin_model import prediction_metrics as pm

ROOT = Path(__file__).resolve().parents[2]
PATH = ROOT / "benchmarks" / "prediction_systems.py"


@pytest.fixture(scope="module")
def bench():
    return load_benchmark("prediction_systems")


@pytest.fixture(scope="module")
def springs(bench):
    env_id, kwargs = bench.SYSTEMS["Springs-v0"]
    return bench.play_test_episodes(env_id, bench.COMMON | kwargs, 4, bench.VISIBLE + 40)


def _bound(episodes, sigma_pos, sigma_vel, seed=0):
    truth = episodes["states"][:, 6:]
    pred = pm.simulator_bound(
        truth[:, 0],
        episodes["masses"],
        episodes["radii"],
        truth.shape[1],
        episodes["params"],
        episodes["force_law"],
        sigma_pos,
        sigma_vel,
        np.random.default_rng(seed),
    )
    return pm.position_mse(pred, truth)


def test_bound_is_zero_without_noise_and_grows_with_it(springs):
    exact = _bound(springs, 0.0, 0.0)
    assert exact.shape == (40,) and np.all(exact < 1e-20)  # the simulator reproduces itself
    small, large = _bound(springs, 0.01, 0.05), _bound(springs, 0.1, 0.5)
    assert small[0] == pytest.approx(1e-4, rel=0.6)  # step 1 is the noise itself
    assert large[0] == pytest.approx(1e-2, rel=0.6)
    assert 0 < small[-1] < large[-1]
    assert np.all(small > exact) and np.mean(large > small) > 0.9


def test_bound_on_billiards_reproduces_collisions(bench):
    env_id, kwargs = bench.SYSTEMS["Billiards-v0"]
    episodes = bench.play_test_episodes(env_id, bench.COMMON | kwargs, 3, bench.VISIBLE + 60)
    events = pm.contact_events(episodes["states"], episodes["radii"])
    assert events.sum() > 0  # the episodes hold collisions, which the bound must replay
    assert np.all(_bound(episodes, 0.0, 0.0) < 1e-12)


def test_constant_position_by_hand():
    last = np.array([[[1.0, 1.0, 5.0, 5.0], [2.0, 2.0, 0.0, 0.0]]])  # [E=1, N=2, 4]
    truth = np.array([[[[1.0, 2.0], [2.0, 2.0]], [[3.0, 1.0], [2.0, 0.0]]]])  # [1, H=2, 2, 2]
    base = pm.baseline_predictions(last, 2, dt=0.1, table_size=10.0)
    # step 1: squared errors 0, 1, 0, 0 -> 0.25; step 2: 4, 0, 0, 4 -> 2.0
    assert pm.position_mse(base["constant_position"], truth).tolist() == [0.25, 2.0]
    # constant velocity moves object 0 by (0.5, 0.5) per step; the centre sits at (5, 5)
    assert base["constant_velocity"][0, 1, 0].tolist() == [2.0, 2.0]
    assert pm.position_mse(base["table_centre"], truth)[0] == pytest.approx((16 + 9 + 9 + 9) / 4)


def test_measure_scores_a_perfect_model(bench, springs):
    """The benchmark's own path: a model that predicts the truth has zero error and a zero
    bound; the constant-position curve is the numpy computation on the same episodes."""
    truth = springs["states"][:, 6:]

    class Perfect:
        config = SimpleNamespace(action_dim=2, state_input=False)

        def predict(self, context, actions):
            import torch

            return torch.from_numpy(truth[: len(context), : actions.shape[1]])

    args = SimpleNamespace(horizon=30, seed=0, device="cpu", long_steps=[10, 300])
    out = bench.measure(Perfect(), springs, args, dt=0.1)
    assert out["step1_error"] == {"position": 0.0, "velocity": 0.0}
    assert out["bound_reaches_centre_at"] is None  # a perfect start stays perfect
    assert max(out["curves"]["vin"]) == 0.0 and max(out["curves"]["simulator_bound"]) < 1e-20
    last = springs["states"][:, 5, :, :2]
    hand = np.square(truth[:, :30, :, :2] - last[:, None]).mean(axis=(0, 2, 3))
    assert out["curves"]["constant_position"] == pytest.approx(hand.tolist(), rel=1e-12)
    assert len(out["curves"]["table_centre"]) == 30
    assert out["by_visibility"] is None  # every Springs object is drawn
    assert set(out["summary"]["vin"]) == {"step 1", "step 8", "mean 1-8"}  # within 30 steps
    assert list(out["plausibility"]) == ["step 10"]  # 300 is beyond the 40 recorded steps
    assert out["plausibility"]["step 10"]["kinetic_energy_ratio"] == pytest.approx(1.0)


def test_plausibility_by_hand():
    # two objects of radius 1 approach, touch at step 3, part; a prediction that
    # leaves the table and doubles the speed
    x = np.array([[1.0, 3.0, 4.0, 3.0], [9.0, 7.0, 6.0, 7.0]])  # object, step
    true = np.zeros((1, 4, 2, 4))
    true[0, :, :, 0] = x.T
    true[0, :, :, 1] = 5.0
    true[0, :, 0, 2], true[0, :, 1, 2] = 1.0, -1.0
    pred = true.copy()
    pred[0, :, :, 2:] *= 2
    pred[0, 3, 1, 0] = 10.5  # object 1 outside the table at step 4
    masses, radii = np.ones((1, 2)), np.ones((1, 2))
    out = pm.plausibility(pred, true, masses, radii, 10.0, steps=(4,), window=4)["step 4"]
    assert out["kinetic_energy_true"] == 1.0 and out["kinetic_energy_ratio"] == 4.0
    assert out["outside_table"] == 0.5
    assert out["collisions_true"] == 1.0 and out["collisions_pred"] == 1.0  # entered at step 3
    assert out["collision_window"] == [1, 4]
    assert (
        "collisions_true"
        not in pm.plausibility(pred, true, masses, radii, 10.0, (4,), collide=False)["step 4"]
    )


def _strings(obj):
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield k
            yield from _strings(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _strings(v)
    elif isinstance(obj, str):
        yield obj


def test_quick_run_writes_every_field_and_resumes(bench, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    args = ["--quick", "--systems", "Billiards-v0", "--json", "out.json"]
    assert bench.main(args) == 0
    text = (tmp_path / "out.json").read_text()
    data = json.loads(text)
    assert set(data) == {
        "benchmark",
        "command",
        "config",
        "budget",
        "versions",
        "machine",
        "systems",
    }
    assert data["budget"] == "reduced"  # a quick run is never the budget
    assert data["command"] == "python benchmarks/prediction_systems.py " + " ".join(args)
    assert {"load_start", "load_end"} <= set(data["machine"])
    assert data["config"]["quick"] is True and data["config"]["train"]["steps"] == 20
    r = data["systems"]["Billiards-v0"]
    assert r["env_kwargs"] == {
        "obs_size": 32,
        "show_goal": False,
        "initial_speed": 2.0,
        "damping": 0.0,
    }
    assert r["n_objects"] == 3 and r["collide"] is True and r["training"]["steps"] == 20
    methods = {"vin", "constant_position", "constant_velocity", "table_centre", "simulator_bound"}
    assert set(r["curves"]) == methods == set(r["summary"])
    assert all(len(c) == 100 and np.all(np.isfinite(c)) for c in r["curves"].values())
    assert set(r["summary"]["vin"]) == {"step 1", "step 8", "step 50", "step 100", "mean 1-8"}
    assert set(r["step1_error"]) == {"position", "velocity"}
    assert r["command"] == data["command"]
    assert data["config"]["test_seeds"] == [100_000, 100_002]
    centre_at = r["bound_reaches_centre_at"]
    assert centre_at is None or 1 <= centre_at <= 100
    assert set(r["plausibility"]) == {"step 100", "step 300"}
    assert set(r["plausibility"]["step 300"]) == {
        "kinetic_energy_pred",
        "kinetic_energy_true",
        "kinetic_energy_ratio",
        "outside_table",
        "collision_window",
        "collisions_pred",
        "collisions_true",
        "collision_ratio",
    }
    assert {"load_start", "load_end"} <= set(r["machine"])
    assert not any(s.startswith("/") or str(tmp_path) in s for s in _strings(data))
    assert "Billiards-v0" in capsys.readouterr().out

    # resuming: the system is there with the same config, so nothing is run again
    monkeypatch.setattr(bench, "run_system", lambda *a: pytest.fail("ran a finished system"))
    assert bench.main(args) == 0
    assert json.loads((tmp_path / "out.json").read_text())["systems"] == data["systems"]
    # another config: refused before any work, the file left as it was
    assert bench.main([*args, "--seed", "1"]) == 2
    assert "another config" in capsys.readouterr().err
    assert json.loads((tmp_path / "out.json").read_text())["systems"] == data["systems"]


@pytest.mark.parametrize(
    "flags, named",
    [
        (["--systems", "Springs-v0", "Nope-v0"], "'Nope-v0'"),
        (["--systems", "Springs-v0", "Springs-v0"], "twice"),
        (["--steps", "0"], "--steps 0"),
        (["--seed", "100000"], "--seed 100000"),
        (["--episode-set", "dev", "--first-test-episode", "98999"], "--episode-set dev"),
    ],
)
def test_bad_input_one_line_exit_2_no_file(bench, tmp_path, capsys, flags, named):
    out = tmp_path / "out.json"
    assert bench.main([*flags, "--json", str(out)]) == 2
    err = capsys.readouterr().err
    assert named in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_bad_system_from_the_command_line(tmp_path):
    out = tmp_path / "out.json"
    proc = subprocess.run(
        [sys.executable, str(PATH), "--systems", "Billiards", "--json", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=os.environ | {"PYTHONPATH": str(ROOT)},
    )
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "'Billiards'" in lines[0] and "Billiards-v0" in lines[0]
    assert not out.exists()


def test_help_names_the_systems(bench, capsys):
    with pytest.raises(SystemExit) as exit_:
        bench.main(["--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert "--systems" in out and "VariableMassSprings-v0" in out and "Gravity-v0/6" in out


def test_the_readme_tables_are_written_between_their_markers(tmp_path):
    tables = load_benchmark("prediction_tables")
    readme = tmp_path / "README.md"
    readme.write_text(
        "a\n<!-- prediction_tables:targets -->\nold\n<!-- /prediction_tables:targets -->\nb\n"
    )
    assert tables.write_readme(readme, {"targets": "| x |", "hidden": "| y |"}) == ["targets"]
    text = readme.read_text()
    assert "old" not in text and "| x |\n<!-- /prediction_tables:targets -->\nb" in text
    assert "| y |" not in text  # no place for it: left out
    row = tables.target_rows({"S": {"summary": _summary(vin=2.0, bound=1.0, still=3.0)}})[0]
    assert row["VIN / bound @50"] == 2.0 and row["const. position @100"] == 3.0


def _summary(vin, bound, still):
    def steps(v):
        return {"step 50": v, "step 100": v, "mean 1-8": v / 100}

    return {"vin": steps(vin), "simulator_bound": steps(bound), "constant_position": steps(still)}
