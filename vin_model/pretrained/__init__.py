"""The VINs shipped with vin-gym.

``pretrained`` (this directory): a world model of the skill task ``Billiards-v0`` (3
objects, 32x32 frames, goal ring hidden), trained online by ``vin-gym mbrl`` (see
``README.md`` here). ``pretrained:ENV_ID`` (``systems/ENV_ID``): one VIN per paper system,
trained on passive data by ``benchmarks/prediction_systems.py`` (see
``systems/README.md``); :func:`shipped_systems` lists them. ``pretrained:TASK_ID``
(``tasks/TASK_ID``): one VIN per skill task of the suite, learned online by ``vin-gym
mbrl`` and shipped by ``benchmarks/ship_tasks.py`` (see ``tasks/README.md``);
:func:`shipped_tasks` lists them.

``ENV_KWARGS`` holds the ``gym.make`` arguments of the env it learned (``obs_mode="pixels"``
and :meth:`EnvRecord.env_kwargs <vin_gym.env_record.EnvRecord.env_kwargs>` of the
checkpoint's record), read from its ``config.json`` when first used.

>>> from vin_model import pretrained
>>> pretrained.CHECKPOINT.name
'pretrained'
>>> pretrained.env_record().env_id, pretrained.ENV_KWARGS["obs_size"]
('Billiards-v0', 32)
>>> "Springs-v0" in pretrained.shipped_systems(), pretrained.checkpoint("Springs-v0/6").name
(True, 'Springs-v0_6')
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
#: One checkpoint directory per paper system, named by :func:`system_folder`.
SYSTEMS = CHECKPOINT / "systems"
#: One checkpoint directory per skill task (its env id), learned online.
TASKS = CHECKPOINT / "tasks"


def system_folder(system: str) -> str:
    """The folder of a system's checkpoint under :data:`SYSTEMS` (``/`` becomes ``_``)."""
    return system.replace("/", "_")


def _names(root: Path) -> list[str]:
    """The names of the VINs shipped under ``root`` (from each folder's ``card.json``)."""
    if not root.is_dir():
        return []
    return [json.loads(card.read_text())["system"] for card in sorted(root.glob("*/card.json"))]


def shipped_systems() -> list[str]:
    """The paper systems with a shipped VIN, as ``pretrained:SYSTEM`` names them."""
    return _names(SYSTEMS)


def shipped_tasks() -> list[str]:
    """The skill tasks with a shipped VIN (env ids), as ``pretrained:TASK_ID`` names them."""
    return _names(TASKS)


def checkpoint(system: str | None = None) -> Path:
    """The checkpoint directory of ``Billiards-v0``'s VIN (``system=None``), of one paper
    system's or of one skill task's; a ``FileNotFoundError`` listing the shipped ones for
    an unknown name."""
    if system is None:
        return CHECKPOINT
    for root in (SYSTEMS, TASKS):
        path = root / system_folder(system)
        if (path / "card.json").is_file():
            return path
    shipped = ", ".join(shipped_systems() + shipped_tasks()) or "none"
    raise FileNotFoundError(
        f"no shipped VIN for {system!r}; shipped: {shipped} (plain 'pretrained' is Billiards-v0's)"
    )


def card(system: str) -> dict[str, Any]:
    """The ``card.json`` of a shipped system's or task's VIN: the commands that made it
    and its figures."""
    return json.loads((checkpoint(system) / "card.json").read_text())


def env_record() -> EnvRecord:
    """The env the shipped VIN learned, from its ``config.json`` (present even where the
    weights are not shipped)."""
    return EnvRecord.from_checkpoint(json.loads((CHECKPOINT / "config.json").read_text()))


def __getattr__(name: str) -> Any:
    if name == "ENV_KWARGS":  # a fresh dict each time: callers may change theirs
        return {"obs_mode": "pixels", **env_record().env_kwargs()}
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def load(
    device: str | torch.device = "auto",
    env: Any = None,
    allow_mismatch: bool = False,
    system: str | None = None,
) -> VINWorldModel:
    """A shipped VIN (the skill task's, or ``system``'s) as a planners world model on
    ``device``; checked against ``env`` when given (see :meth:`VINWorldModel.check_env`)."""
    from vin_model.world_model import VINWorldModel

    path = checkpoint(system)
    if not (path / "model.safetensors").is_file():
        raise FileNotFoundError(
            f"no pretrained VIN in {path}: this install ships none; train one with "
            "'vin-gym train' and load its run directory with VINWorldModel.load(RUN)"
        )
    return VINWorldModel.load(path, device=device, env=env, allow_mismatch=allow_mismatch)
