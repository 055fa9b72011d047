"""The one evaluation over seeds: ``run_episodes`` plays one episode per seed and keeps
what it is asked for; every command and benchmark that evaluates over seeds calls it."""

from __future__ import annotations

from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest

import vin_gym  # noqa: F401  (registers the environments)
from vin_gym.experiments.episodes import run_episode, run_episodes, summarize
from vin_gym.stats import wilson_interval

ROOT = Path(__file__).resolve().parents[2]


def _push(obs, info) -> np.ndarray:
    return np.array([0.6, -0.2], dtype=np.float32)


@pytest.fixture
def env():
    env = gym.make(
        "Billiards-v0",
        obs_mode="state",
        render_mode="rgb_array",
        render_size=32,
        max_episode_steps=4,
    )
    yield env
    env.close()


def test_each_seed_once_in_order_as_run_episode_plays_it(env) -> None:
    episodes, videos = run_episodes(env, _push, [7, 3, 7], progress=False)
    assert [e["seed"] for e in episodes] == [7, 3, 7]
    assert episodes[0] == episodes[2]
    alone = run_episode(env, _push, 3)
    assert {k: v for k, v in episodes[1].items() if k != "final_distance"} == alone
    assert all(e["final_distance"] >= 0 for e in episodes)
    assert videos == [[], [], []]


def test_frames_kept_for_all_the_first_n_or_none(env) -> None:
    _, every = run_episodes(env, _push, [1, 2], keep_frames=True, progress=False)
    _, first = run_episodes(env, _push, [1, 2], keep_frames=1, progress=False)
    assert [len(v) for v in every] == [5, 5]  # the frame before each of 4 steps, and the last
    assert [len(v) for v in first] == [5, 0]
    assert all(np.array_equal(a, b) for a, b in zip(every[0], first[0], strict=True))


def test_final_distance_is_optional(env) -> None:
    with_it, _ = run_episodes(env, _push, [5], progress=False)
    without, _ = run_episodes(env, _push, [5], progress=False, final_distance=False)
    assert "final_distance" not in without[0]
    assert without[0] == {k: v for k, v in with_it[0].items() if k != "final_distance"}


def test_summary_carries_the_wilson_interval() -> None:
    episodes = [
        {"success": s, "return": 0.0, "steps": 3, "decisions": 0, "decision_s": 0.0}
        for s in (True, False, False, True, True)
    ]
    s = summarize(episodes)
    assert (s["ci_low"], s["ci_high"]) == wilson_interval(3, 5)


@pytest.mark.parametrize(
    "path",
    ["vin_gym/experiments/mbrl.py", "vin_gym/commands/plan.py", "benchmarks/closed_loop.py"],
)
def test_no_second_seed_loop(path: str) -> None:
    # Each evaluation over seeds goes through run_episodes and takes its interval from
    # summarize: no loop of run_episode calls, no interval of its own.
    text = (ROOT / path).read_text()
    assert "run_episodes(" in text and "summarize(" in text
    for copy in ("run_episode(", "wilson_interval"):
        assert copy not in text, f"{path} evaluates over seeds itself ({copy})"


def test_one_policy_protocol_for_collecting_and_playing(env, tmp_path) -> None:
    # The collector's random policy plays through run_episode as it is: the same
    # (obs, info) call, its generator handed over by reset; the same rng, the same actions.
    from vin_gym.data.policies import make_policy

    def actions(rng_seed: int) -> list[np.ndarray]:
        policy, taken = make_policy("random"), []

        def recorded(obs, info):
            taken.append(policy(obs, info))
            return taken[-1]

        recorded.reset = policy.reset
        run_episode(env, recorded, 9, rng=np.random.default_rng(rng_seed))
        return taken

    assert np.array_equal(actions(0), actions(0))
    assert not np.array_equal(actions(0), actions(1))
    expected = np.random.default_rng(0).uniform(-1, 1, (4, 2)).astype(np.float32)
    np.testing.assert_array_equal(actions(0), expected)


def test_a_random_policy_without_its_reset_says_so() -> None:
    from vin_gym.data.policies import make_policy

    with pytest.raises(RuntimeError, match=r"RandomPolicy.reset\(\) must start every episode"):
        make_policy("random")(None, {})
