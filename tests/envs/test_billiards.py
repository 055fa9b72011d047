"""Billiards-v0: its action, observation, reward and error contracts."""

import gymnasium as gym
import numpy as np
import pytest

import vin_gym  # noqa: F401


def make(**kwargs):
    return gym.make("Billiards-v0", **kwargs)


def test_spaces_per_obs_mode():
    assert make().observation_space.shape == (64, 64, 3)
    assert make(obs_size=32).observation_space.shape == (32, 32, 3)
    assert make(obs_mode="state", n_objects=6).observation_space.shape == (26,)
    space = make(obs_mode="dict").observation_space
    assert set(space.spaces) == {"pixels", "state"}
    assert make().action_space == gym.spaces.Box(-1, 1, (2,), np.float32)


@pytest.mark.parametrize("bad", [np.array([np.nan, 0.0]), [0.0, np.inf], [1.0, -np.inf]])
def test_non_finite_action_names_the_value(bad):
    env = make(obs_mode="state")
    env.reset(seed=0)
    with pytest.raises(ValueError, match="finite"):
        env.step(bad)


def test_wrong_action_shape():
    env = make(obs_mode="state")
    env.reset(seed=0)
    with pytest.raises(ValueError, match="shape"):
        env.step(np.zeros(3))


def test_step_before_reset():
    env = make().unwrapped
    with pytest.raises(gym.error.ResetNeeded, match="reset"):
        env.step(np.zeros(2))
    with pytest.raises(gym.error.ResetNeeded):
        make().step(np.zeros(2))  # the OrderEnforcing wrapper says so too


def test_out_of_range_actions_are_clipped():
    a, b = make(obs_mode="state"), make(obs_mode="state")
    a.reset(seed=1)
    b.reset(seed=1)
    for _ in range(10):
        oa, *_, ia = a.step(np.array([5.0, -3.0]))
        ob, *_, ib = b.step(np.array([1.0, -1.0]))
        np.testing.assert_array_equal(ia["states"], ib["states"])


def test_push_changes_cue_velocity_by_max_push():
    env = make(obs_mode="state", max_push=1.5, damping=0.0)  # no friction to discount
    state = np.array([[2.0, 2.0, 0, 0], [8.0, 8.0, 0, 0], [2.0, 8.0, 0, 0]])
    env.reset(seed=0, options={"state": state, "goal": [5.0, 5.0]})
    *_, info = env.step(np.array([1.0, 0.0]))
    np.testing.assert_allclose(info["states"][0, 2:], [1.5, 0.0], atol=1e-9)
    np.testing.assert_allclose(info["states"][0, 0], 2.0 + 0.15, atol=1e-6)


def test_reward_success_and_termination():
    env = make(obs_mode="state", goal_radius=1.0)
    state = np.array([[2.0, 2.0, 0, 0], [5.0, 5.0, 1.0, 0], [2.0, 8.0, 0, 0]])
    obs, info = env.reset(seed=0, options={"state": state, "goal": [5.5, 5.0]})
    assert info["is_success"]  # already within the goal radius
    _, reward, terminated, truncated, info = env.step(np.zeros(2))
    expected = -np.hypot(*(info["states"][1, :2] - [5.5, 5.0])) / 10.0
    assert reward == pytest.approx(expected)
    assert terminated and info["is_success"] and not truncated

    env.reset(seed=0, options={"state": state, "goal": [9.0, 9.0]})
    _, reward, terminated, _, info = env.step(np.zeros(2))
    assert not terminated and not info["is_success"] and reward < -0.3


def test_truncates_after_100_steps():
    env = make(obs_mode="state", initial_speed=0.0)
    state = np.array([[2.0, 2.0, 0, 0], [8.0, 8.0, 0, 0], [2.0, 8.0, 0, 0]])
    env.reset(seed=0, options={"state": state, "goal": [5.0, 5.0]})
    for t in range(100):
        _, _, terminated, truncated, _ = env.step(np.zeros(2))
        assert not terminated
        assert truncated == (t == 99)


def test_reset_distribution_is_valid_and_seeded():
    env = make(obs_mode="state", n_objects=6)
    for seed in range(20):
        _, info = env.reset(seed=seed)
        s, goal = info["states"], info["goal"]
        d = np.linalg.norm(s[:, None, :2] - s[None, :, :2], axis=-1)
        np.fill_diagonal(d, np.inf)
        assert d.min() > 2.0  # radius 1: no overlap
        assert np.all((s[:, :2] >= 1.0) & (s[:, :2] <= 9.0))
        assert np.all((goal >= 1.5) & (goal <= 8.5))
        assert np.hypot(*(s[1, :2] - goal)) > 2.0


def test_state_observation_is_normalised():
    env = make(obs_mode="state")
    obs, info = env.reset(seed=0)
    s, goal = info["states"], info["goal"]
    np.testing.assert_allclose(obs[0:2], s[0, :2] / 5 - 1, rtol=1e-6)
    np.testing.assert_allclose(obs[2:4], s[0, 2:] / 8, rtol=1e-6)
    np.testing.assert_allclose(obs[-2:], goal / 5 - 1, rtol=1e-6)


def test_state_observation_is_clipped_to_the_box():
    env = make(obs_mode="state")
    state = np.array([[1.0, 2.0, 8.0, 0.0], [5.0, 9.0, 0.5, -7.9], [8.5, 1.5, 0.0, 0.0]])
    obs, _ = env.reset(seed=0, options={"state": state, "goal": [2.5, 7.5]})
    scaled = state * [1 / 5, 1 / 5, 1 / 8, 1 / 8] - [1.0, 1.0, 0.0, 0.0]
    expected = np.clip(np.append(scaled.ravel(), [-0.5, 0.5]), -1, 1).astype(np.float32)
    np.testing.assert_array_equal(obs, expected)
    assert obs[2] == 1.0  # a velocity at the cap (states beyond it are refused)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(obs_mode="rgb"), "obs_mode"),
        (dict(obs_size=16), "obs_size"),
        (dict(n_objects=1), "n_objects"),
        (dict(render_mode="ascii"), "render_mode"),
        (dict(max_push=-1.0), "max_push"),
    ],
)
@pytest.mark.filterwarnings("ignore:.*render_mode")  # gym.make warns before our error
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make(**kwargs)


def test_bad_reset_options():
    env = make()
    with pytest.raises(ValueError, match="shape"):
        env.reset(options={"state": np.zeros((2, 4))})
    with pytest.raises(ValueError, match="outside"):
        env.reset(options={"state": np.array([[0.2, 5, 0, 0], [5, 5, 0, 0], [8, 8, 0, 0]])})
    with pytest.raises(ValueError, match="unknown reset options"):
        env.reset(options={"goal_pos": [1, 2]})


def test_info_is_not_shared_between_steps():
    env = make(obs_mode="state")
    _, info0 = env.reset(seed=0)
    *_, info1 = env.step(np.zeros(2))
    assert info0["goal"] is not info1["goal"]
    assert not info1["states"].flags.writeable  # read-only: it cannot be corrupted
