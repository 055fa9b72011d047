"""An ensemble of VIN dynamics as one batched model: members, training, planning guard."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from vin_fakes import MemoryClips

from planners import make_objective
from vin_model import VIN, VINConfig, VINWorldModel, load_model
from vin_model.training import TrainConfig, fit

TINY = dict(conv_channels=4, hidden=16, code_size=8)


def member(ensemble: VIN, k: int) -> VIN:
    """Member ``k`` of an ensemble VIN as a plain VIN with the same weights."""
    single = VIN(VINConfig(**{**ensemble.config.to_dict(), "ensemble": 1}))
    g = len(ensemble.config.offsets)
    state = ensemble.state_dict()
    out = {}
    for name, value in single.state_dict().items():
        src = state[name]
        if name.startswith("dynamics.cores."):
            value = src[k * g : (k + 1) * g]  # the member's G cores
        elif name.startswith("dynamics.aggregator.") and name.endswith("weight"):
            value = src[k].T  # GroupedLinear [I, O] -> nn.Linear [O, I]
        elif name.startswith("dynamics.aggregator."):
            value = src[k, 0]
        else:
            value = src
        out[name] = value
    single.load_state_dict(out)
    return single


def test_members_are_the_plain_vins_batched() -> None:
    torch.manual_seed(0)
    model = VIN(VINConfig(ensemble=3, **TINY)).eval()
    frames = torch.randint(0, 256, (2, 6, 32, 32, 3), dtype=torch.uint8)
    actions = torch.rand(2, 5, 2) * 2 - 1
    codes = model.encode(frames)
    members = model.rollout_members(codes, actions)
    assert members.shape == (3, 2, 5, 3, 4)
    for k in range(3):
        alone = member(model, k).eval().predict(frames, actions)
        torch.testing.assert_close(members[k], alone, rtol=1e-5, atol=1e-5)
    assert not torch.allclose(members[0], members[1])  # initialised apart
    torch.testing.assert_close(model.predict(frames, actions), members.mean(0))


def test_one_member_is_the_plain_vin() -> None:
    torch.manual_seed(0)
    model = VIN(VINConfig(**TINY))
    assert model.config.ensemble == 1
    frames = torch.randint(0, 256, (2, 6, 32, 32, 3), dtype=torch.uint8)
    actions = torch.rand(2, 4, 2)
    assert model.dynamics.rollout(model.encode(frames), actions).shape == (2, 4, 3, 8)
    torch.testing.assert_close(
        model.rollout_members(model.encode(frames), actions)[0], model.predict(frames, actions)
    )


def test_every_member_trains_and_the_ensemble_round_trips(tmp_path: Path) -> None:
    clips = MemoryClips(episodes=2, length=16, rollout=4, starts=3)
    cfg = TrainConfig(
        steps=4, batch_size=3, rollout_start=2, rollout_max=4, tail_from=2, tail_fraction=0.5,
        checkpoint_every=4, progress=False, device="cpu", val_clips=6, warmup_steps=1,
    )  # fmt: skip
    config = VINConfig(ensemble=2, **TINY)
    torch.manual_seed(0)
    before = VIN(config).state_dict()
    model, summary = fit(tmp_path, clips, clips, config, cfg)
    assert np.isfinite(summary["train/loss"])
    agg = model.dynamics.aggregator[0].weight
    moved = (agg.detach() - before["dynamics.aggregator.0.weight"]).abs().amax(dim=(1, 2))
    assert (moved > 0).all()  # both members learned
    loaded = load_model(tmp_path)
    assert loaded.config.ensemble == 2
    frames = torch.randint(0, 256, (1, 6, 32, 32, 3), dtype=torch.uint8)
    actions = torch.rand(1, 3, 2)
    expected = model.eval().predict(frames, actions)
    torch.testing.assert_close(loaded.predict(frames, actions), expected)


def _ready(model: VIN, **kw) -> VINWorldModel:
    wm = VINWorldModel(model, **kw)
    for i in range(6):
        wm.observe(np.full((32, 32, 3), 20 * i, dtype=np.uint8), {})
    return wm


def test_planning_on_the_mean_with_a_disagreement_penalty() -> None:
    torch.manual_seed(0)
    model = VIN(VINConfig(ensemble=3, **TINY))
    plain, guarded = _ready(model), _ready(model, disagreement=2.0)
    actions = torch.rand(5, 4, 2) * 2 - 1
    frames = torch.stack([torch.full((32, 32, 3), 20 * i, dtype=torch.uint8) for i in range(6)])
    with torch.no_grad():
        members = model.rollout_members(model.encode(frames[None]).expand(5, -1, -1, -1), actions)
    torch.testing.assert_close(guarded.rollout(actions), members.mean(0))
    spread = members[..., :2].std(0, unbiased=False).mean(dim=(-2, -1))  # [B, H]
    torch.testing.assert_close(guarded.penalty, 2.0 * spread)
    assert plain.rollout(actions) is not None and plain.penalty is None

    def reward(states: torch.Tensor) -> torch.Tensor:
        return -states[..., 1, :2].norm(dim=-1)

    free = make_objective(plain, reward)(actions)
    penalised = make_objective(guarded, reward)(actions)
    torch.testing.assert_close(penalised, free - 2.0 * spread.sum(1))


def test_a_penalty_needs_an_ensemble() -> None:
    with pytest.raises(ValueError, match="ensemble=1"):
        VINWorldModel(VIN(VINConfig(**TINY)), disagreement=1.0)
    with pytest.raises(ValueError, match="ensemble"):
        VINConfig(ensemble=0)
