"""One record of the env a model learned (issue 21 item 1): read from a checkpoint, a live
env and a dataset's meta alike; its diff names each field with both values; its env
arguments rebuild the env the model learned, and the checkpoints of older versions
(the shipped VIN among them) still load and plan in the same env as before."""

from __future__ import annotations

import json
import warnings

import gymnasium as gym
import numpy as np
import pytest
import torch

import vin_gym  # noqa: F401  (registers the environments)
from vin_gym.env_record import CHECKED, EnvRecord, describe
from vin_gym.fingerprint import physics_fingerprint
from vin_model import VIN, VINConfig, VINWorldModel, save_checkpoint
from vin_model.checkpoint import read_config, read_env_record

TINY = {"code_size": 4, "conv_channels": 4, "hidden": 8}
#: A damped scene with its goal ring hidden: physics and frames both off the defaults.
DAMPED = {"obs_size": 32, "show_goal": False, "damping": 0.5}


@pytest.fixture(scope="module")
def damped_run(tmp_path_factory) -> tuple:
    """A VIN trained one step on data of the damped scene: (run directory, data meta)."""
    from vin_gym.experiments import pipeline as pipe

    root = tmp_path_factory.mktemp("damped")
    manifest = pipe.collect_data(root / "data", "Billiards-v0", DAMPED, 3, 10, progress=False)
    pipe.train_vin([root / "data"], root / "run", steps=1, batch_size=2, rollout_max=2,
                   device="cpu", model=TINY, progress=False)  # fmt: skip
    return root / "run", manifest["meta"]


def test_a_dataset_and_the_env_it_came_from_give_the_same_record(damped_run) -> None:
    _, meta = damped_run
    env = gym.make("Billiards-v0", **DAMPED)
    from_env, from_meta = EnvRecord.from_env(env), EnvRecord.from_meta(meta)
    assert from_env == from_meta
    assert from_meta.to_dict() == {
        "env_id": "Billiards-v0",
        "n_objects": 3,
        "frame_size": 32,
        "show_goal": False,
        "background": "plain",
        "max_push": 2.0,
        "physics": physics_fingerprint("Billiards-v0", damping=0.5),
    }
    assert from_meta.kwargs == DAMPED  # the arguments the data was made with


def test_a_checkpoint_records_its_data_env_and_new_and_old_layouts_read_alike(
    damped_run,
) -> None:
    run, meta = damped_run
    config = read_config(run)
    record = read_env_record(run)
    assert config["env"] == record.to_dict() == EnvRecord.from_meta(meta).to_dict()
    older = {k: v for k, v in config.items() if k != "env"}  # before checkpoints had "env"
    assert EnvRecord.from_checkpoint(older) == record
    no_physics = {**config, "env": {k: v for k, v in config["env"].items() if k != "physics"}}
    assert EnvRecord.from_checkpoint(no_physics).physics == meta["physics"]


def test_diff_names_each_differing_field_with_both_values() -> None:
    mine = EnvRecord("Billiards-v0", 3, 32, False, "plain", 2.0, "aaaa")
    theirs = EnvRecord("Springs-v0", 4, 32, None, "textured", 2.0, "bbbb")
    diff = mine.diff(theirs)
    assert diff == {
        "env_id": ("Billiards-v0", "Springs-v0"),
        "n_objects": (3, 4),
        "background": ("plain", "textured"),
        "physics": ("aaaa", "bbbb"),
    }  # show_goal unknown to one side: not compared
    assert mine.diff(theirs, ("n_objects", "frame_size")) == {"n_objects": (3, 4)}
    text = describe(diff, "checkpoint", "env")
    for field, (a, b) in diff.items():
        assert f"{field}: checkpoint {a!r} vs env {b!r}" in text
    assert "dynamics differ" in text
    assert mine.diff(mine) == {} and EnvRecord().unknown(mine) == list(CHECKED)


def test_the_env_rebuilt_from_a_checkpoints_record_is_the_env_it_learned(damped_run) -> None:
    run, meta = damped_run
    record = read_env_record(run)
    env = gym.make(record.env_id, obs_mode="pixels", **record.env_kwargs())
    assert physics_fingerprint(record.env_id, **env.spec.kwargs) == meta["physics"]
    assert EnvRecord.from_env(env) == record
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing unrecorded, nothing that differs
        wm = VINWorldModel.load(run, device="cpu", env=env)
    assert gym.make(record.env_id, **wm.env_kwargs()).spec.kwargs == env.spec.kwargs
    # the task given instead of the data's: its physics, under the model's frames
    frames_only = gym.make(record.env_id, **record.env_kwargs({}))
    assert EnvRecord.from_env(frames_only).diff(record) == {
        "physics": (physics_fingerprint("Billiards-v0"), meta["physics"])
    }
    with pytest.raises(ValueError, match=r"physics: checkpoint '\w+' vs env '\w+'"):
        wm.check_env(frames_only)


def test_resuming_on_data_of_another_env_names_each_field() -> None:
    from vin_model.resume import check_resume_data

    saved = {"meta": {"env_id": "Billiards-v0", "n_objects": 3, "obs_size": 32}}
    data = EnvRecord("Springs-v0", 4, 32).to_dict()
    with pytest.raises(ValueError) as caught:
        check_resume_data(saved, {"env": data}, "RUN")
    message = str(caught.value)
    assert "env_id: checkpoint 'Billiards-v0' vs data 'Springs-v0'" in message
    assert "n_objects: checkpoint 3 vs data 4" in message
    check_resume_data(saved, {"env": EnvRecord("Billiards-v0", 3, 32).to_dict()}, "RUN")


def test_the_shipped_vin_still_loads_and_plans_in_the_env_it_always_did() -> None:
    from vin_model import pretrained

    record = pretrained.env_record()
    assert record.to_dict() == {
        "env_id": "Billiards-v0",
        "n_objects": 3,
        "frame_size": 32,
        "show_goal": False,
        "background": "plain",
        "max_push": 2.0,
        "physics": read_config(pretrained.CHECKPOINT)["meta"]["physics"],
    }
    env = gym.make("Billiards-v0", **pretrained.ENV_KWARGS)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        wm = pretrained.load("cpu", env=env)
    assert wm.record == record
    # the arguments of before (the frame settings only) give the very same episode
    before = gym.make("Billiards-v0", obs_mode="pixels", obs_size=32, show_goal=False)
    obs_a, _ = env.reset(seed=7)
    obs_b, _ = before.reset(seed=7)
    for _ in range(5):
        np.testing.assert_array_equal(obs_a, obs_b)
        obs_a = env.step(np.array([0.5, -0.25], np.float32))[0]
        obs_b = before.step(np.array([0.5, -0.25], np.float32))[0]


def test_a_checkpoint_of_an_older_layout_loads_with_its_record_derived(tmp_path) -> None:
    """No ``env`` field, no weights checksum: loads with a warning, the record derived from
    the data meta it carries, and the same mismatches refused."""
    torch.manual_seed(0)
    meta = {"env_id": "Billiards-v0", "env_kwargs": {"obs_size": 32, "show_goal": False},
            "n_objects": 3, "obs_size": 32, "max_push": 2.0}  # fmt: skip
    ckpt = save_checkpoint(tmp_path, VIN(VINConfig(frame_size=32, **TINY)), 1, extra={"meta": meta})
    config = json.loads((ckpt / "config.json").read_text())
    del config["weights_sha256"]
    (ckpt / "config.json").write_text(json.dumps(config))
    with pytest.warns(UserWarning, match="records no weights checksum"):
        wm = VINWorldModel.load(tmp_path, device="cpu")
    assert wm.record == EnvRecord("Billiards-v0", 3, 32, False, "plain", 2.0, None)
    with pytest.raises(ValueError, match="show_goal: checkpoint False vs env True"):
        wm.check_env(gym.make("Billiards-v0", obs_size=32))


def test_evaluate_draws_objects_at_the_radius_the_data_records(tmp_path) -> None:
    from vin_gym.data import open_dataset
    from vin_gym.experiments.pipeline import collect_data
    from vin_model.evaluate import recorded_radius

    collect_data(tmp_path / "s", "Springs-v0", {"obs_size": 32}, 1, 2, progress=False)
    episodes = open_dataset([str(tmp_path / "s")])
    assert recorded_radius(episodes) == gym.make("Springs-v0").unwrapped.scene.radius == 0.8
    radii = tmp_path / "s" / "shard-00000" / "radii.npy"
    np.save(radii, np.zeros_like(np.load(radii)))
    with pytest.raises(ValueError, match=r"records no object radius .* \(gif=False\)"):
        recorded_radius(open_dataset([str(tmp_path / "s")], verify=False))


def test_evaluate_refuses_data_of_other_objects_and_warns_of_another_env_id(tmp_path) -> None:
    from vin_model.evaluate import check_data

    torch.manual_seed(0)
    meta = {"env_id": "Billiards-v0", "n_objects": 3, "obs_size": 32}
    save_checkpoint(tmp_path, VIN(VINConfig(frame_size=32, **TINY)), 1, extra={"meta": meta})
    check_data([tmp_path], meta | {"physics": "other"})  # evaluation may change the physics
    springs = meta | {"env_id": "Springs-v0"}
    with pytest.raises(ValueError, match=r"env_id: checkpoint 'Billiards-v0' vs data "
                       r"'Springs-v0'\); pass allow_mismatch=True"):  # fmt: skip
        check_data([tmp_path], springs)
    with pytest.warns(UserWarning, match="does not fit the data"):
        check_data([tmp_path], springs, allow_mismatch=True)
    with pytest.raises(ValueError) as caught:
        check_data([tmp_path], springs | {"n_objects": 4, "obs_size": 64}, allow_mismatch=True)
    assert "n_objects: checkpoint 3 vs data 4, frame_size: checkpoint 32 vs data 64" in str(
        caught.value
    )
