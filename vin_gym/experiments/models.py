"""World models by name: the oracle, the shipped pretrained VIN, or a VIN checkpoint."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import gymnasium as gym
    import torch

    from planners import WorldModel


def load_world_model(
    name: str, env: gym.Env, device: torch.device, allow_mismatch: bool = False
) -> WorldModel:
    """``oracle``, ``pretrained`` or a VIN checkpoint path, as a world model; a VIN is
    checked against ``env`` (a ``ValueError`` naming what differs, unless
    ``allow_mismatch``)."""
    if name == "oracle":
        from vin_gym.oracle import OracleWorldModel

        return OracleWorldModel(env, device=device)
    from vin_model.world_model import VINWorldModel

    if name == "pretrained":
        from vin_model import pretrained

        model = pretrained.load(device)  # FileNotFoundError if this install ships none
        model.check_env(env, allow_mismatch=allow_mismatch)
        return model
    return VINWorldModel.load(
        checkpoint_path(name), device=device, env=env, allow_mismatch=allow_mismatch
    )


def checkpoint_path(name: str, what: str = "model") -> Path:
    """The checkpoint directory of a model name (``pretrained``: the shipped one);
    ``what`` is the parameter that gave the name, for the error naming it."""
    if name == "pretrained":
        from vin_model import pretrained

        return pretrained.CHECKPOINT
    path = Path(name)
    if not path.exists():
        valid = "'oracle', 'pretrained'" if what == "model" else "'pretrained'"
        raise FileNotFoundError(
            f"{what} must be {valid} or an existing VIN checkpoint path, got {name!r}"
        )
    return path
