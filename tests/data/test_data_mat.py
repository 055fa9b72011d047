"""Importing the seed's .mat files, and the SeedBilliards-v0 env that makes such data."""

from __future__ import annotations

from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
from vin_fakes import RES, L, seed_episodes

import vin_gym  # noqa: F401
from vin_gym.data import ClipDataset, DatasetError, import_mat, open_dataset
from vin_gym.data.mat import frame_axes_error

scipy_io = pytest.importorskip("scipy.io")


@pytest.fixture(scope="module")
def mat_file(tmp_path_factory) -> tuple[Path, np.ndarray, np.ndarray, np.ndarray]:
    x, y, ours = seed_episodes(3, 12)
    path = tmp_path_factory.mktemp("mat") / "billards_balls_training_data.mat"
    scipy_io.savemat(path, {"X": x, "y": y})
    return path, x, y, ours


def test_import_converts_units_and_keeps_axes(mat_file, tmp_path):
    path, x, y, ours = mat_file
    manifest = import_mat(path, tmp_path / "ds", episodes_per_shard=2)
    assert manifest["num_shards"] == 2 and manifest["meta"]["env_id"] == "SeedBilliards-v0"
    ds = open_dataset(tmp_path / "ds")
    assert (ds.num_episodes, ds.episode_length) == (3, 12)
    states = ds.all_states()
    np.testing.assert_allclose(states[..., :2], y[..., :2], rtol=1e-6)
    np.testing.assert_allclose(states[..., 2:], y[..., 2:] * 10, rtol=1e-5, atol=1e-6)
    assert np.all(ds.array("actions", 1) == 0)
    np.testing.assert_allclose(ds.array("radii", 2), 1.2)
    frames = np.stack([ds.array("frames", e) for e in range(3)])
    # Frames and states agree: every channel's brightest pixels sit on its ball.
    for e, t in [(0, 0), (1, 5), (2, 11)]:
        for i in range(3):
            channel = frames[e, t, :, :, i]
            rows, cols = np.nonzero(channel == channel.max())
            centre = ((cols.mean() + 0.5) * L / RES, (rows.mean() + 0.5) * L / RES)
            assert np.hypot(centre[0] - states[e, t, i, 0], centre[1] - states[e, t, i, 1]) < 0.4
    straight, swapped = frame_axes_error(frames[0], states[0])
    assert straight < 0.2 < 1.0 < swapped
    # ... and match what our own renderer draws for the same states.
    assert np.abs(frames.astype(int) - ours.astype(int)).max() <= 2


def test_transposed_frames_are_refused(mat_file, tmp_path):
    path, x, y, _ = mat_file
    bad = tmp_path / "transposed.mat"
    scipy_io.savemat(bad, {"X": x.transpose(0, 1, 3, 2, 4), "y": y})
    with pytest.raises(DatasetError, match="rows and columns swapped"):
        import_mat(bad, tmp_path / "ds")


def test_bad_files(tmp_path):
    wrong = tmp_path / "wrong.mat"
    scipy_io.savemat(wrong, {"X": np.zeros((2, 4, 32, 32, 3)), "y": np.zeros((2, 5, 3, 4))})
    with pytest.raises(DatasetError, match=r"y has shape \(2, 5, 3, 4\)"):
        import_mat(wrong, tmp_path / "a")
    junk = tmp_path / "junk.mat"
    junk.write_bytes(b"not a mat file at all" * 20)
    with pytest.raises(DatasetError, match=r"junk\.mat"):
        import_mat(junk, tmp_path / "b")
    with pytest.raises(FileNotFoundError):
        import_mat(tmp_path / "none.mat", tmp_path / "c")


def test_import_resumes_refuses_other_settings_then_clips(mat_file, tmp_path):
    path = mat_file[0]
    out = tmp_path / "imported"
    first = import_mat(path, out)
    assert import_mat(path, out) == first  # resumes: nothing to do
    with pytest.raises(DatasetError, match=r"dt: 0\.1 on disk vs 0\.05 now"):
        import_mat(path, out, dt=0.05)
    clips = ClipDataset(out, visible=4, rollout=2, split="all")
    assert clips[0]["frames"].shape == (4, 32, 32, 3) and len(clips) == 3 * 7


def test_seed_billiards_env_matches_the_seed():
    env = gym.make("SeedBilliards-v0", disable_env_checker=True)
    for e in range(5):
        obs, info = env.reset(seed=e)
        s = info["states"]
        assert obs.shape == (32, 32, 3)
        assert np.linalg.norm(s[:, 2:]) == pytest.approx(5.0)  # 0.5 per frame
        assert np.all(s[:, :2] >= 1.2) and np.all(s[:, :2] <= 8.8)
        assert np.all(s[:, :2] >= 2.0)  # the seed draws positions from [2, 10]
        speeds = []
        for _ in range(60):
            _, _, _, _, info = env.step(np.zeros(2))
            speeds.append(np.hypot(info["states"][:, 2], info["states"][:, 3]))
        # no damping, and the speed cap (8) never clips the seed's speeds
        assert np.max(speeds) < 5.0 + 1e-6
        assert np.linalg.norm(info["states"][:, 2:]) == pytest.approx(5.0, rel=1e-4)
