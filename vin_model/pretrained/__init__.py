"""The VIN shipped with vin-gym: a world model of ``Billiards-v0`` (3 objects, 32x32 frames,
goal ring hidden), trained by the project's own commands (see ``README.md`` here).

>>> from vin_model import pretrained
>>> pretrained.CHECKPOINT.name
'pretrained'
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch

    from vin_model.world_model import VINWorldModel

#: The checkpoint directory (``model.safetensors`` and ``config.json``).
CHECKPOINT = Path(__file__).resolve().parent

#: ``gym.make`` arguments giving the frames the shipped VIN learned from.
ENV_KWARGS = {"obs_mode": "pixels", "obs_size": 32, "show_goal": False}


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
