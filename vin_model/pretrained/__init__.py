"""The VIN shipped with vin-gym: a world model of ``Billiards-v0`` (3 objects, 32x32 frames,
goal ring hidden), trained by the project's own commands (see ``README.md`` here).

``ENV_KWARGS`` holds the ``gym.make`` arguments of the env it learned (``obs_mode="pixels"``
and :meth:`EnvRecord.env_kwargs <vin_gym.env_record.EnvRecord.env_kwargs>` of the
checkpoint's record), read from its ``config.json`` when first used.

>>> from vin_model import pretrained
>>> pretrained.CHECKPOINT.name
'pretrained'
>>> pretrained.env_record().env_id, pretrained.ENV_KWARGS["obs_size"]
('Billiards-v0', 32)
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vin_gym.env_record import EnvRecord

if TYPE_CHECKING:
    import torch

    from vin_model.world_model import VINWorldModel

#: The checkpoint directory (``model.safetensors`` and ``config.json``).
CHECKPOINT = Path(__file__).resolve().parent


def env_record() -> EnvRecord:
    """The env the shipped VIN learned, from its ``config.json`` (present even where the
    weights are not shipped)."""
    return EnvRecord.from_checkpoint(json.loads((CHECKPOINT / "config.json").read_text()))


def __getattr__(name: str) -> Any:
    if name == "ENV_KWARGS":  # a fresh dict each time: callers may change theirs
        return {"obs_mode": "pixels", **env_record().env_kwargs()}
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def load(
    device: str | torch.device = "auto", env: Any = None, allow_mismatch: bool = False
) -> VINWorldModel:
    """The shipped VIN as a planners world model on ``device``; checked against ``env``
    when given (see :meth:`VINWorldModel.check_env`)."""
    from vin_model.world_model import VINWorldModel

    if not (CHECKPOINT / "model.safetensors").is_file():
        raise FileNotFoundError(
            f"no pretrained VIN in {CHECKPOINT}: this install ships none; train one with "
            "'vin-gym train' and load its run directory with VINWorldModel.load(RUN)"
        )
    return VINWorldModel.load(CHECKPOINT, device=device, env=env, allow_mismatch=allow_mismatch)
