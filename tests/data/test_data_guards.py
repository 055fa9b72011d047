"""Bad data is refused with an error naming the value, never a stored NaN (issue 14); the
command line's exit codes and error lines are tested in tests/cli/test_cli_data.py."""

from __future__ import annotations

import json
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest

import vin_gym  # noqa: F401  (registers the environments)
from vin_gym.data import CollectConfig, DatasetError, collect, import_mat, open_dataset
from vin_gym.data.storage import file_sha256
from vin_gym.data.summary import summarise


@pytest.fixture
def dataset(tmp_path) -> Path:
    root = tmp_path / "data"
    collect(CollectConfig("Billiards-v0", {"obs_size": 32}, "random", episodes=3, steps=4,
                          episodes_per_shard=3, progress=False), root)  # fmt: skip
    return root


def _rewrite(root: Path, name: str, change) -> None:
    """Change ``name``.npy of shard 0 and update its checksums, as a careless tool would."""
    path = root / "shard-00000" / f"{name}.npy"
    arr = np.load(path)
    change(arr)
    np.save(path, arr)
    manifest = json.loads((root / "manifest.json").read_text())
    record = manifest["shards"][0]["files"][f"{name}.npy"]
    record.update(bytes=path.stat().st_size, sha256=file_sha256(path))
    (root / "manifest.json").write_text(json.dumps(manifest))


# -- non-finite data -------------------------------------------------------------------
def test_inspect_refuses_non_finite_states_naming_the_episode(dataset):
    _rewrite(dataset, "states", lambda a: a[1].__setitem__((2, 0, 0), np.nan))
    with pytest.raises(DatasetError, match=r"states\.npy: episode 1 holds non-finite states"):
        summarise(dataset)


def test_inspect_refuses_non_finite_actions(dataset):
    _rewrite(dataset, "actions", lambda a: a[2].__setitem__((0, 1), np.inf))
    with pytest.raises(DatasetError, match="episode 2 holds non-finite actions"):
        summarise(dataset)


class NaNStates(gym.Wrapper):
    """An env whose states turn NaN after two steps (a simulation gone wrong)."""

    def step(self, action):
        obs, reward, terminated, truncated, info = self.env.step(action)
        self.steps = getattr(self, "steps", 0) + 1
        if self.steps >= 2:
            info = info | {"states": np.full_like(info["states"], np.nan)}
        return obs, reward, terminated, truncated, info


def test_collect_refuses_non_finite_states_naming_the_episode(tmp_path, monkeypatch):
    import importlib

    collect_module = importlib.import_module("vin_gym.data.collection")
    real = collect_module.make_env
    monkeypatch.setattr(collect_module, "make_env", lambda config: NaNStates(real(config)))
    with pytest.raises(ValueError, match=r"episode 0 .* non-finite states"):
        collect(CollectConfig("Billiards-v0", {"obs_size": 32}, "zero", episodes=2, steps=3,
                              progress=False), tmp_path)  # fmt: skip
    assert not list(tmp_path.glob("shard-*"))


# -- manifests -------------------------------------------------------------------------
def test_a_manifest_field_of_the_wrong_type_names_the_file_and_field(dataset):
    manifest = json.loads((dataset / "manifest.json").read_text())
    (dataset / "manifest.json").write_text(json.dumps(manifest | {"episode_length": "5"}))
    with pytest.raises(DatasetError, match=r"manifest.json: field 'episode_length' must be an"):
        open_dataset(dataset)
    with pytest.raises(DatasetError, match="episode_length"):
        summarise(dataset)


def test_a_meta_field_of_the_wrong_type_names_the_field(dataset):
    manifest = json.loads((dataset / "manifest.json").read_text())
    manifest["meta"]["n_objects"] = "three"
    (dataset / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(DatasetError, match=r"'meta.n_objects' must be an integer, got 'three'"):
        open_dataset(dataset)


def test_a_shard_name_leaving_the_dataset_is_refused(dataset):
    manifest = json.loads((dataset / "manifest.json").read_text())
    manifest["shards"][0]["name"] = "../x"
    (dataset / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(DatasetError, match=r"name '\.\./x'.*leaving the dataset"):
        open_dataset(dataset)


# -- import-mat ------------------------------------------------------------------------
scipy_io = pytest.importorskip("scipy.io")


def _mat(path: Path, x: np.ndarray | None = None, y: np.ndarray | None = None) -> Path:
    rng = np.random.default_rng(0)
    y = rng.uniform(2, 8, (2, 8, 3, 4)) if y is None else y
    x = rng.uniform(0, 1, (2, 8, 16, 16, 3)) if x is None else x
    scipy_io.savemat(path, {"X": x, "y": y})
    return path


def test_import_mat_of_an_empty_or_foreign_file_is_a_clear_error(tmp_path):
    (tmp_path / "empty.mat").write_bytes(b"")
    (tmp_path / "text.mat").write_text("garbage, not MATLAB\n")
    for name in ("empty.mat", "text.mat"):
        with pytest.raises(DatasetError, match=name):
            import_mat(tmp_path / name, tmp_path / name.replace(".", "_"))


def test_import_mat_refuses_nan_and_out_of_range_frames(tmp_path):
    x = np.random.default_rng(0).uniform(0, 1, (2, 8, 16, 16, 3))
    x[1, 3, 0, 0, 0] = np.nan
    with pytest.raises(DatasetError, match=r"X holds NaN or infinite values \(episode 1"):
        import_mat(_mat(tmp_path / "a.mat", x=x), tmp_path / "a")
    y = np.random.default_rng(0).uniform(2, 8, (2, 8, 3, 4))
    y[0, 0, 0, 0] = np.inf
    with pytest.raises(DatasetError, match=r"y holds NaN or infinite values \(episode 0"):
        import_mat(_mat(tmp_path / "b.mat", y=y), tmp_path / "b")
    x = np.random.default_rng(0).uniform(0, 1.5, (2, 8, 16, 16, 3))
    with pytest.raises(DatasetError, match=r"expected frames in \[0, 1\]"):
        import_mat(_mat(tmp_path / "c.mat", x=x), tmp_path / "c")
    assert not (tmp_path / "a").exists() and not (tmp_path / "c").exists()


def test_import_mat_refuses_a_ball_larger_than_the_table(tmp_path):
    with pytest.raises(ValueError, match=r"radius must be in \(0, 5\)"):
        import_mat(_mat(tmp_path / "a.mat"), tmp_path / "a", radius=50)
    assert not (tmp_path / "a").exists()


def test_imported_data_records_its_look(tmp_path):
    manifest = import_mat(_mat(tmp_path / "a.mat"), tmp_path / "a")
    assert manifest["meta"]["show_goal"] is False and manifest["meta"]["background"] == "plain"
