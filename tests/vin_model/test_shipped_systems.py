"""The VIN of each paper system: measuring a given checkpoint, shipping it as
``pretrained:SYSTEM``, loading it by that name, and the hidden-object figures."""

from __future__ import annotations

import json
import tempfile

import numpy as np
import pytest
from benchmark_scripts import load_benchmark

from vin_model import prediction_metrics as pm


@pytest.fixture(scope="module")
def bench():
    return load_benchmark("prediction_systems")


@pytest.fixture(scope="module")
def trained(bench, tmp_path_factory):
    """A quick benchmark run of Springs-v0 that keeps its run directory."""
    root = tmp_path_factory.mktemp("trained")
    args = ["--quick", "--systems", "Springs-v0", "--json", str(root / "r.json")]
    assert bench.main([*args, "--out", str(root / "runs")]) == 0
    return root


def test_position_mse_over_some_objects_by_hand():
    rng = np.random.default_rng(0)
    pred, true = rng.normal(size=(2, 4, 5, 3, 4))
    hidden = np.array([False, True, False])
    by_hand = np.square(pred[:, :, 1, :2] - true[:, :, 1, :2]).mean(axis=(0, 2))
    assert pm.position_mse(pred, true, hidden) == pytest.approx(by_hand)
    assert pm.position_mse(pred, true, np.ones(3, bool)) == pytest.approx(
        pm.position_mse(pred, true)
    )
    with pytest.raises(ValueError, match="no object"):
        pm.position_mse(pred, true, np.zeros(3, bool))


def test_the_hidden_object_is_measured_apart(bench):
    env_id, kwargs = bench.SYSTEMS["InvisibleSprings-v0"]
    episodes = bench.play_test_episodes(env_id, bench.COMMON | kwargs, 3, bench.VISIBLE + 5)
    visible = episodes["visible"]
    assert visible.shape == (3, 3) and (~visible).sum(1).tolist() == [1, 1, 1]
    truth = episodes["states"][:, bench.VISIBLE :]
    guess = truth + np.where(visible, 0.0, 1.0)[:, None, :, None]  # off by 1 on the hidden one
    out = bench.by_visibility({"vin": guess}, truth, visible)
    assert out["hidden"]["curves"]["vin"] == pytest.approx([1.0] * 5)
    assert out["visible"]["curves"]["vin"] == pytest.approx([0.0] * 5)
    assert bench.by_visibility({"vin": guess}, truth, np.ones_like(visible)) is None


def test_a_given_checkpoint_reproduces_its_training_runs_figures(bench, trained, capsys):
    """Measured again from its run directory on the same test episodes, the trained VIN
    gives the same figures; on later test episodes (101000 on) other ones."""
    run = str(trained / "runs" / "Springs-v0")
    first = json.loads((trained / "r.json").read_text())["systems"]["Springs-v0"]
    base = ["--quick", "--systems", "Springs-v0", "--checkpoint", run]
    assert bench.main([*base, "--json", str(trained / "again.json")]) == 0
    again = json.loads((trained / "again.json").read_text())
    assert again["systems"]["Springs-v0"]["curves"] == first["curves"]
    assert again["config"]["train"]["checkpoint"] == run and again["budget"] == "checkpoint"
    later = ["--first-test-episode", "1000", "--json", str(trained / "later.json")]
    assert bench.main([*base, *later]) == 0
    data = json.loads((trained / "later.json").read_text())
    assert data["config"]["test_seeds"] == [101_000, 101_002]
    assert data["systems"]["Springs-v0"]["curves"]["vin"] != first["curves"]["vin"]
    # a checkpoint of another system: one line, exit 2, nothing written
    out = trained / "wrong.json"
    assert (
        bench.main(["--quick", "--systems", "Gravity-v0", "--checkpoint", run, "--json", str(out)])
        == 2
    )
    err = capsys.readouterr().err
    assert "did not learn system Gravity-v0" in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_two_runs_share_one_json(bench, tmp_path, monkeypatch):
    out = tmp_path / "shared.json"
    record = {"benchmark": "prediction_systems", "config": {"c": 1}, "systems": {"A": {"x": 1}}}
    bench.save_system(out, record, "A")
    other = record | {"systems": {"B": {"x": 2}}}  # started before A was written
    assert set(bench.save_system(out, other, "B")) == {"A", "B"}
    assert set(json.loads(out.read_text())["systems"]) == {"A", "B"}
    with pytest.raises(RuntimeError, match="another config"):
        bench.save_system(out, other | {"config": {"c": 2}}, "B")


def test_shipped_as_pretrained_system_and_loaded_by_name(trained, tmp_path, monkeypatch):
    import gymnasium as gym
    import torch

    from vin_gym.experiments import models
    from vin_model import pretrained

    ship = load_benchmark("ship_systems")
    dest = tmp_path / "systems"
    argv = ["--runs", str(trained / "runs"), "--json", str(trained / "r.json")]
    assert ship.main([*argv, "--dest", str(dest), "--gallery", str(tmp_path / "g.png")]) == 0
    card = json.loads((dest / "Springs-v0" / "card.json").read_text())
    assert card["system"] == "Springs-v0" and card["training_steps"] == 20
    assert "--out" in card["made_by"] and card["shipped_by"].startswith("python benchmarks/")
    assert "Springs-v0" in (dest / "README.md").read_text()
    shipped_config = (dest / "Springs-v0" / "config.json").read_text()
    assert tempfile.gettempdir() not in shipped_config  # no machine path ships
    assert (tmp_path / "g.png").stat().st_size > 1000

    monkeypatch.setattr(pretrained, "SYSTEMS", dest)
    assert pretrained.shipped_systems() == ["Springs-v0"]
    assert models.checkpoint_path("pretrained:Springs-v0") == dest / "Springs-v0"
    env = gym.make("Springs-v0", obs_size=32, show_goal=False)
    model = models.load_world_model("pretrained:Springs-v0", env, torch.device("cpu"))
    assert model.record.env_id == "Springs-v0"
    with pytest.raises(FileNotFoundError, match="shipped: Springs-v0"):
        models.checkpoint_path("pretrained:Gravity-v0")
    with pytest.raises(ValueError, match="does not fit"):  # the skill task is another env
        models.load_world_model(
            "pretrained:Springs-v0", gym.make("Billiards-v0", obs_size=32), "cpu"
        )
    assert models.checkpoint_path("pretrained") == pretrained.CHECKPOINT  # plain: the skill task's


def test_the_in_given_the_true_masses_trains_from_states(bench, tmp_path, monkeypatch):
    """The paper's reference for hidden masses: an IN from true states and masses, trained
    and measured by the same benchmark (its config names the model, so its results never
    mix with the VIN's)."""
    from vin_model.checkpoint import read_config

    out = tmp_path / "in.json"
    args = ["--quick", "--model", "in-true-masses", "--systems", "VariableMassSprings-v0"]
    assert bench.main([*args, "--json", str(out), "--out", str(tmp_path / "runs")]) == 0
    data = json.loads(out.read_text())
    assert data["config"]["model"] == "in-true-masses"
    assert data["systems"]["VariableMassSprings-v0"]["model"] == "in-true-masses"
    model = read_config(tmp_path / "runs" / "VariableMassSprings-v0")["model"]
    assert model["state_input"] is True and model["mass_input"] is True
    vin = ["--quick", "--systems", "VariableMassSprings-v0", "--json", str(out)]
    assert bench.main(vin) == 2  # a VIN's results never go into the IN's file
