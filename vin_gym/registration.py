"""Every environment id, registered in one place with string entry points."""

from __future__ import annotations

import gymnasium as gym

#: id -> (entry point, default kwargs)
ENVIRONMENTS: dict[str, tuple[str, dict]] = {
    "Billiards-v0": ("vin_gym.envs.billiards:Billiards", {}),
}

MAX_EPISODE_STEPS = 100


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
