"""Every environment id, registered in one place with string entry points."""

from __future__ import annotations

import gymnasium as gym

#: id -> (entry point, default kwargs)
ENVIRONMENTS: dict[str, tuple[str, dict]] = {
    "Billiards-v0": ("vin_gym.envs.billiards:Billiards", {}),
    "SeedBilliards-v0": ("vin_gym.envs.seed_billiards:SeedBilliards", {}),
    "Springs-v0": ("vin_gym.envs.springs:Springs", {}),
    "Gravity-v0": ("vin_gym.envs.gravity:Gravity", {}),
    "MagneticBilliards-v0": ("vin_gym.envs.magnetic_billiards:MagneticBilliards", {}),
    "Drift-v0": ("vin_gym.envs.drift:Drift", {}),
    "InvisibleSprings-v0": ("vin_gym.envs.invisible:InvisibleSprings", {}),
    "VariableMassBilliards-v0": ("vin_gym.envs.variable_mass:VariableMassBilliards", {}),
    "VariableMassSprings-v0": ("vin_gym.envs.variable_mass:VariableMassSprings", {}),
    # Skill tasks of the force-law systems (vin_gym/envs/tasks.py); the paper's ids above
    # keep the paper's prediction setting.
    "SpringsTask-v0": ("vin_gym.envs.tasks:SpringsTask", {}),
    "GravityTask-v0": ("vin_gym.envs.tasks:GravityTask", {}),
    "MagneticBilliardsTask-v0": ("vin_gym.envs.tasks:MagneticBilliardsTask", {}),
    "VariableMassBilliardsTask-v0": ("vin_gym.envs.tasks:VariableMassBilliardsTask", {}),
}

MAX_EPISODE_STEPS = 100

#: The skill tasks (random pushes and doing nothing rarely succeed, the oracle planner
#: does; ``benchmarks/task_difficulty.py``): ``Billiards-v0`` and the suite's new ones.
SKILL_TASKS: tuple[str, ...] = (
    "Billiards-v0",
    "SpringsTask-v0",
    "GravityTask-v0",
    "MagneticBilliardsTask-v0",
    "VariableMassBilliardsTask-v0",
)


def register_envs() -> None:
    """Register every vin-gym environment with Gymnasium (idempotent)."""
    for env_id, (entry_point, kwargs) in ENVIRONMENTS.items():
        if env_id in gym.registry:
            continue
        gym.register(
            id=env_id,
            entry_point=entry_point,
            max_episode_steps=MAX_EPISODE_STEPS,
            kwargs=dict(kwargs),
        )


def check_env_id(env_id: str) -> None:
    """Raise ``ValueError`` listing the registered ids if ``env_id`` is not one of them.

    Accepts vin-gym's ids (also as ``vin_gym:ID``) and any other id Gymnasium knows.
    """
    register_envs()
    name = env_id.split(":", 1)[1] if env_id.startswith("vin_gym:") else env_id
    if name in gym.registry:
        return
    raise ValueError(
        f"unknown environment id {env_id!r}; vin-gym registers {', '.join(ENVIRONMENTS)}"
    )
