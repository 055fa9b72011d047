"""Online model learning: the loop grows its dataset, resumes exactly, refuses changes."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import gymnasium as gym
import numpy as np
import pytest
import torch
from safetensors.numpy import load_file

from vin_gym.data import open_dataset
from vin_gym.data.policies import ColoredNoisePolicy
from vin_gym.experiments import mbrl
from vin_gym.experiments.episodes import MPCPolicy, run_episodes
from vin_gym.experiments.mbrl import MBRLConfig, run_mbrl
from vin_gym.experiments.recipe import HEADLINE
from vin_model.checkpoint import list_checkpoints

#: Two iterations on a tiny budget: 4 seed episodes + 2 x 2 agent episodes of 12 steps.
TINY = MBRLConfig(
    env_kwargs={"initial_speed": 0.0, "damping": 1.0},
    env_steps=4 * 12 + 2 * 2 * 12,
    episode_steps=12,
    seed_episodes=4,
    agent_episodes=2,
    explore_std=0.0,  # the agent's own actions, so its episodes are recognisable
    seed_train_steps=4,
    train_steps=3,
    batch_size=4,
    rollout_max=4,
    model={"conv_channels": 4, "hidden": 16, "code_size": 8},
    planner_kwargs={"population": 8, "elites": 2, "iterations": 1},
    horizon=3,
    eval_episodes=2,
    eval_every=1,
    eval_max_steps=8,
    device="cpu",
)
TIMING = ("collect_s", "train_s", "eval_s", "ms_per_decision")


def _rows(summary: dict) -> list[dict]:
    return [{k: v for k, v in r.items() if k not in TIMING} for r in summary["iterations"]]


def _weights(run: Path) -> dict[str, np.ndarray]:
    return load_file(str(list_checkpoints(run / "model")[-1] / "model.safetensors"))


def _data_files(run: Path) -> dict[str, str]:
    """Every dataset shard file's sha256, by path within the run."""
    out = {}
    for manifest in sorted((run / "data").glob("*/manifest.json")):
        for shard in json.loads(manifest.read_text())["shards"]:
            for name, info in shard["files"].items():
                out[f"{manifest.parent.name}/{shard['name']}/{name}"] = info["sha256"]
    return out


@pytest.fixture(scope="module")
def full_run(tmp_path_factory) -> tuple[Path, dict]:
    run = tmp_path_factory.mktemp("mbrl") / "run"
    return run, run_mbrl(TINY, run, progress=False)


def test_two_iterations_grow_the_dataset_by_the_agents_episodes(full_run) -> None:
    run, summary = full_run
    assert TINY.iterations == 2
    assert [r["iteration"] for r in summary["iterations"]] == [0, 1, 2]
    assert [r["env_steps"] for r in summary["iterations"]] == [48, 72, 96]
    assert [r["train_step"] for r in summary["iterations"]] == [4, 7, 10]
    for row in summary["iterations"]:
        assert 0 <= row["success_low"] <= row["success_rate"] <= row["success_high"] <= 1
    state = json.loads((run / "mbrl.json").read_text())
    assert [d["episodes"] for d in state["datasets"]] == [4, 2, 2]
    # the datasets are collect's format, read back as one, and training read all three
    data = open_dataset([run / d["path"] for d in state["datasets"]])
    assert data.num_episodes == 8 and data.episode_length == 13
    assert data.meta["obs_size"] == 32 and data.meta["env_kwargs"]["show_goal"] is False
    ckpt = json.loads((list_checkpoints(run / "model")[-1] / "config.json").read_text())
    assert ckpt["data"] == ["data/seed", "data/iter-0001", "data/iter-0002"]
    seed = open_dataset(run / "data" / "seed")
    assert seed.meta["policy"] == "random"
    assert np.all(np.abs(seed.array("actions", 0)[:-1]) > 0)  # random pushes from the start
    for name in ("iter-0001", "iter-0002"):
        agent = open_dataset(run / "data" / name)
        assert agent.meta["policy"] == "mbrl-cem" and agent.num_episodes == 2
        for e in range(agent.num_episodes):
            actions = agent.array("actions", e)
            # the MPC agent pushes nothing until the VIN has 6 frames, then plans
            assert np.all(actions[:5] == 0) and np.any(actions[5:-1] != 0)
    assert any((run / "tb").iterdir())


def test_a_killed_run_resumes_and_ends_as_the_uninterrupted_run(
    full_run, tmp_path, monkeypatch
) -> None:
    run, summary = full_run
    cut = tmp_path / "cut"
    evaluate = mbrl._evaluate

    def killed_in_iteration_2(run_dir, config, iteration, progress):
        if iteration == 2:  # after iteration 2's data and training, before its state
            raise KeyboardInterrupt
        return evaluate(run_dir, config, iteration, progress)

    monkeypatch.setattr(mbrl, "_evaluate", killed_in_iteration_2)
    with pytest.raises(KeyboardInterrupt):
        run_mbrl(TINY, cut, progress=False)
    assert len(json.loads((cut / "mbrl.json").read_text())["iterations"]) == 2
    monkeypatch.setattr(mbrl, "_evaluate", evaluate)
    with pytest.raises(ValueError, match="--resume"):
        run_mbrl(TINY, cut, progress=False)
    resumed = run_mbrl(TINY, cut, resume=True, progress=False)
    assert _rows(resumed) == _rows(summary)
    assert _data_files(cut) == _data_files(run)
    # where each part ran: the start, then the resume from iteration 2 (the CPU, whose
    # instruction set decides the rounding, and torch's kernels for it)
    assert [m["from_iteration"] for m in summary["machines"]] == [0]
    assert [m["from_iteration"] for m in resumed["machines"]] == [0, 2]
    assert {"cpu", "torch_cpu_capability"} <= set(resumed["machines"][1]["machine"])
    assert resumed["machines"][1]["versions"]["torch"] == torch.__version__
    again = run_mbrl(TINY, cut, resume=True, progress=False)  # nothing left: nothing added
    assert len(again["machines"]) == 2
    for k, v in _weights(run).items():
        np.testing.assert_array_equal(_weights(cut)[k], v, err_msg=k)


def test_a_run_killed_while_collecting_resumes_the_same(full_run, tmp_path, monkeypatch) -> None:
    run, summary = full_run
    cut = tmp_path / "cut"
    act = MPCPolicy.__call__
    calls = []

    def killed_in_the_second_episode(self, obs, info):
        calls.append(1) if self.reseed else None  # collecting, not evaluating
        if len(calls) == 20:  # iteration 1, episode 2 (12 steps an episode)
            raise KeyboardInterrupt
        return act(self, obs, info)

    monkeypatch.setattr(MPCPolicy, "__call__", killed_in_the_second_episode)
    with pytest.raises(KeyboardInterrupt):
        run_mbrl(TINY, cut, progress=False)
    monkeypatch.setattr(MPCPolicy, "__call__", act)
    resumed = run_mbrl(TINY, cut, resume=True, progress=False)
    assert _rows(resumed) == _rows(summary)
    assert _data_files(cut) == _data_files(run)


def test_resume_with_a_changed_config_is_refused(full_run, tmp_path) -> None:
    run, _ = full_run
    with pytest.raises(ValueError, match=r"explore_std: 0\.0 in the run vs 0\.5 now"):
        run_mbrl(replace(TINY, explore_std=0.5), run, resume=True, progress=False)
    # device and threads do not change what is computed
    again = run_mbrl(replace(TINY, device="auto"), run, resume=True, progress=False)
    assert again["iterations_done"] == 3
    (tmp_path / "junk").write_text("x")
    with pytest.raises(ValueError, match="not empty"):
        run_mbrl(TINY, tmp_path, progress=False)


def test_a_run_from_before_the_disagreement_field_resumes(full_run, tmp_path) -> None:
    """An ``mbrl.json`` written before ``disagreement`` existed is the run without it."""
    import shutil

    run, _ = full_run
    old = tmp_path / "old"
    shutil.copytree(run, old, ignore=shutil.ignore_patterns("*.lock", "holder*"))
    state = json.loads((old / "mbrl.json").read_text())
    del state["config"]["disagreement"]
    (old / "mbrl.json").write_text(json.dumps(state))
    assert run_mbrl(TINY, old, resume=True, progress=False)["iterations_done"] == 3
    with pytest.raises(ValueError, match=r"disagreement: 0\.0 in the run vs 0\.5 now"):
        model = {**TINY.model, "ensemble": 2}
        run_mbrl(replace(TINY, model=model, disagreement=0.5), old, resume=True, progress=False)


def test_a_run_from_before_runs_recorded_their_augmentation_is_one_without(
    full_run, tmp_path
) -> None:
    """An ``mbrl.json`` whose ``training`` has no ``augment`` was trained without one: it
    resumes under ``augment=none`` and under no other, whatever the recipe's default."""
    import shutil

    run, _ = full_run
    old = tmp_path / "old"
    shutil.copytree(run, old, ignore=shutil.ignore_patterns("*.lock", "holder*"))
    state = json.loads((old / "mbrl.json").read_text())
    assert state["config"]["training"] == {"augment": HEADLINE.augment}  # recorded now
    state["config"]["training"] = {}
    (old / "mbrl.json").write_text(json.dumps(state))
    without = replace(TINY, training={"augment": "none"})
    assert run_mbrl(without, old, resume=True, progress=False)["iterations_done"] == 3
    with pytest.raises(ValueError, match=r"training: \{'augment': 'none'\} in the run vs"):
        run_mbrl(replace(TINY, training={"augment": "d4"}), old, resume=True, progress=False)


def test_the_augmentation_left_out_is_the_recipes_where_the_system_has_the_symmetry() -> None:
    assert TINY.training == {} and TINY.train_overrides == {"augment": HEADLINE.augment}
    assert TINY.identity()["training"] == {"augment": HEADLINE.augment}
    textured = replace(TINY, env_kwargs={**TINY.env_kwargs, "background": "textured"})
    assert textured.train_overrides == {"augment": "none"}  # a reflection changes its frames
    given = replace(TINY, training={"augment": "none", "contact_weight": 2.0})
    assert given.identity()["training"] == {"augment": "none", "contact_weight": 2.0}
    with pytest.raises(ValueError, match="training must be a dict"):
        replace(TINY, training="d4")


def test_the_disagreement_penalty_needs_an_ensemble_and_reaches_the_loops_agent(
    tmp_path,
) -> None:
    with pytest.raises(ValueError, match=r"disagreement=1\.0 .* ensemble=1"):
        replace(TINY, disagreement=1.0)
    with pytest.raises(ValueError, match=r"disagreement=1\.0 .* ensemble=1"):
        replace(TINY, disagreement=1.0, init="pretrained")  # the shipped VIN is one model
    for bad in (-1.0, float("nan"), "x"):
        with pytest.raises(ValueError, match="disagreement must be a finite number >= 0"):
            replace(TINY, disagreement=bad, model={**TINY.model, "ensemble": 2})
    config = replace(
        TINY,
        env_steps=4 * 12 + 2 * 12,
        model={**TINY.model, "ensemble": 2},
        disagreement=0.5,
        eval_episodes=0,
    )
    run = tmp_path / "run"
    summary = run_mbrl(config, run, progress=False)
    agent = mbrl._make_agent(run, config, summary["train_step"], seed=0)
    assert agent.model.disagreement == 0.5
    env = gym.make(config.env_id, obs_mode="pixels", max_episode_steps=8, **config.frame_env_kwargs)
    run_episodes(env, MPCPolicy(env, agent), [1000], progress=False)
    assert agent.model.penalty is not None  # the last plan's candidates were penalized
    assert agent.model.penalty.shape[1] == config.horizon
    assert float(agent.model.penalty.min()) >= 0 and float(agent.model.penalty.max()) > 0


def test_evaluation_every_k_iterations_and_at_the_end(tmp_path) -> None:
    config = replace(TINY, env_steps=4 * 12 + 3 * 2 * 12, eval_every=2, seed_train_steps=2)
    rows = run_mbrl(config, tmp_path / "run", progress=False)["iterations"]
    evaluated = [r["iteration"] for r in rows if r["success_rate"] is not None]
    assert evaluated == [0, 2, 3]


def test_config_rejects_budgets_that_do_not_fit() -> None:
    with pytest.raises(ValueError, match="less than the seed data"):
        replace(TINY, env_steps=40)
    with pytest.raises(ValueError, match="rollout_max"):
        replace(TINY, rollout_max=8)
    with pytest.raises(ValueError, match="obs_size"):
        replace(TINY, env_kwargs={"obs_size": 64})


def test_config_checks_training_overrides_before_collecting() -> None:
    with pytest.raises(ValueError, match=r"training may not set \['steps'\]"):
        replace(TINY, training={"steps": 5})
    with pytest.raises(ValueError, match=r"augment must be one of.*'flip'"):
        replace(TINY, training={"augment": "flip"})
    with pytest.raises(ValueError, match="'textured'"):
        replace(TINY, training={"augment": "d4"}, env_kwargs={"background": "textured"})
    assert replace(TINY, training={"augment": "d4"}).training == {"augment": "d4"}


def test_explorer_adds_seeded_noise_to_the_agents_actions() -> None:
    class Still:
        """A stand-in agent that never pushes."""

        def __init__(self) -> None:
            self.optimizer = SimpleNamespace(generator=torch.Generator())
            self.model = SimpleNamespace(device="cpu")

        def reset(self, *fns) -> None:
            pass

        def act(self, obs, info) -> np.ndarray:
            return np.zeros(2, dtype=np.float32)

    import gymnasium as gym

    env = gym.make("Billiards-v0", obs_size=32)
    runs = []
    for _ in range(2):
        explorer = MPCPolicy(env, build_agent=Still, explore_std=0.5, reseed=True)
        rng = np.random.default_rng(3)
        explorer.reset(None, {"goal": np.zeros(2)}, rng)
        runs.append(np.stack([explorer(None, {}) for _ in range(400)]))
    np.testing.assert_array_equal(runs[0], runs[1])
    assert np.all(np.abs(runs[0]) <= 1) and 0.4 < runs[0].std() < 0.5  # clipped N(0, 0.5^2)


def test_colored_noise_pushes_are_smoother_than_white() -> None:
    rng = np.random.default_rng(0)
    steps = {}
    for beta in (0.0, 2.0):
        policy = ColoredNoisePolicy(beta=beta, length=200)
        policy.reset(None, {}, rng)
        actions = np.stack([policy(None, {}) for _ in range(200)])
        steps[beta] = np.abs(np.diff(actions, axis=0)).mean()
    assert steps[2.0] < steps[0.0] / 2
