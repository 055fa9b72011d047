"""Training and checkpoints that lose nothing and say nothing false (issue 14).

Divergence stops a run without rotating out its last good checkpoint; weights prove
themselves on load (checksum, finite values); ``resume`` refuses to change the run or to
continue on nothing; stale temporary directories are cleaned.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file
from vin_fakes import MemoryClips

from vin_model import VIN, VINConfig, load_model, save_checkpoint
from vin_model.checkpoint import (
    CHECKSUM,
    best_checkpoint,
    list_checkpoints,
    load_trainer_state,
    read_config,
)
from vin_model.training import TrainConfig, TrainingDiverged, fit, train

TINY = VINConfig(conv_channels=4, hidden=16, code_size=8)
META = {"env_id": "Billiards-v0", "env_kwargs": {"show_goal": False}, "n_objects": 3}


@pytest.fixture(scope="module")
def clips() -> MemoryClips:
    return MemoryClips(episodes=2, length=16, rollout=4, starts=3)


def quick(**kw) -> TrainConfig:
    base = dict(
        steps=10,
        batch_size=3,
        rollout_start=2,
        rollout_max=4,
        checkpoint_every=5,
        log_every=5,
        progress=False,
        device="cpu",
        val_clips=6,
        warmup_steps=2,
        lr=3e-3,
    )
    return TrainConfig(**(base | kw))


def _finite(ckpt: Path) -> bool:
    return all(bool(torch.isfinite(v).all()) for v in load_model(ckpt).state_dict().values())


# -- item 1: divergence ----------------------------------------------------------------
def test_a_diverging_resume_stops_and_keeps_the_last_good_checkpoints(tmp_path, clips) -> None:
    train(tmp_path, clips, None, TINY, quick(), extra={"meta": META})
    good = list_checkpoints(tmp_path)
    assert [p.name for p in good] == ["step_00000005", "step_00000010"]
    with pytest.raises(TrainingDiverged, match=r"last good checkpoint is .*step_00000010"):
        train(
            tmp_path,
            clips,
            None,
            TINY,
            quick(steps=40, lr=1e30),
            resume=True,
            extra={"meta": META},
            allow_changes=True,
        )
    assert list_checkpoints(tmp_path) == good  # nothing rotated out, nothing NaN written
    assert all(_finite(p) for p in good)


def test_nan_actions_in_the_data_stop_training_before_any_checkpoint(tmp_path) -> None:
    bad = MemoryClips(episodes=2, length=16, rollout=4, starts=3)
    bad.actions[0][:] = float("nan")
    with pytest.raises(TrainingDiverged, match="no checkpoint was saved"):
        train(tmp_path, bad, None, TINY, quick())
    assert list_checkpoints(tmp_path) == []


def test_non_finite_weights_are_never_saved(tmp_path) -> None:
    model = VIN(TINY)
    with torch.no_grad():
        next(model.parameters())[0] = float("inf")
    with pytest.raises(ValueError, match="non-finite weights"):
        save_checkpoint(tmp_path, model, 1)
    assert list_checkpoints(tmp_path) == []


def test_the_best_checkpoint_is_kept_apart_from_the_rotation(tmp_path) -> None:
    model = VIN(TINY)
    for step, score in ((1, 0.5), (2, 0.1), (3, 0.9), (4, 0.8), (5, 0.7)):
        save_checkpoint(tmp_path, model, step, keep=2, score=score)
    names = [p.name for p in list_checkpoints(tmp_path)]
    assert names == ["step_00000002", "step_00000004", "step_00000005"]
    assert best_checkpoint(tmp_path).name == "step_00000002"


# -- item 2: weights verified ----------------------------------------------------------
def test_a_flipped_byte_in_the_weights_is_refused(tmp_path) -> None:
    ckpt = save_checkpoint(tmp_path, VIN(TINY), 1)
    assert len(read_config(ckpt)[CHECKSUM]) == 64
    file = ckpt / "model.safetensors"
    data = bytearray(file.read_bytes())
    data[-3] ^= 0x40
    file.write_bytes(bytes(data))
    with pytest.raises(ValueError, match=r"model.safetensors fails its sha256 checksum"):
        load_model(tmp_path)


def test_non_finite_weights_are_refused_on_load(tmp_path) -> None:
    ckpt = save_checkpoint(tmp_path, VIN(TINY), 1)
    weights = {k: v.clone() for k, v in VIN(TINY).state_dict().items()}
    next(iter(weights.values()))[...] = float("nan")
    save_file(weights, str(ckpt / "model.safetensors"))
    config = read_config(ckpt)
    config.pop(CHECKSUM)  # an older checkpoint: no checksum to catch it
    (ckpt / "config.json").write_text(json.dumps(config))
    with pytest.warns(UserWarning, match="no weights checksum"):
        with pytest.raises(ValueError, match="non-finite weights"):
            load_model(ckpt)


def test_an_old_checkpoint_without_checksum_loads_with_a_warning(tmp_path) -> None:
    ckpt = save_checkpoint(tmp_path, VIN(TINY), 1)
    config = read_config(ckpt)
    config.pop(CHECKSUM)
    (ckpt / "config.json").write_text(json.dumps(config))
    with pytest.warns(UserWarning, match="no weights checksum"):
        assert load_model(ckpt).config == TINY


def test_a_truncated_old_checkpoint_is_a_clear_error(tmp_path) -> None:
    ckpt = save_checkpoint(tmp_path, VIN(TINY), 1)
    config = read_config(ckpt)
    config.pop(CHECKSUM)
    (ckpt / "config.json").write_text(json.dumps(config))
    file = ckpt / "model.safetensors"
    file.write_bytes(file.read_bytes()[:100])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError, match=r"cannot read .*model.safetensors"):
            load_model(ckpt)


# -- clear errors for damaged checkpoint files -------------------------------------------
def test_damaged_or_foreign_trainer_state_is_a_clear_error(tmp_path) -> None:
    ckpt = save_checkpoint(tmp_path, VIN(TINY), 1, trainer_state={"optimizer": {}, "step": 1})
    file = ckpt / "trainer.pt"
    with pytest.raises(ValueError, match=r"trainer.pt is not a vin-gym trainer state"):
        load_trainer_state(ckpt)  # foreign: a tensor dict without 'elapsed'
    file.write_bytes(file.read_bytes()[:40])
    with pytest.raises(ValueError, match=r"cannot read .*trainer.pt"):
        load_trainer_state(ckpt)
    file.write_bytes(b"not a torch file at all")
    with pytest.raises(ValueError, match=r"cannot read .*trainer.pt"):
        load_trainer_state(ckpt)


def test_garbage_config_json_names_the_file(tmp_path) -> None:
    ckpt = save_checkpoint(tmp_path, VIN(TINY), 1)
    (ckpt / "config.json").write_text("{not json")
    with pytest.raises(ValueError, match=r"config.json is not valid JSON"):
        load_model(ckpt)
    (ckpt / "config.json").write_text("[1, 2]")
    with pytest.raises(ValueError, match=r"config.json is not a VIN checkpoint"):
        load_model(ckpt)


# -- item 5: resume --------------------------------------------------------------------
def test_resume_with_changed_settings_is_refused_or_recorded(tmp_path, clips) -> None:
    train(tmp_path, clips, None, TINY, quick())
    with pytest.raises(ValueError, match=r"batch_size: 3 -> 2.*lr: 0.003 -> 0.001"):
        train(tmp_path, clips, None, TINY, quick(steps=12, batch_size=2, lr=1e-3), resume=True)
    # the budget may grow without a flag
    train(tmp_path, clips, None, TINY, quick(steps=12), resume=True)
    train(tmp_path, clips, None, TINY, quick(steps=14, lr=1e-3), resume=True, allow_changes=True)
    changes = read_config(tmp_path)["changes"]
    assert changes == [{"step": 12, "field": "lr", "from": 0.003, "to": 0.001}]


def test_a_run_directory_that_is_a_file_is_a_clear_error(tmp_path, clips) -> None:
    (tmp_path / "run").write_text("x")
    with pytest.raises(ValueError, match="is an existing file"):
        fit(tmp_path / "run", clips, None, TINY, quick())


def test_resume_on_nothing_is_an_error(tmp_path, clips) -> None:
    with pytest.raises(FileNotFoundError, match="holds no checkpoint"):
        fit(tmp_path / "missing", clips, None, TINY, quick(), resume=True)
    assert not (tmp_path / "missing" / "checkpoints").exists()


def test_resume_on_data_of_another_env_is_an_error(tmp_path, clips) -> None:
    train(tmp_path, clips, None, TINY, quick(), extra={"meta": META})
    other = META | {"env_id": "SeedBilliards-v0"}
    with pytest.raises(ValueError, match="env_id: checkpoint 'Billiards-v0' vs data 'Seed"):
        train(tmp_path, clips, None, TINY, quick(steps=12), resume=True, extra={"meta": other})


def test_resuming_from_damaged_weights_is_refused(tmp_path, clips) -> None:
    train(tmp_path, clips, None, TINY, quick())
    file = list_checkpoints(tmp_path)[-1] / "model.safetensors"
    data = bytearray(file.read_bytes())
    data[-7] ^= 0x01
    file.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="fails its sha256 checksum"):
        train(tmp_path, clips, None, TINY, quick(steps=12), resume=True)
    assert len(list_checkpoints(tmp_path)) == 2  # nothing rotated out


def test_a_truncated_trainer_state_on_resume_is_a_clear_error(tmp_path, clips) -> None:
    train(tmp_path, clips, None, TINY, quick())
    file = list_checkpoints(tmp_path)[-1] / "trainer.pt"
    file.write_bytes(file.read_bytes()[:64])
    with pytest.raises(ValueError, match=r"trainer.pt"):
        train(tmp_path, clips, None, TINY, quick(steps=12), resume=True)


# -- item 6: stale temporaries ---------------------------------------------------------
def test_stale_temporary_checkpoints_are_cleaned_at_the_next_start(tmp_path, clips) -> None:
    stale = tmp_path / "checkpoints" / ".tmp_killed"
    stale.mkdir(parents=True)
    (stale / "model.safetensors").write_bytes(b"half")
    train(tmp_path, clips, None, TINY, quick(steps=2))
    assert not stale.exists()
    assert [p.name for p in (tmp_path / "checkpoints").iterdir()] == ["step_00000002"]
