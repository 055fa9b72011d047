"""VINWorldModel: the planners' protocol over a (tiny, untrained) VIN."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from vin_model import VIN, VINConfig, VINWorldModel, save_checkpoint

TINY = VINConfig(conv_channels=4, hidden=16, code_size=8)


def frame(size: int = 32, value: int = 0) -> np.ndarray:
    return np.full((size, size, 3), value, dtype=np.uint8)


def ready_model(**kw) -> VINWorldModel:
    torch.manual_seed(0)
    wm = VINWorldModel(VIN(TINY), **kw)
    for i in range(6):
        wm.observe(frame(value=20 * i), {})
    return wm


@pytest.mark.parametrize("batch", [1, 7, 256, 1024])
def test_rollout_shapes(batch: int) -> None:
    wm = ready_model()
    out = wm.rollout(torch.rand(batch, 5, 2) * 2 - 1)
    assert out.shape == (batch, 5, 3, 4) and out.device == wm.device
    assert torch.isfinite(out).all()


def test_matches_the_protocol_and_encodes_once() -> None:
    from planners.base import WorldModel

    wm = ready_model()
    assert isinstance(wm, WorldModel)
    actions = torch.rand(4, 3, 2)
    a = wm.rollout(actions)
    # every candidate starts from the same frames: one candidate alone gives its row
    torch.testing.assert_close(wm.rollout(actions[2:3]), a[2:3], rtol=1e-5, atol=1e-5)


def test_needs_six_frames_and_reset_forgets() -> None:
    wm = ready_model()
    assert wm.ready()
    wm.reset()
    assert not wm.ready()
    for _ in range(5):
        wm.observe(frame(), {})
    assert not wm.ready()
    with pytest.raises(RuntimeError, match="5 of the 6 frames"):
        wm.rollout(torch.zeros(1, 2, 2))


def test_history_keeps_the_last_six_frames() -> None:
    wm = ready_model()
    before = wm.rollout(torch.zeros(1, 4, 2))
    wm.observe(frame(value=200), {"states": None})
    assert not torch.equal(wm.rollout(torch.zeros(1, 4, 2)), before)


def test_frame_size_resized_or_clear_error() -> None:
    wm = ready_model()
    wm.observe(frame(64, 30), {})
    assert wm.rollout(torch.zeros(2, 3, 2)).shape == (2, 3, 3, 4)
    strict = ready_model(resize=False)
    with pytest.raises(ValueError, match="obs_size=32"):
        strict.observe(frame(64), {})
    with pytest.raises(ValueError, match=r"\(H, W, 3\)"):
        strict.observe(np.zeros(10), {})


def test_dict_observations_and_state_input() -> None:
    wm = ready_model()
    wm.observe({"pixels": frame(), "state": np.zeros(14)}, {})
    assert wm.ready()
    sm = VINWorldModel(VIN(VINConfig(state_input=True, conv_channels=4, hidden=16, code_size=8)))
    for _ in range(6):
        sm.observe(None, {"states": np.random.default_rng(0).uniform(1, 9, (3, 4))})
    assert sm.rollout(torch.zeros(3, 2, 2)).shape == (3, 2, 3, 4)
    config = VINConfig(state_input=True, mass_input=True, conv_channels=4, hidden=16, code_size=8)
    mm = VINWorldModel(VIN(config))
    states = np.random.default_rng(0).uniform(1, 9, (3, 4))
    with pytest.raises(ValueError, match="masses"):
        mm.observe(None, {"states": states})
    for _ in range(6):
        mm.observe(None, {"states": states, "masses": np.array([1.0, 2.0, 0.5])})
    assert mm.rollout(torch.zeros(3, 2, 2)).shape == (3, 2, 3, 4)


def test_load_from_a_checkpoint(tmp_path: Path) -> None:
    save_checkpoint(tmp_path, VIN(TINY), 3)
    wm = VINWorldModel.load(tmp_path, device="cpu")
    assert wm.device == torch.device("cpu") and wm.n_objects == 3
