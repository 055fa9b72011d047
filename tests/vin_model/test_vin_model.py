"""The VIN's modules: shapes, slot equivariance, ablations, config checks."""

from __future__ import annotations

import pytest
import torch

from vin_model import VIN, VINConfig
from vin_model.dynamics import Dynamics

TINY = dict(conv_channels=4, hidden=16, code_size=8)


@pytest.mark.parametrize("n_objects", [3, 6])
@pytest.mark.parametrize("size", [32, 64])
def test_shapes(n_objects: int, size: int) -> None:
    model = VIN(VINConfig(n_objects=n_objects, frame_size=size, **TINY))
    frames = torch.randint(0, 256, (2, 6, size, size, 3), dtype=torch.uint8)
    enc, roll = model(frames, torch.zeros(2, 11, 2))
    assert enc.shape == (2, 4, n_objects, 4)
    assert roll.shape == (2, 11, n_objects, 4)
    assert torch.isfinite(roll).all()


def test_any_rollout_length_and_batch() -> None:
    model = VIN(VINConfig(**TINY))
    frames = torch.zeros(3, 6, 32, 32, 3, dtype=torch.uint8)
    assert model.predict(frames, torch.zeros(3, 1, 2)).shape == (3, 1, 3, 4)
    assert model.predict(frames, torch.zeros(3, 150, 2)).shape == (3, 150, 3, 4)


@pytest.mark.parametrize("relations", [True, False])
def test_dynamics_permutation_equivariant(relations: bool) -> None:
    torch.manual_seed(0)
    dyn = Dynamics(VINConfig(n_objects=5, relations=relations, action_slots="all", **TINY))
    codes = torch.randn(4, 4, 5, 8)
    actions = torch.randn(4, 6, 2)
    perm = torch.tensor([3, 0, 4, 1, 2])
    out = dyn.rollout(codes, actions)
    out_perm = dyn.rollout(codes[:, :, perm], actions)
    torch.testing.assert_close(out_perm, out[:, :, perm], rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("relations", [True, False])
def test_cue_slot_dynamics_equivariant_in_the_other_slots(relations: bool) -> None:
    torch.manual_seed(0)
    dyn = Dynamics(VINConfig(n_objects=5, relations=relations, action_slots="cue", **TINY))
    codes, actions = torch.randn(4, 4, 5, 8), torch.randn(4, 6, 2)
    perm = torch.tensor([0, 3, 4, 1, 2])  # the cue stays in slot 0
    out = dyn.rollout(codes, actions)
    torch.testing.assert_close(
        dyn.rollout(codes[:, :, perm], actions), out[:, :, perm], rtol=1e-5, atol=1e-5
    )
    swapped = torch.tensor([1, 0, 2, 3, 4])  # another object in the cue's slot
    assert not torch.allclose(dyn.rollout(codes[:, :, swapped], actions), out[:, :, swapped])


def _push_effect(dyn: Dynamics, steps: int = 3) -> torch.Tensor:
    """Per rollout step and slot, the largest change a push makes: ``[R, N]``."""
    torch.manual_seed(1)
    codes = torch.randn(2, 4, 3, 8)
    still = dyn.rollout(codes, torch.zeros(2, steps, 2))
    pushed = dyn.rollout(codes, torch.tensor([0.8, -0.6]).repeat(2, steps, 1))
    return (pushed - still).abs().amax(dim=(0, 3))


def test_cue_push_reaches_the_others_only_through_relations() -> None:
    torch.manual_seed(0)
    # Without relations, the other objects never see the push; the cue at once.
    effect = _push_effect(Dynamics(VINConfig(relations=False, action_slots="cue", **TINY)))
    assert (effect[:, 0] > 1e-4).all()
    assert (effect[:, 1:] == 0).all()
    # With relations, the push reaches them through the cue's messages only: cut the
    # action out of the messages and the others are unchanged at the first step, then
    # change from the second, through the cue's new code.
    dyn = Dynamics(VINConfig(relations=True, action_slots="cue", **TINY))
    assert (_push_effect(dyn)[:, 1:] > 1e-4).all()
    with torch.no_grad():
        dyn.cores.rel_sender.weight[:, 8:] = 0.0  # the rows that read the action
    effect = _push_effect(dyn)
    assert (effect[0, 0] > 1e-4) and (effect[0, 1:] == 0).all()
    assert (effect[1:, 1:] > 1e-6).all()


def test_action_to_every_slot_moves_every_object_at_once() -> None:
    torch.manual_seed(0)
    effect = _push_effect(Dynamics(VINConfig(relations=False, action_slots="all", **TINY)))
    assert (effect > 1e-4).all()


def test_old_configs_load_with_the_action_in_every_slot() -> None:
    new = VINConfig(**TINY)
    assert new.action_slots == "cue"
    old = new.to_dict()
    del old["action_slots"]
    assert VINConfig.from_dict(old).action_slots == "all"
    assert VINConfig.from_dict(new.to_dict()) == new


def test_relations_couple_objects_and_ablation_does_not() -> None:
    torch.manual_seed(0)
    codes = torch.randn(1, 4, 3, 8)
    moved = codes.clone()
    moved[:, :, 2] += 1.0  # change only object 2
    for relations, coupled in ((True, True), (False, False)):
        dyn = Dynamics(VINConfig(relations=relations, **TINY))
        a = dyn.step(codes, torch.zeros(1, 2))[:, 0]
        b = dyn.step(moved, torch.zeros(1, 2))[:, 0]
        assert (not torch.allclose(a, b)) == coupled


def test_actions_change_the_prediction() -> None:
    torch.manual_seed(0)
    model = VIN(VINConfig(**TINY))
    frames = torch.randint(0, 256, (1, 6, 32, 32, 3), dtype=torch.uint8)
    a = model.predict(frames, torch.zeros(1, 3, 2))
    b = model.predict(frames, torch.ones(1, 3, 2))
    assert not torch.allclose(a, b)


def test_state_input_ablation() -> None:
    model = VIN(VINConfig(state_input=True, **TINY))
    states = torch.rand(2, 6, 3, 4) * 10
    enc, roll = model(states, torch.zeros(2, 5, 2))
    assert enc.shape == (2, 4, 3, 4) and roll.shape == (2, 5, 3, 4)
    with pytest.raises(ValueError, match="state input"):
        model(torch.zeros(2, 6, 32, 32, 3, dtype=torch.uint8), torch.zeros(2, 5, 2))


def test_mass_input_reads_the_masses() -> None:
    """An IN given the true masses: the same states with other masses predict otherwise,
    and the masses must come with the states."""
    torch.manual_seed(0)
    model = VIN(VINConfig(state_input=True, mass_input=True, **TINY))
    states = torch.rand(2, 6, 3, 4) * 10
    light = torch.cat([states, torch.ones(2, 6, 3, 1)], dim=-1)
    heavy = torch.cat([states, torch.full((2, 6, 3, 1), 2.0)], dim=-1)
    a, b = model.predict(light, torch.zeros(2, 4, 2)), model.predict(heavy, torch.zeros(2, 4, 2))
    assert a.shape == (2, 4, 3, 4) and not torch.allclose(a, b)
    with pytest.raises(ValueError, match=r"\[B, V, 3, 5\].*mass"):
        model.predict(states, torch.zeros(2, 4, 2))
    with pytest.raises(ValueError, match="positive"):
        model.predict(light * 0, torch.zeros(2, 4, 2))
    with pytest.raises(ValueError, match="needs state_input"):
        VINConfig(mass_input=True)


def test_normalisation_round_trip() -> None:
    model = VIN(VINConfig(**TINY))
    model.set_state_stats(torch.tensor([5.0, 5.0, 0.0, 0.0]), torch.tensor([3.0, 3.0, 1.0, 1.0]))
    s = torch.rand(7, 3, 4)
    torch.testing.assert_close(model.denormalize(model.normalize(s)), s)
    with pytest.raises(ValueError, match="std > 0"):
        model.set_state_stats(torch.zeros(4), torch.zeros(4))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"frame_size": 48}, "frame_size"),
        ({"visible": 5}, "visible"),
        ({"n_objects": 0}, "n_objects"),
        ({"offsets": (0, 1)}, "offsets"),
        ({"action_slots": "first"}, "action_slots"),
    ],
)
def test_bad_config(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        VINConfig(**kwargs)


def test_bad_inputs_name_the_shape() -> None:
    model = VIN(VINConfig(**TINY))
    with pytest.raises(ValueError, match="32, 32, 3"):
        model.predict(torch.zeros(1, 6, 64, 64, 3, dtype=torch.uint8), torch.zeros(1, 2, 2))
    with pytest.raises(ValueError, match="actions"):
        model.predict(torch.zeros(1, 6, 32, 32, 3, dtype=torch.uint8), torch.zeros(1, 2, 3))


def test_tail_rolls_a_share_of_the_batch_further() -> None:
    torch.manual_seed(0)
    model = VIN(VINConfig(**TINY))
    frames = torch.randint(0, 256, (4, 6, 32, 32, 3), dtype=torch.uint8)
    actions = torch.randn(4, 10, 2)
    enc, head, tail = model(frames, actions, tail_from=3, tail_batch=2)
    assert enc.shape == (4, 4, 3, 4) and head.shape == (4, 3, 3, 4) and tail.shape == (2, 7, 3, 4)
    _, full = model(frames, actions)  # the same predictions as one long rollout
    torch.testing.assert_close(torch.cat([head[:2], tail], dim=1), full[:2])


def test_a_checkpoint_saved_before_action_slots_loads_with_the_action_in_every_slot(
    tmp_path,
) -> None:
    import json

    from vin_model.checkpoint import load_model, save_checkpoint

    path = save_checkpoint(tmp_path, VIN(VINConfig(action_slots="all", **TINY)), step=1)
    config = json.loads((path / "config.json").read_text())
    del config["model"]["action_slots"]  # as an older vin-gym wrote it
    (path / "config.json").write_text(json.dumps(config))
    model = load_model(path)
    assert model.config.action_slots == "all"
    assert bool(model.dynamics.action_mask.eq(1).all())
