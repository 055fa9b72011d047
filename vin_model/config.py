"""The VIN's configuration: one dataclass that rebuilds the whole model."""

from __future__ import annotations

import functools
from dataclasses import asdict, dataclass, fields
from typing import Any

#: Where the action enters the dynamics: ``"all"`` concatenates it to every slot's input
#: (the original model), ``"cue"`` to slot 0's only (the acted-on object), zeros elsewhere.
ACTION_SLOTS = ("all", "cue")
#: Upper bounds of the sizes, checked before anything is allocated (a hand-edited
#: ``hidden: 20000`` would otherwise allocate tens of GB before any message).
SIZE_CAPS = {
    "n_objects": 64,
    "frame_size": 512,
    "visible": 64,
    "code_size": 1024,
    "action_dim": 64,
    "conv_channels": 512,
    "hidden": 8192,
    "ensemble": 64,
}
#: Upper bound of a VIN's weights (the shipped VIN has well under 1M).
MAX_PARAMETERS = 50_000_000


@functools.lru_cache(maxsize=64)
def parameter_count(config: VINConfig) -> int:
    """The VIN's weights for ``config``, counted on torch's ``meta`` device (nothing is
    allocated)."""
    import torch

    from vin_model.vin import VIN

    with torch.device("meta"):
        return sum(p.numel() for p in VIN(config).parameters())


@dataclass(frozen=True)
class VINConfig:
    """Architecture of a Visual Interaction Network.

    Attributes:
        n_objects: Object slots N (the number of objects in the scene).
        frame_size: Height and width of input frames in pixels: 4 times a power of two
            (32 and 64 are the usual sizes).
        visible: Input frames per prediction; ``visible - 2`` state codes come out of the
            encoder and must cover the largest temporal offset.
        code_size: State code size per object (16 in the paper).
        action_dim: Size of the action A fed to the dynamics (zeros for passive scenes).
        conv_channels: Channels of the encoder's first convolution; each stride-2 layer
            after it doubles them, capped at ``4 * conv_channels``.
        hidden: Width of every MLP.
        offsets: Temporal offsets of the interaction-network cores (the paper's 1, 2, 4).
        relations: Use the relation networks (``False``: "VIN without relations").
        state_input: Encode true states instead of frames ("IN from state").
        mass_input: With ``state_input``, also give the encoder each object's true mass
            (the paper's "IN given the true masses", the reference for the VIN's inference
            of hidden masses): the context is ``[B, V, N, 5]``, mass last.
        residual: The aggregator predicts a change of the last code instead of the code.
        action_slots: Which slots read the action: ``"cue"`` (slot 0, the object the push
            acts on; the others learn of it only through relations) or ``"all"`` (every
            slot, the original model). Checkpoints saved before this field existed load
            as ``"all"``.
        ensemble: Dynamics members K, batched in one model: K interaction-network
            dynamics (each with its own cores and aggregator, initialised apart) share the
            encoder and the decoder. Predictions for planning are the members' mean; their
            spread measures their disagreement (which the world model reports).
            ``1``: the plain VIN.
    """

    n_objects: int = 3
    frame_size: int = 32
    visible: int = 6
    code_size: int = 16
    action_dim: int = 2
    conv_channels: int = 8
    hidden: int = 64
    offsets: tuple[int, ...] = (1, 2, 4)
    relations: bool = True
    state_input: bool = False
    mass_input: bool = False
    residual: bool = True
    action_slots: str = "cue"
    ensemble: int = 1

    def __post_init__(self) -> None:
        from vin_gym.dataclass_args import check_types

        check_types(self)  # "6" or [1] from a hand-edited config.json
        object.__setattr__(self, "offsets", tuple(int(o) for o in self.offsets))
        for name, cap in SIZE_CAPS.items():
            value = getattr(self, name)
            if isinstance(value, int) and value > cap:
                raise ValueError(f"VINConfig.{name}={value} is larger than the cap {cap}")
        for name in ("n_objects", "code_size", "conv_channels", "hidden", "ensemble"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"VINConfig.{name} must be a positive integer, got {value!r}")
        if not isinstance(self.action_dim, int) or self.action_dim < 0:
            raise ValueError(
                f"VINConfig.action_dim must be an integer >= 0, got {self.action_dim!r}"
            )
        size = self.frame_size
        if not isinstance(size, int) or size < 8 or (size // 4) & (size // 4 - 1) or size % 4:
            raise ValueError(
                f"VINConfig.frame_size must be 4 times a power of two (e.g. 32, 64), got {size!r}"
            )
        if self.action_slots not in ACTION_SLOTS:
            raise ValueError(
                f"VINConfig.action_slots must be one of {ACTION_SLOTS}, got {self.action_slots!r}"
            )
        if self.mass_input and not self.state_input:
            raise ValueError("VINConfig.mass_input needs state_input=True (an IN from state)")
        if not self.offsets or min(self.offsets) < 1:
            raise ValueError(f"VINConfig.offsets must be positive integers, got {self.offsets!r}")
        if len(self.offsets) > 8:
            raise ValueError(f"VINConfig.offsets holds {len(self.offsets)} offsets, at most 8")
        if self.visible - 2 < max(self.offsets):
            raise ValueError(
                f"VINConfig.visible={self.visible} gives {self.visible - 2} state codes, fewer "
                f"than the largest offset {max(self.offsets)}; use visible >= "
                f"{max(self.offsets) + 2}"
            )

        n = parameter_count(self)
        if n > MAX_PARAMETERS:
            raise ValueError(
                f"this VINConfig has {n / 1e6:.0f}M weights, more than the cap of "
                f"{MAX_PARAMETERS / 1e6:.0f}M (lower hidden, ensemble or conv_channels)"
            )

    @classmethod
    def for_data(cls, meta: dict[str, Any], **fields: Any) -> VINConfig:
        """The config of a VIN for a dataset: objects, frame size and action size from its
        ``meta`` (as :class:`vin_gym.data.ClipDataset` gives it), the rest from ``fields``
        or the defaults.

        >>> VINConfig.for_data({"n_objects": 4, "obs_size": 64, "action_dim": 2}, hidden=32)
        ... # doctest: +ELLIPSIS
        VINConfig(n_objects=4, frame_size=64, visible=6, code_size=16, action_dim=2, ...)
        """
        data = {
            "n_objects": int(meta["n_objects"]),
            "frame_size": int(meta["obs_size"]),
            "action_dim": int(meta.get("action_dim", 2)),
        }
        return cls(**{**data, **fields})

    @property
    def n_codes(self) -> int:
        """State codes from the encoder: one per frame from the third visible frame on."""
        return self.visible - 2

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["offsets"] = list(self.offsets)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> VINConfig:
        """The config saved by :meth:`to_dict`; fields added since default to the
        behaviour of the models saved before them (``action_slots="all"``)."""
        d = {"action_slots": "all", **d}
        known = {f.name for f in fields(cls)}
        unknown = set(d) - known
        if unknown:
            raise ValueError(
                f"unknown VINConfig fields {sorted(unknown)}; expected {sorted(known)}"
            )
        return cls(**d)

    def mismatch(self, other: VINConfig) -> dict[str, tuple[Any, Any]]:
        """Fields that differ, ``name -> (self's value, other's value)``."""
        a, b = self.to_dict(), other.to_dict()
        return {k: (a[k], b[k]) for k in a if a[k] != b[k]}
