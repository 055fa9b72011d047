"""The validators and defaults behind issue 23's items 3 and 4: types and caps of configs,
manifests and mbrl state; the goal radius; the render convention; collect's defaults."""

from __future__ import annotations

import json
import math
import sys
import types
from dataclasses import dataclass

import gymnasium as gym
import numpy as np
import pytest

import vin_gym  # noqa: F401
from vin_gym.cli import main
from vin_gym.dataclass_args import check_keys, check_types
from vin_gym.utils import format_table, plural, progress_bar


@dataclass
class _Cfg:
    steps: int = 1
    rate: float = 0.5
    name: str | None = None
    sizes: tuple[int, ...] = (1, 2)


def test_check_types_refuses_wrong_types_naming_the_field() -> None:
    check_types(_Cfg(steps=2, rate=1, name=None, sizes=[3]))  # an int is a float, a list a tuple
    for bad, field in (
        (dict(steps="6"), "steps"),
        (dict(steps=True), "steps"),
        (dict(rate="x"), "rate"),
        (dict(name=[1]), "name"),
        (dict(sizes=["a"]), "sizes"),
    ):
        with pytest.raises(ValueError, match=rf"_Cfg\.{field} must be of type"):
            check_types(_Cfg(**bad))


def test_check_keys_names_the_known_ones() -> None:
    with pytest.raises(ValueError, match="'stepz'; expected one of: steps, rate, name, sizes"):
        check_keys(_Cfg, {"stepz": 1})


def test_planner_settings_refuse_unknown_keys_through_one_path() -> None:
    import torch

    from vin_gym.experiments.episodes import make_optimizer, planner_config

    with pytest.raises(ValueError, match=r"'populaton'.*population"):
        planner_config("cem", {"populaton": 50})
    with pytest.raises(ValueError, match="'elites'"):
        make_optimizer("mppi", {"elites": 3}, torch.Generator())
    assert planner_config("icem", {"population": 50}).population == 50


def test_mbrl_config_keeps_only_the_chosen_planners_defaults() -> None:
    from vin_gym.experiments.mbrl_config import config_from

    config = config_from({"planner": "mppi", "planner_kwargs": {"temperature": 0.1}})
    assert config.planner_kwargs == {"population": 100, "iterations": 3, "temperature": 0.1}


def test_vin_config_types_and_caps_before_allocating() -> None:
    from vin_model.config import VINConfig

    with pytest.raises(ValueError, match=r"VINConfig\.visible must be of type int, got '6'"):
        VINConfig.from_dict({"visible": "6"})
    with pytest.raises(ValueError, match="hidden=20000 is larger than the cap"):
        VINConfig(hidden=20000)
    with pytest.raises(ValueError, match="n_objects=10000 is larger than the cap 64"):
        VINConfig(n_objects=10000)
    with pytest.raises(ValueError, match=r"\d+M weights, more than the cap") as info:
        VINConfig(hidden=4000)
    assert len(str(info.value)) < 200


def test_checkpoint_config_fields_are_type_checked(tmp_path) -> None:
    from vin_model.checkpoint import CHECKPOINT_FORMAT, read_config

    (tmp_path / "model.safetensors").write_bytes(b"")
    for key, value in (("meta", [1]), ("step", "7"), ("train", 3)):
        config = {"format": CHECKPOINT_FORMAT, "model": {}, key: value}
        (tmp_path / "config.json").write_text(json.dumps(config))
        with pytest.raises(ValueError, match=f"'{key}' must be a"):
            read_config(tmp_path)


def test_unavailable_devices_are_refused_in_one_line() -> None:
    import torch

    from vin_model.device import get_device

    if not torch.backends.mps.is_available():
        with pytest.raises(ValueError, match="'mps' is not available"):
            get_device("mps")
    with pytest.raises(ValueError, match="device must be"):
        get_device("gpu")


def test_mbrl_state_with_missing_fields_or_fake_rows_is_refused() -> None:
    from vin_gym.experiments.mbrl_config import check_state

    row = {"iteration": 0, "env_steps": 100, "train_step": 50}
    good = {
        "config": {},
        "iterations_planned": 2,
        "datasets": [{"iteration": 0, "path": "data/seed"}],
        "iterations": [row],
    }
    check_state(good, "mbrl.json", [50])
    with pytest.raises(ValueError, match="'iterations' must be a list, got missing"):
        check_state({k: v for k, v in good.items() if k != "iterations"}, "mbrl.json", [50])
    with pytest.raises(ValueError, match=r"iterations\[0\]\.train_step must be an integer"):
        check_state({**good, "iterations": [{**row, "train_step": "50"}]}, "mbrl.json", [50])
    with pytest.raises(ValueError, match="1 iterations but 2 datasets"):
        check_state({**good, "datasets": good["datasets"] * 2}, "mbrl.json", [50])
    fake = {**row, "train_step": 99_999}
    with pytest.raises(ValueError, match="does not match the run"):
        check_state({**good, "iterations": [fake]}, "mbrl.json", [50])


def test_goal_radius_must_be_finite_positive_and_under_the_table() -> None:
    from vin_gym.task import GoalTask

    for bad in (0.0, -1.0, math.nan, math.inf, 1e6, 10.0):
        with pytest.raises(ValueError, match="goal_radius must be a finite number > 0"):
            GoalTask(goal_radius=bad)
    assert GoalTask(goal_radius=0.5).goal_radius == 0.5


def test_a_radius_that_does_not_fit_the_table_says_so() -> None:
    with pytest.raises(ValueError, match=r"radius=100: .* does not fit the 10 x 10 table"):
        gym.make("Billiards-v0", radius=100)


def test_the_fingerprint_ignores_the_goal_radius() -> None:
    from vin_gym.fingerprint import physics_fingerprint

    assert physics_fingerprint("Billiards-v0", goal_radius=0.3) == physics_fingerprint(
        "Billiards-v0"
    )


def test_render_without_a_mode_warns_and_returns_none() -> None:
    env = gym.make("Billiards-v0", obs_mode="state", disable_env_checker=True)
    env.reset(seed=0)
    with pytest.warns(UserWarning, match="without a render mode"):
        assert env.render() is None
    env.close()


def test_the_viewer_initialises_only_pygame_display(monkeypatch) -> None:
    calls = []
    display = types.SimpleNamespace(
        init=lambda: calls.append("display"),
        set_mode=lambda size: None,
        set_caption=lambda title: None,
        quit=lambda: None,
    )
    fake = types.SimpleNamespace(
        init=lambda: pytest.fail("pygame.init() opens audio too"),
        display=display,
        time=types.SimpleNamespace(Clock=lambda: None),
    )
    monkeypatch.setitem(sys.modules, "pygame", fake)
    from vin_gym.viewer import Viewer

    Viewer()
    assert calls == ["display"]


def test_progress_bars_are_off_when_stderr_is_not_a_terminal(monkeypatch) -> None:
    monkeypatch.setattr(sys, "stderr", types.SimpleNamespace(isatty=lambda: False, write=print))
    assert progress_bar(range(3)).disable
    monkeypatch.setattr(sys, "stderr", types.SimpleNamespace(isatty=lambda: True, write=print))
    assert progress_bar(range(3), disable=True).disable


def test_tables_show_a_dash_for_none_and_counts_are_plural_only_when_needed() -> None:
    table = format_table([{"a": None, "b": 1.5}])
    assert "None" not in table and "| -" in table
    assert plural(1, "episode") == "1 episode"
    assert plural(0, "episode") == "0 episodes"


@pytest.fixture
def tiny_dataset(tmp_path):
    """A dataset made by ``vin-gym collect`` with its default policy."""
    out = tmp_path / "data"
    argv = ["collect", "--out", str(out), "--episodes", "4", "--steps", "20", "--no-progress"]
    assert main(argv) == 0
    return out


def test_train_init_that_is_no_checkpoint_names_init(tiny_dataset, tmp_path, capsys) -> None:
    """The library names the parameter (``init``), the command its flag (``--init``)."""
    argv = ["train", "--data", str(tiny_dataset), "--out", str(tmp_path / "run"), "--steps", "1"]
    assert main([*argv, "--no-progress"]) == 2  # episodes of 21 frames: too short for 6 + 48
    assert "lower --rollout-max (the training's rollout)" in capsys.readouterr().err
    argv += ["--rollout", "2", "--rollout-max", "4", "--init", str(tmp_path / "none")]
    assert main([*argv, "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "--init must be 'pretrained', 'pretrained:SYSTEM' or an existing VIN checkpoint" in err


def test_collect_defaults_make_data_train_can_learn_from(tiny_dataset) -> None:
    from vin_gym.data import ClipDataset
    from vin_gym.data.storage import read_manifest

    assert read_manifest(tiny_dataset)["config"]["policy"] == "random"
    std = ClipDataset(tiny_dataset, visible=6, rollout=2).state_stats()["std"].numpy()
    assert np.all(std[2:] > 1e-3), std  # velocities vary: something moves


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("meta.action_dim", 0),
        ("meta.n_objects", 10_000),
        ("episode_length", -5),
        ("episode_length", 10**12),
    ],
)
def test_manifest_sizes_out_of_range_are_refused(tiny_dataset, field, value) -> None:
    from vin_gym.data import DatasetError
    from vin_gym.data.storage import read_manifest

    path = tiny_dataset / "manifest.json"
    manifest = json.loads(path.read_text())
    parent, _, name = field.rpartition(".")
    (manifest["meta"] if parent else manifest)[name] = value
    path.write_text(json.dumps(manifest))
    with pytest.raises(DatasetError, match=rf"'{field}' is {value}; expected an integer from"):
        read_manifest(tiny_dataset)


def test_a_clip_longer_than_the_episodes_names_the_flags(tiny_dataset) -> None:
    from vin_gym.data import ClipDataset, DatasetError

    with pytest.raises(DatasetError, match=r"lower rollout_max .* collect --steps"):
        ClipDataset(tiny_dataset, visible=6, rollout=40)
