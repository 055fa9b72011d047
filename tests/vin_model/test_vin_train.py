"""Training: overfitting, checkpoints, resume, determinism, DDP."""

from __future__ import annotations

import multiprocessing as mp
import socket
from pathlib import Path

import pytest
import torch
from vin_fakes import FailingClips, MemoryClips, ddp_worker

from vin_model import VIN, VINConfig, load_model, save_checkpoint, set_threads
from vin_model.checkpoint import list_checkpoints
from vin_model.loss import compute_loss, contact_weights
from vin_model.schedules import rollout_length
from vin_model.training import TrainConfig, fit, train

TINY = VINConfig(conv_channels=4, hidden=16, code_size=8)


@pytest.fixture(scope="module")
def clips() -> MemoryClips:
    return MemoryClips(episodes=2, length=16, rollout=4, starts=3)


def quick(**kw) -> TrainConfig:
    base = dict(
        steps=20,
        batch_size=3,
        rollout_start=2,
        rollout_max=4,
        checkpoint_every=10,
        progress=False,
        device="cpu",
        val_clips=6,
        warmup_steps=5,
        lr=3e-3,
    )
    return TrainConfig(**(base | kw))


def test_tiny_model_overfits_a_handful_of_clips(clips: MemoryClips) -> None:
    set_threads(1)
    torch.manual_seed(0)
    model = VIN(VINConfig(conv_channels=8, hidden=32, code_size=8))
    stats = clips.state_stats()
    model.set_state_stats(stats["mean"], stats["std"])
    cfg = quick(rollout_start=4)
    batch = {k: torch.stack([clips[i][k] for i in range(len(clips))]) for k in clips[0]}
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    losses = []
    for _ in range(250):
        loss, _ = compute_loss(model, model, batch, 4, cfg, torch.device("cpu"))
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert min(losses[-10:]) < losses[0] / 10, (losses[0], losses[-10:])


def test_checkpoint_round_trip_gives_identical_outputs(tmp_path: Path) -> None:
    torch.manual_seed(1)
    model = VIN(TINY)
    model.set_state_stats(torch.tensor([5.0, 5.0, 0.1, 0.0]), torch.tensor([2.0, 3.0, 1.0, 1.5]))
    save_checkpoint(tmp_path, model, 7)
    loaded = load_model(tmp_path)
    frames = torch.randint(0, 256, (2, 6, 32, 32, 3), dtype=torch.uint8)
    actions = torch.randn(2, 9, 2)
    assert torch.equal(model.eval().predict(frames, actions), loaded.predict(frames, actions))
    assert loaded.config == TINY


def test_load_with_other_config_names_the_field(tmp_path: Path) -> None:
    save_checkpoint(tmp_path, VIN(TINY), 1)
    other = VINConfig(conv_channels=4, hidden=16, code_size=8, relations=False)
    with pytest.raises(ValueError, match="relations"):
        load_model(tmp_path, expect=other)
    with pytest.raises(FileNotFoundError, match="no checkpoint"):
        load_model(tmp_path / "nothing")


def test_train_writes_checkpoints_and_is_deterministic(tmp_path: Path, clips) -> None:
    a = train(tmp_path / "a", clips, clips, TINY, quick())
    b = train(tmp_path / "b", clips, clips, TINY, quick())
    assert a["step"] == 20 and a["train/loss"] == b["train/loss"]
    assert [p.name for p in list_checkpoints(tmp_path / "a")] == ["step_00000010", "step_00000020"]
    assert (tmp_path / "a" / "tb").is_dir()
    with pytest.raises(ValueError, match="resume"):
        train(tmp_path / "a", clips, clips, TINY, quick())


def test_resume_after_a_kill_continues_at_the_right_step(tmp_path: Path, clips) -> None:
    full, _ = fit(tmp_path / "full", clips, None, TINY, quick(code_noise=0.1))
    with pytest.raises(KeyboardInterrupt):  # killed during step 15 (after 14 batches of 3)
        fit(tmp_path / "cut", FailingClips(clips, 14 * 3 + 1), None, TINY, quick(code_noise=0.1))
    assert [p.name for p in list_checkpoints(tmp_path / "cut")] == ["step_00000010"]
    resumed, summary = fit(tmp_path / "cut", clips, None, TINY, quick(code_noise=0.1), resume=True)
    assert summary["step"] == 20
    for k, v in full.state_dict().items():  # the same run as if never interrupted
        torch.testing.assert_close(resumed.state_dict()[k], v, rtol=0, atol=0, msg=k)


def test_training_in_parts_follows_one_schedule(tmp_path: Path, clips) -> None:
    full, _ = fit(tmp_path / "full", clips, None, TINY, quick())
    _, first = fit(tmp_path / "parts", clips, None, TINY, quick(), stop_at=7)
    assert first["step"] == 7
    assert list_checkpoints(tmp_path / "parts")[-1].name == "step_00000007"
    parts, last = fit(tmp_path / "parts", clips, None, TINY, quick(), resume=True, stop_at=99)
    assert last["step"] == 20  # stop_at beyond cfg.steps stops at cfg.steps
    for k, v in full.state_dict().items():  # the same run as one call
        torch.testing.assert_close(parts.state_dict()[k], v, rtol=0, atol=0, msg=k)


def test_resume_with_another_model_is_a_clear_error(tmp_path: Path, clips) -> None:
    train(tmp_path, clips, None, TINY, quick(steps=2))
    other = VINConfig(conv_channels=4, hidden=32, code_size=8)
    with pytest.raises(ValueError, match="hidden: checkpoint 16 vs requested 32"):
        train(tmp_path, clips, None, other, quick(steps=4), resume=True)


def test_curriculum_lengthens_rollouts() -> None:
    cfg = TrainConfig(rollout_start=8, rollout_max=40, curriculum_fraction=0.5)
    assert [rollout_length(p, cfg) for p in (0.0, 0.25, 0.5, 1.0)] == [8, 24, 40, 40]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_one_ddp_step_on_cpu_with_two_gloo_processes(tmp_path: Path) -> None:
    ctx = mp.get_context("fork")
    port = _free_port()
    procs = [
        ctx.Process(target=ddp_worker, args=(r, 2, port, str(tmp_path / "run"), str(tmp_path)))
        for r in range(2)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    r0, r1 = (torch.load(tmp_path / f"rank{r}.pt", weights_only=True) for r in range(2))
    assert r0["step"] == r1["step"] == 1 and r0["world"] == 2
    for k, v in r0["weights"].items():  # gradients were averaged: the replicas agree
        torch.testing.assert_close(r1["weights"][k], v, msg=k)
    assert [p.name for p in list_checkpoints(tmp_path / "run")] == ["step_00000001"]


def test_loss_with_a_tail_weights_every_step(clips: MemoryClips) -> None:
    torch.manual_seed(0)
    model = VIN(TINY)
    batch = {k: torch.stack([clips[i][k] for i in range(4)]) for k in clips[0]}
    full, _ = compute_loss(
        model, model, batch, 4, quick(tail_from=2, tail_fraction=1.0), torch.device("cpu")
    )
    part, _ = compute_loss(
        model, model, batch, 4, quick(tail_from=2, tail_fraction=0.5), torch.device("cpu")
    )
    assert torch.isfinite(part) and part != full  # later steps seen on half the batch


def test_schedules_follow_steps_not_the_clock(tmp_path: Path, clips, monkeypatch, capsys):
    """On a slow machine the time cap stops a run early and says so, but until then the run
    is the fixed-step run: the learning rate and rollout curriculum follow the step count,
    never the elapsed time (which once made the same seed give different runs)."""
    import itertools

    from safetensors.torch import load_file

    import vin_model.training as train_module

    fit(tmp_path / "plain", clips, None, TINY, quick())
    ticks = itertools.count()
    # a loaded machine: every clock reading 4 s after the one before, so the 1-minute cap
    # stops the 20-step run after step 10's checkpoint
    clock = type("Clock", (), {"perf_counter": staticmethod(lambda: 4.0 * next(ticks))})
    monkeypatch.setattr(train_module, "time", clock)
    _, summary = fit(tmp_path / "capped", clips, None, TINY, quick(max_minutes=1.0))
    assert summary["stopped_by"] == "max_minutes" and 10 < summary["step"] < 20
    assert "not the fixed-step run" in capsys.readouterr().err
    plain = load_file(
        str(tmp_path / "plain" / "checkpoints" / "step_00000010" / "model.safetensors")
    )
    capped = load_file(
        str(tmp_path / "capped" / "checkpoints" / "step_00000010" / "model.safetensors")
    )
    for k, v in plain.items():
        torch.testing.assert_close(capped[k], v, rtol=0, atol=0, msg=k)


def test_contact_weights_mark_steps_from_a_non_cue_velocity_jump() -> None:
    visible, rollout = 3, 5
    states = torch.zeros(2, visible + rollout, 3, 4)
    states[:, :, 0, 2] = torch.arange(visible + rollout).float()  # the cue accelerates: no mark
    states[0, visible + 2 :, 1, 2] = 1.0  # clip 0: object 1 jumps into rollout step 2
    cfg = TrainConfig(contact_weight=4.0, contact_threshold=0.5)
    w = contact_weights({"states": states}, visible, rollout, cfg, torch.device("cpu"))
    assert w.tolist() == [[1.0, 1.0, 5.0, 5.0, 5.0], [1.0] * 5]
    off = contact_weights({"states": states}, visible, rollout, TrainConfig(), torch.device("cpu"))
    assert off is None


def test_contact_weight_changes_the_loss_only_where_clips_touch(clips: MemoryClips) -> None:
    torch.manual_seed(0)
    model = VIN(TINY)
    batch = {k: torch.stack([clips[i][k] for i in range(4)]) for k in clips[0]}
    cpu = torch.device("cpu")
    plain, _ = compute_loss(model, model, batch, 4, quick(), cpu)
    # a threshold no velocity change reaches: every weight is equal, the loss is unchanged
    none, _ = compute_loss(
        model, model, batch, 4, quick(contact_weight=4.0, contact_threshold=1e9), cpu
    )
    assert torch.allclose(plain, none)
    some, _ = compute_loss(
        model, model, batch, 4, quick(contact_weight=4.0, contact_threshold=1e-6), cpu
    )
    w = contact_weights(
        batch, TINY.visible, 4, quick(contact_weight=4.0, contact_threshold=1e-6), cpu
    )
    assert not bool((w == w[:1]).all())  # some clips touch, some do not
    assert not torch.allclose(plain, some)


def test_contact_settings_are_checked() -> None:
    with pytest.raises(ValueError, match="contact_weight"):
        TrainConfig(contact_weight=-1.0)


def test_train_re_exports_the_names_that_moved_out_of_it() -> None:
    """Callers import the trainer's names from ``vin_model.training``: every name in its
    ``__all__`` is there and is the object of the module that holds it."""
    import importlib

    import vin_model.training as train_module

    homes = {
        "vin_model.train_config": ["RESUME_MAY_CHANGE", "Clips", "TrainConfig", "TrainingDiverged"],
        "vin_model.loss": [
            "collate",
            "compute_loss",
            "contact_weights",
            "rollout_weights",
            "split_batch",
            "validate",
        ],
        "vin_model.schedules": ["learning_rate", "rollout_length"],
    }
    for home, names in homes.items():
        module = importlib.import_module(home)
        for name in names:
            assert name in train_module.__all__, name
            assert getattr(train_module, name) is getattr(module, name), name
    for name in train_module.__all__:
        assert getattr(train_module, name) is not None, name


def test_init_fine_tunes_from_a_checkpoint_and_records_it(tmp_path: Path, clips) -> None:
    from vin_model.checkpoint import CHECKSUM, load_model, read_config

    first, _ = fit(tmp_path / "a", clips, None, TINY, quick(steps=10))
    ckpt = list_checkpoints(tmp_path / "a")[-1]
    # one step at a negligible learning rate: the weights are still the checkpoint's
    tuned, _ = fit(tmp_path / "b", clips, None, TINY, quick(steps=1, lr=1e-12), init=ckpt)
    start = load_model(ckpt)
    for (name, a), b in zip(start.state_dict().items(), tuned.state_dict().values(), strict=True):
        assert torch.allclose(a, b.cpu(), atol=1e-6), name
    record = read_config(list_checkpoints(tmp_path / "b")[-1])["init"]
    assert record["sha256"] == read_config(ckpt)[CHECKSUM]
    fresh, _ = fit(tmp_path / "c", clips, None, TINY, quick(steps=1, lr=1e-12))
    differs = [
        not torch.allclose(a, b)
        for a, b in zip(fresh.state_dict().values(), tuned.state_dict().values(), strict=True)
    ]
    assert any(differs)  # without init, a fresh initialisation
    with pytest.raises(ValueError, match="does not match the requested model"):
        other = VINConfig(conv_channels=4, hidden=8, code_size=8)
        fit(tmp_path / "d", clips, None, other, quick(steps=1), init=ckpt)
