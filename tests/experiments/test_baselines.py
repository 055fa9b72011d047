"""The SB3 baselines through the library: a run end to end, resuming, fixed-seed
evaluation; the command's flags and exit codes in tests/cli/test_cli_baseline.py."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("stable_baselines3")

from vin_gym.baselines import (
    EVAL_SEED_BASE,
    BaselineConfig,
    eval_seeds,
    evaluate_fixed_seeds,
    summarize_runs,
    train_baseline,
    write_summary,
)
from vin_gym.baselines.sb3 import build_model, make_vec_env, replay_settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("obs", ["state", "pixels"])
def test_a_tiny_run_writes_its_run_directory(tmp_path, obs):
    out = tmp_path / "run"
    summary = train_baseline(
        BaselineConfig(algo="ppo", obs=obs, out=out, timesteps=256, eval_at=(128,),
                       eval_episodes=2, n_envs=2, progress=obs == "state",
                       hyperparams={"n_steps": 64, "batch_size": 64, "n_epochs": 1})
    )  # fmt: skip
    evaluations = json.loads((out / "evaluations.json").read_text())
    assert [e["target"] for e in evaluations] == [128, 256]
    assert evaluations[-1]["timesteps"] == 256
    for e in evaluations:  # the rate is the mean of the episodes it reports
        assert e["episodes"] == len(e["successes"]) == 2
        assert e["success_rate"] == sum(e["successes"]) / 2
    assert (out / "model.zip").is_file()
    assert (out / "checkpoints" / "model_256.zip").is_file()
    assert any((out / "tb").rglob("events.out.tfevents.*"))
    config = json.loads((out / "config.json").read_text())
    assert ("MultiInput" in config["policy"]) == (obs == "pixels")
    assert summary["timesteps"] == 256 and summary["obs"] == obs
    rates = [e["success_rate"] for e in evaluations]
    assert [e["success_rate"] for e in summary["evaluations"]] == rates


def test_sac_state_tiny(tmp_path):
    out = tmp_path / "sac"
    train_baseline(
        BaselineConfig(algo="sac", obs="state", out=out, timesteps=150, eval_at=(100,),
                       eval_episodes=2, progress=False,
                       hyperparams={"learning_starts": 50, "batch_size": 32})
    )  # fmt: skip
    assert len(json.loads((out / "evaluations.json").read_text())) == 2


def test_pixels_agent_sees_stacked_frames_and_the_goal_but_no_state(tmp_path):
    cfg = BaselineConfig(algo="ppo", obs="pixels", out=tmp_path, frame_stack=4)
    venv = make_vec_env(cfg, 1, seed=0)
    space = venv.observation_space
    assert set(space.spaces) == {"pixels", "goal"}  # no object states
    assert space["pixels"].shape == (12, 64, 64) and space["pixels"].dtype == np.uint8
    obs = venv.reset()
    goal = venv.env_method("get_wrapper_attr", "goal")[0]
    assert obs["goal"][0, -2:] == pytest.approx(goal / 5.0 - 1.0)  # the newest stacked goal
    venv.close()


def test_evaluation_uses_fixed_seeds(tmp_path):
    cfg = BaselineConfig(
        algo="ppo",
        obs="state",
        out=tmp_path,
        n_envs=1,
        hyperparams={"n_steps": 32, "batch_size": 32},
    )
    venv = make_vec_env(cfg, 1, seed=0)
    model, _ = build_model(cfg, venv, tensorboard_log=None)
    eval_env = make_vec_env(cfg, 3, seed=None)
    a = evaluate_fixed_seeds(model, eval_env, 5)
    b = evaluate_fixed_seeds(model, eval_env, 5)  # the same env, reused
    assert a["returns"] == b["returns"] and a["successes"] == b["successes"]
    # batched differently: the same episodes, up to float rounding in the network
    c = evaluate_fixed_seeds(model, make_vec_env(cfg, 2, seed=None), 5)
    assert c["returns"] == pytest.approx(a["returns"], rel=1e-5)
    # a stochastic policy changes the returns, so the test can fail
    d = evaluate_fixed_seeds(model, eval_env, 5, deterministic=False)
    assert d["returns"] != a["returns"]
    assert eval_seeds(2) == [EVAL_SEED_BASE, EVAL_SEED_BASE + 1]


def test_evaluation_episode_i_is_reset_with_seed_base_plus_i(tmp_path):
    import gymnasium as gym

    cfg = BaselineConfig(algo="ppo", obs="state", out=tmp_path)

    class Zero:
        def predict(self, obs, deterministic=True):
            return np.zeros((len(obs), 2), dtype=np.float32), None

    result = evaluate_fixed_seeds(Zero(), make_vec_env(cfg, 2, seed=None), 3)
    env = gym.make("Billiards-v0", obs_mode="state")
    for i, expected in enumerate(result["returns"]):
        env.reset(seed=EVAL_SEED_BASE + i)
        total, done = 0.0, False
        while not done:
            _, r, term, trunc, _ = env.step(np.zeros(2, dtype=np.float32))
            total += r
            done = term or trunc
        assert total == pytest.approx(expected)


def test_replay_buffer_fits_memory(tmp_path, monkeypatch):
    import vin_gym.baselines.sb3 as sb3

    monkeypatch.setattr(sb3, "available_memory", lambda: 4 << 30)  # 4 GiB, 1 GiB budget
    small = replay_settings(BaselineConfig(algo="sac", obs="state", timesteps=100_000))
    assert small["buffer_size"] == 100_000 and "optimize_memory_usage" not in small
    big = replay_settings(BaselineConfig(algo="sac", obs="pixels", timesteps=1_000_000))
    assert "optimize_memory_usage" not in big  # SB3 has none for Dict observations
    assert big["buffer_size"] < 1_000_000 and big["buffer_gib"] <= 1.0


def test_summarize_means_over_seeds(tmp_path):
    for seed, rates in [(0, [0.2, 0.6]), (1, [0.4, 0.8])]:
        run = tmp_path / f"ppo_state_s{seed}"
        run.mkdir()
        (run / "config.json").write_text(
            json.dumps(
                {
                    "env_id": "Billiards-v0",
                    "algo": "ppo",
                    "obs": "state",
                    "seed": seed,
                    "timesteps": 1000,
                }
            )
        )
        (run / "evaluations.json").write_text(
            json.dumps(
                [
                    {
                        "timesteps": t,
                        "target": t,
                        "success_rate": r,
                        "mean_return": -r,
                        "episodes": 50,
                    }
                    for t, r in zip([500, 1024], rates, strict=True)
                ]
            )
        )
    rows = summarize_runs(sorted(tmp_path.glob("ppo_state_s*")))
    assert [r["steps"] for r in rows] == [500, 1000]  # the overshoot counts at the budget
    assert rows[0]["success_mean"] == pytest.approx(0.3)
    assert rows[0]["success_std"] == pytest.approx(0.1)
    assert rows[1]["n_seeds"] == 2 and rows[1]["seeds"] == [0, 1]
    write_summary(rows, tmp_path / "out")
    assert "0.70 ± 0.10" in (tmp_path / "out" / "summary.md").read_text()
    assert (tmp_path / "out" / "success.png").stat().st_size > 0
    assert json.loads((tmp_path / "out" / "summary.json").read_text())["rows"][1]["steps"] == 1000
    with pytest.raises(FileNotFoundError, match=r"config\.json not found"):
        summarize_runs([tmp_path / "out"])


def test_missing_sb3_names_the_extra(monkeypatch):
    from vin_gym.baselines.sb3 import require_sb3

    monkeypatch.setitem(sys.modules, "stable_baselines3", None)
    with pytest.raises(ImportError, match=r"vin-gym\[sb3\]"):
        require_sb3()


def test_same_seed_same_result(tmp_path):
    def train(name: str, seed: int) -> list[float]:
        cfg = BaselineConfig(
            algo="ppo",
            obs="state",
            timesteps=128,
            seed=seed,
            out=tmp_path / name,
            eval_at=(),
            eval_episodes=3,
            n_envs=2,
            progress=False,
            checkpoints=False,
            hyperparams={"n_steps": 64, "batch_size": 64, "n_epochs": 2},
        )
        train_baseline(cfg)
        # On the skill task most returns do not depend on the policy (the cue rarely
        # strikes the target), so compare the trained policy's actions themselves.
        from stable_baselines3 import PPO

        obs = np.random.default_rng(0).uniform(-1, 1, (8, 14)).astype(np.float32)
        actions = PPO.load(cfg.out / "model.zip", device="cpu").predict(obs, deterministic=True)
        returns = json.loads((cfg.out / "evaluations.json").read_text())[-1]["returns"]
        return [*actions[0].ravel().tolist(), *returns]

    first = train("a", 3)
    assert first == train("b", 3)
    assert train("c", 4) != first


def _resumable(tmp_path: Path, **kw) -> BaselineConfig:
    settings = dict(
        algo="ppo",
        obs="state",
        timesteps=512,
        seed=0,
        out=tmp_path / "run",
        eval_at=(128, 384),
        eval_episodes=2,
        eval_envs=2,
        n_envs=2,
        progress=False,
        checkpoint_every=256,
        hyperparams={"n_steps": 64, "batch_size": 64, "n_epochs": 1},
    )
    return BaselineConfig(**{**settings, **kw})


def test_a_killed_run_resumes_from_its_newest_state(tmp_path, monkeypatch):
    import vin_gym.baselines.callbacks as callbacks

    real = callbacks.evaluate_fixed_seeds
    calls = []

    def dies_at_the_second_evaluation(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt("killed")
        return real(*args, **kwargs)

    monkeypatch.setattr(callbacks, "evaluate_fixed_seeds", dies_at_the_second_evaluation)
    cfg = _resumable(tmp_path)
    with pytest.raises(KeyboardInterrupt):
        train_baseline(cfg)
    before = json.loads((cfg.out / "evaluations.json").read_text())
    assert [e["target"] for e in before] == [128]
    assert not (cfg.out / "summary.json").exists()
    monkeypatch.setattr(callbacks, "evaluate_fixed_seeds", real)

    with pytest.raises(ValueError, match="seed: run 0, now 1"):
        train_baseline(_resumable(tmp_path, seed=1), resume=True)
    with pytest.raises(ValueError, match=r"hyperparams\.n_epochs"):
        train_baseline(_resumable(tmp_path, hyperparams={"n_epochs": 2}), resume=True)

    summary = train_baseline(cfg, resume=True)
    assert summary["resumed_from"] == [256]  # the periodic save, not the evaluation at 128
    assert summary["timesteps"] == 512
    after = json.loads((cfg.out / "evaluations.json").read_text())
    assert [e["target"] for e in after] == [128, 384, 512]
    assert after[0] == before[0]
    config = json.loads((cfg.out / "config.json").read_text())
    assert [r["from"] for r in config["resumes"]] == [256]

    with pytest.raises(ValueError, match="raise timesteps above"):  # finished: nothing to do
        train_baseline(cfg, resume=True)
    longer = train_baseline(_resumable(tmp_path, timesteps=640), resume=True)  # extended
    assert longer["resumed_from"] == [256, 512] and longer["timesteps"] == 640


def test_resume_without_a_run_names_what_is_missing(tmp_path):
    cfg = BaselineConfig(algo="ppo", out=tmp_path / "none")
    with pytest.raises(FileNotFoundError, match="no run to resume"):
        train_baseline(cfg, resume=True)
    assert not (tmp_path / "none" / "config.json").exists()


def test_sac_resume_restores_the_replay_buffer(tmp_path, capsys):
    from dataclasses import replace

    cfg = _resumable(
        tmp_path,
        algo="sac",
        timesteps=120,
        eval_at=(60,),
        n_envs=None,  # recorded as SAC's 1
        checkpoint_every=None,
        hyperparams={"learning_starts": 20, "batch_size": 16},
    )
    train_baseline(cfg)
    buffer = cfg.out / "checkpoints" / "latest_replay_buffer.pkl"
    assert buffer.is_file()
    capsys.readouterr()
    summary = train_baseline(replace(cfg, timesteps=150), resume=True)
    assert summary["timesteps"] == 150 and summary["resumed_from"] == [120]
    assert "without a replay buffer" not in capsys.readouterr().err
    buffer.unlink()
    train_baseline(replace(cfg, timesteps=160), resume=True)
    assert "resuming without a replay buffer" in capsys.readouterr().err


def test_a_finished_run_is_not_overwritten_without_resume(tmp_path):
    from dataclasses import replace

    cfg = _resumable(tmp_path, timesteps=256, eval_at=(128,), checkpoint_every=None)
    train_baseline(cfg)
    out = cfg.out
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert out / "summary.json" in before and out / "model.zip" in before
    with pytest.raises(ValueError, match="already holds a run"):
        train_baseline(replace(cfg, seed=1))
    after = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before  # nothing overwritten, nothing added
