"""What the environments refuse: actions that are not two real numbers, given states that
overlap or move faster than the cap; and what they keep: every object on the table
(issue 14)."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
import torch

import vin_gym  # noqa: F401  (registers the environments)
from vin_gym.envs.scenes import MAX_OVERLAP


def make(env_id: str = "Billiards-v0", **kw) -> gym.Env:
    return gym.make(env_id, obs_mode="state", disable_env_checker=True, **kw)


@pytest.mark.parametrize(
    "action",
    [
        "12",
        b"ab",
        {0: 0.5, 1: 0.5},
        1 + 2j,
        [1 + 2j, 0.0],
        np.array([1 + 1j, 0]),
        np.array(["1", "2"]),
        [True, False],
        np.array([True, False]),
        [[0.1, 0.2]],
        np.zeros((1, 2)),
        [0.1, 0.2, 0.3],
        None,
        object(),
    ],
    ids=lambda v: type(v).__name__,
)
def test_step_refuses_anything_but_a_real_numeric_pair(action) -> None:
    env = make()
    env.reset(seed=0)
    with pytest.raises(ValueError, match=r"real numeric array of shape \(2,\)"):
        env.step(action)


@pytest.mark.parametrize(
    "action",
    [
        [0.5, -0.5],
        (1, 0),
        np.array([0.5, -0.5], dtype=np.float32),
        np.array([1, 0], dtype=np.int64),
        [np.float32(0.5), np.int32(0)],
        torch.tensor([0.5, -0.5]),
    ],
    ids=lambda v: type(v).__name__,
)
def test_step_accepts_real_numeric_pairs(action) -> None:
    as_floats = np.asarray([float(a) for a in action], dtype=np.float64)
    reference = make()
    reference.reset(seed=0)
    expected = reference.step(as_floats)[4]["states"]
    env = make()
    env.reset(seed=0)
    states = env.step(action)[4]["states"]
    np.testing.assert_array_equal(states, expected)  # the same push as the plain floats
    assert np.abs(states[0, 2:]).max() > 0 or not as_floats.any()  # and the cue moved


def test_reset_refuses_overlapping_objects_and_speeds_beyond_the_cap() -> None:
    env = make()
    apart = np.array([[2.0, 2.0, 0, 0], [5.0, 5.0, 0, 0], [8.0, 8.0, 0, 0]])
    env.reset(seed=0, options={"state": apart})
    overlapping = apart.copy()
    overlapping[1, :2] = [2.5, 2.0]  # 0.5 apart, radii 1 + 1
    with pytest.raises(ValueError, match=r"overlaps objects 0 and 1 by 1.5 .*at most 0.25"):
        env.reset(seed=0, options={"state": overlapping})
    fast = apart.copy()
    fast[0, 2] = 1000.0
    with pytest.raises(ValueError, match=r"object 0 speed 1000; .* max_speed=8"):
        env.reset(seed=0, options={"state": fast})
    touching = apart.copy()
    touching[1, :2] = [2.0 + 2.0 - MAX_OVERLAP / 2, 2.0]  # as deep as collisions go
    env.reset(seed=0, options={"state": touching})


def test_objects_that_pass_through_each_other_may_overlap() -> None:
    env = make("Drift-v0")
    state = np.array([[2.0, 2.0, 0, 0], [2.5, 2.0, 0, 0], [8.0, 8.0, 0, 0]])
    _, info = env.reset(seed=0, options={"state": state})
    np.testing.assert_allclose(info["states"], state)  # placed as given, not refused or moved


def test_every_accepted_state_keeps_every_object_on_the_table() -> None:
    env = make()
    base = env.unwrapped
    size, vmax = base.sim_params.table_size, base.sim_params.max_speed
    rng = np.random.default_rng(0)
    worst = 0.0
    for episode in range(10):
        env.reset(seed=episode)
        state = np.array(base.sim.object_states())  # placed without overlap
        angle = rng.uniform(0, 2 * np.pi, len(state))
        state[:, 2:] = vmax * np.stack([np.cos(angle), np.sin(angle)], axis=1)  # at the cap
        env.reset(seed=episode, options={"state": state})
        for _ in range(60):
            _, _, _, _, info = env.step(rng.uniform(-1, 1, 2))  # pushes on top
            x = info["states"][:, :2]
            r = base.sim.radii[:, None]
            worst = max(worst, float(np.max(r - x)), float(np.max(x + r - size)))
    assert worst < 0.2, worst  # at most a shallow contact with a wall, never off the table
