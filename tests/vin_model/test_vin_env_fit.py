"""A VIN checkpoint is used only where it fits (issue 14 item 3, issue 12 item 7), and a
planner over a broken model is an error, not a plan (issue 14 item 2)."""

from __future__ import annotations

import warnings

import gymnasium as gym
import numpy as np
import pytest
import torch

import vin_gym  # noqa: F401  (registers the environments)
from planners import CEM, CEMConfig, MPCAgent, MPCConfig
from vin_gym.env_record import EnvRecord
from vin_model import VIN, VINConfig, VINWorldModel, save_checkpoint
from vin_model.checkpoint import read_config

TINY = VINConfig(frame_size=32, code_size=4, conv_channels=4, hidden=8)
SEED_META = {
    "env_id": "SeedBilliards-v0",
    "env_kwargs": {"obs_size": 32},
    "n_objects": 3,
    "obs_size": 32,
    "max_push": 2.0,
}
BILLIARDS_META = {
    "env_id": "Billiards-v0",
    "env_kwargs": {"obs_size": 32, "show_goal": False},
    "n_objects": 3,
    "obs_size": 32,
    "max_push": 2.0,
}


def checkpoint(path, meta):
    torch.manual_seed(0)
    return save_checkpoint(path, VIN(TINY), 1, extra={"meta": meta})


def test_a_checkpoint_of_another_env_is_refused_naming_both(tmp_path) -> None:
    checkpoint(tmp_path, SEED_META)
    env = gym.make("Billiards-v0", obs_size=32, show_goal=False)
    with pytest.raises(ValueError, match="env_id: checkpoint 'SeedBilliards-v0' vs env 'Bill"):
        VINWorldModel.load(tmp_path, device="cpu", env=env)
    with pytest.warns(UserWarning, match="does not fit"):
        VINWorldModel.load(tmp_path, device="cpu", env=env, allow_mismatch=True)


def test_objects_goal_ring_background_and_push_scale_are_checked(tmp_path) -> None:
    checkpoint(tmp_path, BILLIARDS_META)
    wm = VINWorldModel.load(tmp_path, device="cpu")
    fits = gym.make("Billiards-v0", **wm.env_kwargs())
    assert wm.check_env(fits) == {}
    for kwargs, field in (
        ({"n_objects": 5}, "n_objects: checkpoint 3 vs env 5"),
        ({"show_goal": True}, "show_goal: checkpoint False vs env True"),
        ({"background": "textured"}, "background: checkpoint 'plain' vs env 'textured'"),
        ({"max_push": 4.0}, "max_push: checkpoint 2.0 vs env 4.0"),
        ({"obs_size": 64}, "frame_size: checkpoint 32 vs env 64"),
    ):
        env = gym.make("Billiards-v0", **(wm.env_kwargs() | kwargs))
        with pytest.raises(ValueError, match=field):
            wm.check_env(env)


def test_a_checkpoint_without_a_record_loads_with_a_warning(tmp_path) -> None:
    save_checkpoint(tmp_path, VIN(TINY), 1)  # as older vin-gym made them: no data meta
    env = gym.make("Springs-v0", obs_size=32)
    with pytest.warns(UserWarning, match="records no env_id"):
        wm = VINWorldModel.load(tmp_path, device="cpu", env=env)
    assert wm.record.env_id is None
    # what the model itself knows is still checked
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError, match="n_objects: checkpoint 3 vs env 4"):
            wm.check_env(gym.make("Springs-v0", obs_size=32, n_objects=4))


def test_training_records_the_env_of_its_data(tmp_path) -> None:
    from vin_fakes import MemoryClips

    from vin_model.training import TrainConfig, train

    clips = MemoryClips(episodes=2, length=14, rollout=2, starts=2)
    cfg = TrainConfig(steps=1, batch_size=2, rollout_start=2, rollout_max=2, progress=False,
                      device="cpu")  # fmt: skip
    train(tmp_path, clips, None, TINY, cfg, extra={"meta": clips.meta | {"max_push": 2.0}})
    assert read_config(tmp_path)["env"] == {
        "env_id": "Billiards-v0",
        "n_objects": 3,
        "frame_size": 32,
        "show_goal": False,
        "background": "plain",
        "max_push": 2.0,
        "physics": clips.meta.get("physics"),
    }


def test_datasets_record_the_goal_ring_and_background(tmp_path) -> None:
    from vin_gym.data import CollectConfig, collect

    manifest = collect(CollectConfig("Billiards-v0", {"obs_size": 32}, "zero", episodes=1, steps=2,
                                     progress=False), tmp_path)  # fmt: skip
    meta = manifest["meta"]
    assert meta["show_goal"] is True and meta["background"] == "plain"  # the env's defaults
    assert EnvRecord.from_meta(meta).show_goal is True


def _plan_model(ckpt, env_id: str, allow_mismatch: bool = False, **task):
    """The world model plan would load from ``ckpt`` for ``env_id`` (frames as the VIN
    learned them, what ``task`` sets winning)."""
    from vin_gym.experiments.models import load_world_model
    from vin_gym.experiments.pipeline import vin_env_kwargs

    env = gym.make(env_id, obs_mode="pixels", **(vin_env_kwargs(ckpt, task) | task))
    return load_world_model(str(ckpt), env, torch.device("cpu"), allow_mismatch)


def test_plan_refuses_a_checkpoint_that_does_not_fit(tmp_path) -> None:
    checkpoint(tmp_path / "seed", SEED_META)
    checkpoint(tmp_path / "three", BILLIARDS_META)
    message = r"env_id: checkpoint 'SeedBilliards-v0' vs env 'Billiards-v0'.*allow_mismatch"
    with pytest.raises(ValueError, match=message):
        _plan_model(tmp_path / "seed", "Billiards-v0")
    with pytest.raises(ValueError, match="env_id: checkpoint 'SeedBilliards-v0'"):
        _plan_model(tmp_path / "seed", "Springs-v0")
    with pytest.raises(ValueError, match="n_objects: checkpoint 3 vs env 5"):
        _plan_model(tmp_path / "three", "Billiards-v0", n_objects=5)
    with pytest.warns(UserWarning, match="does not fit"):
        model = _plan_model(tmp_path / "three", "Billiards-v0", allow_mismatch=True, n_objects=5)
    assert isinstance(model, VINWorldModel)


def test_plan_refuses_a_model_with_nan_weights(tmp_path) -> None:
    ckpt = checkpoint(tmp_path, BILLIARDS_META)
    from safetensors.torch import load_file, save_file

    weights = load_file(str(ckpt / "model.safetensors"))
    for v in weights.values():
        v.fill_(float("nan"))
    save_file(weights, str(ckpt / "model.safetensors"))
    with pytest.raises(ValueError, match="fails its sha256 checksum"):
        _plan_model(tmp_path, "Billiards-v0")


class NaNModel:
    """A world model whose every prediction is NaN."""

    device = torch.device("cpu")

    def reset(self) -> None: ...

    def observe(self, obs, info) -> None: ...

    def ready(self) -> bool:
        return True

    def rollout(self, actions: torch.Tensor) -> torch.Tensor:
        return torch.full((*actions.shape[:2], 2, 4), float("nan"))


def test_a_planner_whose_model_predicts_nan_for_every_candidate_raises() -> None:
    optimizer = CEM(-1, 1, CEMConfig(population=8, elites=2, iterations=2))
    reward = lambda s: -s[..., 1, :2].norm(dim=-1)  # noqa: E731
    agent = MPCAgent(NaNModel(), optimizer, reward, config=MPCConfig(horizon=3))
    with pytest.raises(ValueError, match=r"every candidate action sequence .* non-finite"):
        agent.act(np.zeros(2), {})


def test_the_shipped_vin_is_verified_and_fits_only_its_env() -> None:
    from vin_model import pretrained

    assert len(read_config(pretrained.CHECKPOINT)["weights_sha256"]) == 64
    fits = gym.make("Billiards-v0", **pretrained.ENV_KWARGS)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a complete record: nothing unchecked
        wm = pretrained.load("cpu", env=fits)
    assert wm.record.env_id == "Billiards-v0" and wm.record.show_goal is False
    with pytest.raises(ValueError, match="env_id: checkpoint 'Billiards-v0' vs env 'Springs-v0'"):
        pretrained.load("cpu", env=gym.make("Springs-v0", **pretrained.ENV_KWARGS))


def test_a_checkpoint_is_refused_in_an_env_with_other_physics() -> None:
    from vin_model import pretrained

    wm = pretrained.load("cpu")
    assert wm.record.physics == read_config(pretrained.CHECKPOINT)["meta"]["physics"]
    other = gym.make("Billiards-v0", damping=0.5, **pretrained.ENV_KWARGS)  # all else equal
    with pytest.raises(
        ValueError, match=r"physics: checkpoint '[0-9a-f]{16}' vs env '[0-9a-f]{16}'"
    ):
        wm.check_env(other)
    assert wm.check_env(gym.make("Billiards-v0", **pretrained.ENV_KWARGS)) == {}
