"""Symmetry augmentation: the eight symmetries of the square, their action on clips, the
systems that obey them, and training with them."""

from __future__ import annotations

from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
import torch
from vin_fakes import MemoryClips

import vin_gym  # noqa: F401  (registers the environments)
from vin_gym.symmetry import SQUARE_SYMMETRIC, check_square_symmetric
from vin_model import VINConfig
from vin_model.augment import (
    D4,
    dihedral,
    transform_actions,
    transform_frames,
    transform_states,
)
from vin_model.training import TrainConfig, train

L = 10.0
TINY = VINConfig(conv_channels=4, hidden=16, code_size=8)


def quick(**kw) -> TrainConfig:
    """A few CPU steps of the tiny model on 16-frame clips."""
    base = dict(batch_size=2, rollout_start=2, rollout_max=4, progress=False, device="cpu")
    return TrainConfig(**(base | kw))


def _episode(env: gym.Env, state: np.ndarray, goal: np.ndarray, actions: np.ndarray):
    obs, info = env.reset(options={"state": state, "goal": goal})
    frames, states = [obs], [info["states"]]
    for a in actions:
        obs, _, _, _, info = env.step(a)
        frames.append(obs), states.append(info["states"])
    return np.stack(frames), np.stack(states)


@pytest.mark.parametrize("env_id", SQUARE_SYMMETRIC)
def test_every_listed_system_is_symmetric_in_states_and_pixels(env_id: str) -> None:
    """An episode started from a moved scene and pushed by moved actions is the moved
    episode: the claim that makes the augmented clips real episodes of the system."""
    env = gym.make(env_id, obs_size=32)
    assert env.unwrapped.sim_params.table_size == L
    _, info = env.reset(seed=3)
    start, goal = info["states"].copy(), env.unwrapped.goal.copy()
    actions = np.random.default_rng(3).uniform(-1, 1, (25, 2)).astype(np.float32)
    frames, states = _episode(env, start, goal, actions)
    assert np.abs(np.diff(states[:, :, :2], axis=0)).max() > 0.05  # things move
    for g in D4[1:]:
        moved = transform_states(torch.tensor(start), L, *g).numpy()
        moved_goal = transform_states(torch.tensor([[*goal, 0.0, 0.0]]), L, *g).numpy()[0, :2]
        f2, s2 = _episode(env, moved, moved_goal, transform_actions(torch.tensor(actions), *g))
        np.testing.assert_allclose(
            s2, transform_states(torch.tensor(states), L, *g).numpy(), atol=1e-9
        )
        np.testing.assert_array_equal(f2, transform_frames(torch.tensor(frames), *g).numpy())
    env.close()


def test_the_eight_symmetries_are_distinct_and_form_a_group() -> None:
    s = torch.tensor([[[1.0, 2.0, 0.5, -0.25]]])
    moved = {tuple(transform_states(s, L, *g).flatten().tolist()) for g in D4}
    assert len(moved) == 8 and D4[0] == (False, False, False)
    # swap: (2, 1, -0.25, 0.5), then x -> L - x and vx -> -vx
    assert transform_states(s, L, True, True, False).flatten().tolist() == [8.0, 1.0, 0.25, 0.5]
    for g in D4:  # each has an inverse among the eight, and two make one of the eight
        assert any(torch.equal(transform_states(transform_states(s, L, *g), L, *h), s) for h in D4)
        for h in D4:
            twice = tuple(transform_states(transform_states(s, L, *g), L, *h).flatten().tolist())
            assert twice in moved


def test_a_frame_moves_as_its_objects_do() -> None:
    """A pixel at column x, row y lands where the state moves (x, y)."""
    frame = torch.zeros(1, 4, 4, 3, dtype=torch.uint8)
    frame[0, 0, 3] = 255  # row 0 (y near 0), column 3 (x near L)
    turned = transform_frames(frame, True, True, False)  # (x, y) -> (L - y, x)
    assert turned[0, 3, 3].tolist() == [255, 255, 255] and turned.sum() == 3 * 255


def test_dihedral_moves_each_clip_consistently_and_is_seeded() -> None:
    clips = MemoryClips(episodes=1, length=16, rollout=4)
    batch = {k: torch.stack([clips[i][k] for i in range(len(clips))]) for k in clips[0]}
    batch["masses"] = torch.rand(len(clips), 3)
    out = dihedral(batch, L, torch.Generator().manual_seed(1))
    again = dihedral(batch, L, torch.Generator().manual_seed(1))
    assert all(torch.equal(out[k], again[k]) for k in out)
    assert torch.equal(out["masses"], batch["masses"])
    used = set()
    for i in range(len(clips)):
        match = [
            g
            for g in D4
            if torch.equal(out["frames"][i], transform_frames(batch["frames"][i], *g))
            and torch.allclose(out["states"][i], transform_states(batch["states"][i], L, *g))
            and torch.equal(out["actions"][i], transform_actions(batch["actions"][i], *g))
        ]
        assert match, f"clip {i} was not moved by one symmetry in all its parts"
        used.add(match[0])
    assert len(used) > 1  # not the identity everywhere
    assert torch.equal(batch["frames"][0], clips[0]["frames"])  # the input is untouched


def test_augment_is_checked_before_training(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"augment must be one of.*'flip'"):
        TrainConfig(augment="flip")
    check_square_symmetric("Billiards-v0")
    with pytest.raises(ValueError, match="'Pendulum-v1'"):
        check_square_symmetric("Pendulum-v1")
    with pytest.raises(ValueError, match="'noise'"):
        check_square_symmetric("Billiards-v0", "noise")
    clips = MemoryClips(episodes=1, length=16, rollout=4, starts=3)
    clips.meta = {**clips.meta, "env_id": "Pendulum-v1"}
    with pytest.raises(ValueError, match="square-symmetric"):
        train(tmp_path / "run", clips, None, TINY, quick(steps=2, augment="d4"))
    assert not (tmp_path / "run").exists()


def test_training_with_d4_is_deterministic_and_differs_from_without(tmp_path: Path) -> None:
    clips = MemoryClips(episodes=2, length=16, rollout=4, starts=3)
    base = dict(steps=6, batch_size=3, checkpoint_every=6, val_clips=6, warmup_steps=2)
    a = train(tmp_path / "a", clips, clips, TINY, quick(**base, augment="d4"))
    b = train(tmp_path / "b", clips, clips, TINY, quick(**base, augment="d4"))
    c = train(tmp_path / "c", clips, clips, TINY, quick(**base))
    assert a["train/loss"] == b["train/loss"]
    assert a["train/loss"] != c["train/loss"]


def test_every_registered_system_is_checked_for_the_symmetry() -> None:
    """A new system joins the list only when the test above has run it."""
    from vin_gym.registration import ENVIRONMENTS

    assert sorted(SQUARE_SYMMETRIC) == sorted(ENVIRONMENTS)


def test_a_run_from_before_augment_resumes_as_it_trained(tmp_path: Path) -> None:
    """A checkpoint without the field trained without augmentation: resuming it plain
    continues, resuming it with d4 would change the run and is refused."""
    import json

    clips = MemoryClips(episodes=1, length=16, rollout=4, starts=3)
    base = dict(steps=4, checkpoint_every=2, warmup_steps=1)
    train(tmp_path / "run", clips, None, TINY, quick(**base), stop_at=2)
    config = tmp_path / "run" / "checkpoints" / "step_00000002" / "config.json"
    saved = json.loads(config.read_text())
    del saved["train"]["augment"]
    config.write_text(json.dumps(saved))
    with pytest.raises(ValueError, match="augment: 'none' -> 'd4'"):
        train(tmp_path / "run", clips, None, TINY, quick(**base, augment="d4"), resume=True)
    assert train(tmp_path / "run", clips, None, TINY, quick(**base), resume=True)["step"] == 4
