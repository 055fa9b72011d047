"""World models by name: the oracle, the shipped pretrained VINs, or a VIN checkpoint."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import gymnasium as gym
    import torch

    from planners import WorldModel


def load_world_model(
    name: str,
    env: gym.Env,
    device: torch.device,
    allow_mismatch: bool = False,
    disagreement: float = 0.0,
) -> WorldModel:
    """``oracle``, ``pretrained``, ``pretrained:SYSTEM`` or a VIN checkpoint path, as a
    world model; a VIN is checked against ``env`` (a ``ValueError`` naming what differs,
    unless ``allow_mismatch``) and plans with an ensemble's ``disagreement`` penalty."""
    if name == "oracle":
        from vin_gym.oracle import OracleWorldModel

        if disagreement:
            raise ValueError(
                f"disagreement={disagreement!r} penalizes an ensemble VIN's spread; the "
                "oracle has none"
            )
        return OracleWorldModel(env, device=device)
    from vin_model.world_model import VINWorldModel

    if is_pretrained(name):
        from vin_model import pretrained

        model = pretrained.load(device, system=pretrained_system(name))  # or FileNotFoundError
        model.check_env(env, allow_mismatch=allow_mismatch)
        model.set_disagreement(disagreement)
        return model
    return VINWorldModel.load(
        checkpoint_path(name),
        device=device,
        env=env,
        allow_mismatch=allow_mismatch,
        disagreement=disagreement,
    )


def is_pretrained(name: str) -> bool:
    """Whether ``name`` names a shipped VIN (``pretrained`` or ``pretrained:SYSTEM``)."""
    return name == "pretrained" or (name.startswith("pretrained:") and len(name) > 11)


def pretrained_system(name: str) -> str | None:
    """The system of ``pretrained:SYSTEM`` (``None`` for plain ``pretrained``)."""
    return name.partition(":")[2] or None


def checkpoint_path(name: str, what: str = "model") -> Path:
    """The checkpoint directory of a model name (``pretrained``: the shipped skill-task
    VIN; ``pretrained:SYSTEM``: a paper system's); ``what`` is the parameter that gave the
    name, for the error naming it."""
    if is_pretrained(name):
        from vin_model import pretrained

        system = pretrained_system(name)
        try:
            return pretrained.checkpoint(system)
        except FileNotFoundError as exc:
            raise FileNotFoundError(f"{what} {name!r}: {exc}") from None
    path = Path(name)
    if not path.exists():
        valid = "'oracle', 'pretrained'" if what == "model" else "'pretrained'"
        valid += ", 'pretrained:SYSTEM'"
        raise FileNotFoundError(
            f"{what} must be {valid} or an existing VIN checkpoint path, got {name!r}"
        )
    return path


def shipped_model(env: str) -> str:
    """The name of the VIN shipped for the env ``env``: ``pretrained`` for Billiards-v0,
    ``pretrained:TASK_ID`` for a skill task with one; a ``ValueError`` naming the envs
    that have one otherwise."""
    from vin_model import pretrained

    if env == "Billiards-v0":
        return "pretrained"
    if env in pretrained.shipped_tasks():
        return f"pretrained:{env}"
    shipped = ", ".join(["Billiards-v0", *pretrained.shipped_tasks()])
    raise ValueError(f"no VIN is shipped for {env!r} (shipped: {shipped})")


def shipped_env_steps(model: str) -> int:
    """The environment steps the shipped VIN ``model`` learned from (its card's; the
    Billiards-v0 VIN's run is in ``vin_model/pretrained/README.md``)."""
    from vin_model import pretrained

    system = pretrained_system(model)
    return 31_200 if system is None else int(pretrained.card(system)["env_steps"])
