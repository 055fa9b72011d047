"""Collection: episode contents, determinism across workers, resume, shards, policies."""

from __future__ import annotations

import json
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest

import vin_gym
from vin_gym.data import CollectConfig, DatasetError, collect, make_policy, open_dataset

KW = {"obs_size": 32, "show_goal": False}


def small(**changes) -> CollectConfig:
    base = dict(
        env_id="Billiards-v0",
        env_kwargs=dict(KW),
        policy="pushes",
        episodes=5,
        steps=8,
        episodes_per_shard=2,
        progress=False,
    )
    base.update(changes)
    return CollectConfig(**base)


def checksums(root: Path) -> dict:
    manifest = json.loads((root / "manifest.json").read_text())
    return {(s["name"], f): v["sha256"] for s in manifest["shards"] for f, v in s["files"].items()}


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("ds")
    collect(small(), root)
    return root


def test_episode_layout_and_replay(dataset):
    ds = open_dataset(dataset)
    assert (ds.num_episodes, ds.episode_length) == (5, 9)
    assert ds.meta["env_id"] == "Billiards-v0" and ds.meta["n_objects"] == 3
    ep = ds.episode(3)
    assert ep["frames"].shape == (9, 32, 32, 3) and ep["frames"].dtype == np.uint8
    assert ep["states"].shape == (9, 3, 4) and ep["actions"].shape == (9, 2)
    assert np.all(ep["actions"][-1] == 0) and ep["rewards"][-1] == 0
    assert np.all(np.abs(ep["actions"]) <= 1)
    np.testing.assert_allclose(ep["radii"], 1.0)
    np.testing.assert_allclose(ep["goals"], np.broadcast_to(ep["goals"][0], (9, 2)))
    # Replaying the stored seed and actions gives the stored frames, states and rewards:
    # actions[t] is the action applied after frame t.
    env = gym.make("Billiards-v0", disable_env_checker=True, **KW)
    obs, info = env.reset(seed=int(ep["seeds"]))
    np.testing.assert_array_equal(obs, ep["frames"][0])
    for t in range(8):
        obs, reward, _, _, info = env.step(ep["actions"][t])
        np.testing.assert_array_equal(obs, ep["frames"][t + 1])
        np.testing.assert_allclose(info["states"], ep["states"][t + 1], rtol=1e-6, atol=1e-5)
        assert reward == pytest.approx(float(ep["rewards"][t]), abs=1e-6)


def test_workers_give_identical_data(dataset, tmp_path):
    collect(small(workers=2), tmp_path)
    assert checksums(tmp_path) == checksums(dataset)


def test_resume_redoes_missing_and_partial_shards(dataset, tmp_path):
    collect(small(), tmp_path)
    kept = tmp_path / "shard-00001" / "frames.npy"
    kept_mtime = kept.stat().st_mtime_ns
    for p in (tmp_path / "shard-00000").iterdir():
        p.unlink()
    (tmp_path / "shard-00000").rmdir()
    truncated = tmp_path / "shard-00002" / "states.npy"
    truncated.write_bytes(truncated.read_bytes()[:100])
    (tmp_path / ".shard-00003.x.tmp").mkdir()  # a killed run's leftover
    collect(small(), tmp_path)
    assert checksums(tmp_path) == checksums(dataset)
    assert kept.stat().st_mtime_ns == kept_mtime  # a complete shard is not redone
    assert not list(tmp_path.glob(".shard-*"))


def test_resume_with_other_config_is_refused(tmp_path):
    collect(small(episodes=2), tmp_path)
    with pytest.raises(DatasetError, match=r"seed: 0 on disk vs 7 now"):
        collect(small(episodes=2, seed=7), tmp_path)


def test_resume_after_a_physics_change_is_refused(tmp_path, monkeypatch):
    """A dataset collected before the simulator changed (here: 5 substeps instead of 8, the
    change that once left a stale dataset behind) is not silently extended."""
    from dataclasses import replace

    from vin_gym.envs.billiards import Billiards

    collect(small(episodes=2), tmp_path)
    monkeypatch.setattr(Billiards, "sim_defaults", replace(Billiards.sim_defaults, substeps=5))
    with pytest.raises(DatasetError, match="other physics"):
        collect(small(episodes=2), tmp_path)


def test_shards_have_disjoint_seeds_and_load_as_one(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    collect(small(episodes=3, shard=(0, 2)), a)
    collect(small(episodes=3, shard=(1, 2)), b)
    ds = open_dataset([a, b])
    assert ds.num_episodes == 6
    seeds = [int(ds.array("seeds", e)) for e in range(6)]
    assert len(set(seeds)) == 6
    assert [int(ds.array("episodes", e)) for e in range(6)] == list(range(6))
    with pytest.raises(DatasetError, match="listed twice"):
        open_dataset([a, a])
    c = tmp_path / "c"
    collect(small(episodes=3, shard=(0, 2)), c)
    with pytest.raises(DatasetError, match="same configuration"):
        open_dataset([a, c])


def test_callable_policy_and_bad_config(tmp_path):
    def push_right(obs, info):
        return np.array([3.0, 0.0])  # out of range: clipped to 1

    collect(small(episodes=1, policy="zero"), tmp_path, policy=push_right)
    ds = open_dataset(tmp_path)
    assert ds.meta["policy"].endswith("push_right")
    np.testing.assert_array_equal(ds.array("actions", 0)[:-1], [[1.0, 0.0]] * 8)
    with pytest.raises(ValueError, match="obs_mode"):
        small(env_kwargs={"obs_mode": "state"})
    with pytest.raises(ValueError, match="shard"):
        small(shard=(2, 2))
    with pytest.raises(ValueError, match="unknown policy"):
        make_policy("wiggle")


def test_pushes_are_held_and_intermittent():
    policy = make_policy("pushes")
    rng = np.random.default_rng(1)
    info = {
        "states": np.array([[2.0, 2, 0, 0], [5, 5, 0, 0], [8, 8, 0, 0]]),
        "goal": np.array([7.0, 3.0]),
    }
    policy.reset(None, info, rng)
    actions = np.array([policy(None, info) for _ in range(2000)])
    pushing = np.any(actions != 0, axis=1)
    assert 0.2 < pushing.mean() < 0.8
    held = np.all(actions[1:] == actions[:-1], axis=1) & pushing[1:]
    assert held.sum() > 100  # pushes last several steps
    strength = np.linalg.norm(actions[pushing], axis=1)
    assert strength.min() >= 0.5 - 1e-6 and strength.max() <= 1 + 1e-6


@pytest.mark.parametrize("env_id", sorted(vin_gym.ENVIRONMENTS))
def test_every_registered_env_collects(env_id, tmp_path):
    collect(small(env_id=env_id, episodes=1, steps=3), tmp_path)
    ds = open_dataset(tmp_path)
    n = ds.meta["n_objects"]
    assert ds.array("states", 0).shape == (4, n, 4)
    assert np.all(np.isfinite(ds.array("states", 0)))
    assert np.all(ds.array("masses", 0) > 0) and np.all(ds.array("radii", 0) > 0)
    assert ds.array("visible", 0).shape == (n,)
