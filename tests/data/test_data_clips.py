"""The clip dataset: the contract other packages train on."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

from vin_gym.data import ClipDataset, CollectConfig, DatasetError, collect, open_dataset


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("clips")
    collect(
        CollectConfig(
            "Billiards-v0",
            {"obs_size": 32, "show_goal": False},
            policy="random",
            episodes=10,
            steps=24,
            episodes_per_shard=3,
            progress=False,
        ),
        path,
    )
    return path


def test_item_contract(root):
    clips = ClipDataset(root, visible=6, rollout=8)
    item = clips[len(clips) - 1]
    assert set(item) == {"frames", "states", "actions", "masses"}
    assert item["frames"].dtype == torch.uint8 and item["frames"].shape == (6, 32, 32, 3)
    assert item["states"].dtype == torch.float32 and item["states"].shape == (14, 3, 4)
    assert item["actions"].dtype == torch.float32 and item["actions"].shape == (14, 2)
    episode, _ = clips.locate(len(clips) - 1)
    masses = open_dataset(root).array("masses", episode)
    assert item["masses"].shape == (3,) and item["masses"].tolist() == masses.tolist()
    assert clips.meta["env_id"] == "Billiards-v0" and clips.meta["obs_size"] == 32
    # 9 train episodes (val_fraction 0.1 of 10), 25 - 14 + 1 = 12 clip starts each
    assert len(clips) == 9 * 12


@pytest.mark.parametrize("k", [1, 3])
def test_clip_frames_states_actions_line_up(root, k):
    ds = open_dataset(root)
    clips = ClipDataset(root, visible=3, rollout=4, frame_step=k, split="all")
    index = 5 * clips.starts_per_episode + 2  # episode 5, first frame 2
    episode, start = clips.locate(index)
    assert (episode, start) == (5, 2)
    item = clips[index]
    frames, states, actions = (np.asarray(ds.array(n, 5)) for n in ("frames", "states", "actions"))
    np.testing.assert_array_equal(item["frames"].numpy(), frames[2 : 2 + 3 * k : k])
    np.testing.assert_array_equal(item["states"].numpy(), states[2 : 2 + 7 * k : k])
    padded = np.concatenate([actions, np.zeros((7 * k, 2), np.float32)])
    want = padded[2 : 2 + 7 * k].reshape(7, k, 2).mean(axis=1)
    np.testing.assert_allclose(item["actions"].numpy(), want, rtol=1e-6)


def test_split_is_by_episode_and_deterministic(root):
    train = ClipDataset(root, split="train", val_fraction=0.3, seed=4)
    val = ClipDataset(root, split="val", val_fraction=0.3, seed=4)
    assert set(train.episode_ids).isdisjoint(val.episode_ids)
    assert sorted([*train.episode_ids, *val.episode_ids]) == list(range(10))
    assert len(val.episode_ids) == 3
    again = ClipDataset(root, split="val", val_fraction=0.3, seed=4)
    np.testing.assert_array_equal(again.episode_ids, val.episode_ids)
    other = ClipDataset(root, split="val", val_fraction=0.3, seed=5)
    assert not np.array_equal(other.episode_ids, val.episode_ids)


def test_state_stats_over_train_episodes(root):
    val = ClipDataset(root, split="val", val_fraction=0.3, seed=4)
    stats = val.state_stats()
    ds = open_dataset(root)
    states = ds.all_states(val.splits["train"]).reshape(-1, 4).astype(np.float64)
    assert stats["mean"].dtype == torch.float32 and stats["mean"].shape == (4,)
    np.testing.assert_allclose(stats["mean"].numpy(), states.mean(0), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(stats["std"].numpy(), states.std(0), rtol=1e-4)


@pytest.mark.parametrize("workers", [0, 1])
def test_dataloader_batches(root, workers):
    clips = ClipDataset(root, visible=6, rollout=8)
    loader = DataLoader(
        clips,
        batch_size=4,
        shuffle=True,
        num_workers=workers,
        generator=torch.Generator().manual_seed(0),
    )
    batch = next(iter(loader))
    assert batch["frames"].shape == (4, 6, 32, 32, 3)
    assert batch["states"].shape == (4, 14, 3, 4) and batch["actions"].shape == (4, 14, 2)


def test_several_directories_and_bad_arguments(root, tmp_path):
    other = tmp_path / "other"
    collect(
        CollectConfig(
            "Billiards-v0",
            {"obs_size": 32, "show_goal": False},
            policy="random",
            episodes=2,
            steps=24,
            seed=1,
            progress=False,
        ),
        other,
    )
    both = ClipDataset([root, other], split="all")
    assert both.episodes.num_episodes == 12 and len(both) == 12 * 12
    with pytest.raises(DatasetError, match="spans 31 frames, but episodes have only 25"):
        ClipDataset(root, visible=6, rollout=10, frame_step=2)
    with pytest.raises(ValueError, match="split"):
        ClipDataset(root, split="test")
    with pytest.raises(ValueError, match="val_fraction"):
        ClipDataset(root, val_fraction=1.0)
    with pytest.raises(IndexError):
        ClipDataset(root)[10_000]
