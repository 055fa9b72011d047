"""Minari export: a collected dataset loads back with ``minari`` exactly as collected."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from vin_gym.data import CollectConfig, DatasetError, collect, minari_export, open_dataset
from vin_gym.data.minari_export import MissingExtraError, export_minari, minari_episodes
from vin_gym.task import GoalTask

minari = pytest.importorskip("minari")

NAME = "vin-gym/billiards/random-v0"
# Moving objects and a large goal radius, so that seed 7's episodes hold a success that
# starts mid-episode and ends again, besides episodes without one.
KW = {"obs_size": 32, "initial_speed": 3.0, "damping": 0.0, "goal_radius": 3.0}


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("src")
    config = CollectConfig(
        "Billiards-v0", dict(KW), policy="random", episodes=3, steps=10, seed=7, progress=False
    )
    collect(config, root)
    return root


def load(root: Path, monkeypatch, name: str = NAME):
    monkeypatch.setenv("MINARI_DATASETS_PATH", str(root))
    return minari.load_dataset(name)


def test_round_trip_matches_the_source(source, tmp_path, monkeypatch):
    src = open_dataset(source)
    success = np.stack([src.array("success", e) for e in range(3)])
    # the fixture holds what the checks need: a success from mid-episode, and none
    assert not success[:, 0].any() and success[:, 1:-1].any() and not success.all(axis=1).any()
    assert not success.any(axis=1).all()

    monkeypatch.setattr(minari_export, "EPISODES_PER_WRITE", 2)  # written in two calls
    export_minari(source, NAME, tmp_path / "root")
    ds = load(tmp_path / "root", monkeypatch)
    assert ds.total_episodes == 3 and ds.total_steps == 30
    task = GoalTask(table_size=10.0, goal_radius=3.0)  # the env's, with goal_radius=3
    for e, ep in enumerate(ds.iterate_episodes()):
        want = src.episode(e)
        states, goals = np.asarray(want["states"]), np.asarray(want["goals"])
        np.testing.assert_array_equal(ep.observations, want["frames"])
        assert ep.observations.dtype == np.uint8
        np.testing.assert_array_equal(ep.actions, want["actions"][:-1])
        np.testing.assert_array_equal(ep.rewards, task.reward(states[1:], goals[1:]))
        np.testing.assert_allclose(ep.rewards, want["rewards"][:-1], atol=1e-6)
        np.testing.assert_array_equal(ep.terminations, want["success"][1:])
        np.testing.assert_array_equal(ep.truncations, [False] * 9 + [True])
        np.testing.assert_array_equal(ep.infos["states"], states)
        np.testing.assert_array_equal(ep.infos["goal"], goals)
        np.testing.assert_array_equal(ep.infos["is_success"], want["success"])
        np.testing.assert_array_equal(ep.infos["masses"][3], want["masses"])
        np.testing.assert_array_equal(ep.infos["visible"][0], want["visible"])
    seeds = [m["seed"] for m in ds.storage.get_episode_metadata(range(3))]
    assert seeds == [int(src.array("seeds", e)) for e in range(3)]


def test_metadata_records_env_policy_and_source(source, tmp_path, monkeypatch):
    export_minari(source, NAME, tmp_path)
    ds = load(tmp_path, monkeypatch)
    meta = ds.storage.metadata
    assert meta["algorithm_name"] == "random"
    assert meta["jpeg_encoding"] is False
    assert ds.env_spec.id == "Billiards-v0" and ds.env_spec.max_episode_steps == 10
    assert {k: ds.env_spec.kwargs[k] for k in KW} == KW
    manifest = json.loads((source / "manifest.json").read_text())
    mine = meta["vin_gym"]
    assert mine["env_id"] == "Billiards-v0" and mine["env_kwargs"] == manifest["meta"]["env_kwargs"]
    assert mine["policy"] == "random" and mine["task"]["goal_radius"] == 3.0
    (record,) = mine["sources"]
    assert record["physics"] == manifest["meta"]["physics"]
    assert (
        record["manifest_sha256"]
        == hashlib.sha256((source / "manifest.json").read_bytes()).hexdigest()
    )
    env = ds.recover_environment()  # the same env: its kwargs and time limit
    obs, info = env.reset(seed=ds.storage.get_episode_metadata([0]).__next__()["seed"])
    np.testing.assert_array_equal(obs, ds[0].observations[0])
    assert env.unwrapped.task.goal_radius == 3.0
    env.close()


def test_stop_at_success_ends_episodes_at_the_first_success(source, tmp_path, monkeypatch):
    export_minari(source, NAME, tmp_path, stop_at_success=True)
    ds = load(tmp_path, monkeypatch)
    src = open_dataset(source)
    lengths = []
    for e, ep in enumerate(ds.iterate_episodes()):
        success = np.asarray(src.array("success", e))
        first = int(np.argmax(success)) if success.any() else len(success)
        steps = min(first, 10)
        lengths.append(steps)
        assert len(ep.rewards) == steps and len(ep.observations) == steps + 1
        np.testing.assert_array_equal(ep.observations, src.array("frames", e)[: steps + 1])
        np.testing.assert_array_equal(ep.terminations, success[1 : steps + 1])
        assert ep.terminations[:-1].sum() == 0
        assert ep.truncations[-1] == (steps == 10) and not ep.truncations[:-1].any()
    assert min(lengths) < 10 and max(lengths) == 10


def test_default_root_is_minaris(source, tmp_path, monkeypatch):
    monkeypatch.setenv("MINARI_DATASETS_PATH", str(tmp_path / "home"))
    export_minari(source, "plain-v1")
    assert (tmp_path / "home" / "plain-v1" / "data" / "metadata.json").is_file()
    assert "plain-v1" in minari.list_local_datasets()


def test_a_taken_name_is_refused(source, tmp_path, monkeypatch):
    export_minari(source, NAME, tmp_path)
    with pytest.raises(ValueError, match="already exists"):
        export_minari(source, NAME, tmp_path)
    assert load(tmp_path, monkeypatch).total_steps == 30


def test_relative_root(source, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    export_minari(source, NAME, Path("data") / "minari")
    assert load(Path("data") / "minari", monkeypatch).total_episodes == 3


@pytest.mark.parametrize(
    "name", ["random", "billiards random-v0", "a/../b-v0", "/abs/x-v0", "a//b-v0", "x-v"]
)
def test_bad_name_is_refused(source, tmp_path, name):
    with pytest.raises(ValueError, match=r"not a Minari dataset name.*name-vN"):
        export_minari(source, name, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_missing_minari_names_the_extra(source, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "minari", None)
    with pytest.raises(MissingExtraError, match=r"pip install 'vin-gym\[minari\]'"):
        export_minari(source, NAME, tmp_path)
    monkeypatch.setitem(sys.modules, "minari", minari)
    monkeypatch.setattr(minari, "__version__", "0.5.3")  # stores frames as JPEG only
    with pytest.raises(MissingExtraError, match=r"minari>=0\.5\.4.*found 0\.5\.3"):
        export_minari(source, NAME, tmp_path)


def test_a_failed_export_leaves_nothing_behind(source, tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        yield from list(minari_episodes(*args, **kwargs))[:2]
        raise OSError("disk full")

    monkeypatch.setattr(minari_export, "minari_episodes", broken)
    with pytest.raises(OSError, match="disk full"):
        export_minari(source, NAME, tmp_path)
    assert list(tmp_path.iterdir()) == []  # no dataset, no temporary directory
    monkeypatch.undo()
    assert export_minari(source, NAME, tmp_path).total_episodes == 3


def test_rewards_of_another_task_are_refused(source):
    episodes = minari_episodes(open_dataset(source), GoalTask(target=0))
    with pytest.raises(DatasetError, match="disagrees with the env task"):
        list(episodes)


def test_a_dataset_without_goal_is_refused(tmp_path):
    scipy_io = pytest.importorskip("scipy.io")
    from vin_gym.data import import_mat

    states = np.random.default_rng(0).uniform(2.0, 8.0, size=(2, 5, 3, 4))
    centres = (np.arange(32) + 0.5) * 10.0 / 32  # the seed's frames: a blob per ball
    d2 = (centres[None, :] - states[..., 0, None, None]) ** 2 + (
        centres[:, None] - states[..., 1, None, None]
    ) ** 2
    frames = np.moveaxis(np.exp(-((d2 / 1.2**2) ** 4)), 2, -1)  # (E, T, 32, 32, 3)
    scipy_io.savemat(tmp_path / "seed.mat", {"X": frames, "y": states})
    import_mat(tmp_path / "seed.mat", tmp_path / "mat")
    with pytest.raises(DatasetError, match="has no goal"):
        export_minari(tmp_path / "mat", NAME, tmp_path / "root")
    assert not (tmp_path / "root" / NAME).exists()
