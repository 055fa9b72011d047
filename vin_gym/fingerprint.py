"""A short hash of how an environment behaves, to tell stale results from current ones.

Datasets, VIN runs and comparison cells are reused across runs of a command; a change to
the physics (substeps, contact handling, a force law) silently makes them describe another
environment. :func:`physics_fingerprint` steps the environment through a fixed seeded
episode with fixed pushes and hashes the states, so two fingerprints differ when the
dynamics do. Dataset manifests and ``vin-gym compare`` cells record it and refuse to reuse
what was made with another.

>>> import vin_gym
>>> fp = physics_fingerprint("Billiards-v0")
>>> len(fp), fp == physics_fingerprint("Billiards-v0", obs_size=32)
(16, True)
>>> fp == physics_fingerprint("Billiards-v0", damping=0.5)
False
"""

from __future__ import annotations

import hashlib
import math
from typing import Any

import numpy as np

#: Steps of the fingerprint episode: long enough for pushes, wall bounces and contacts.
STEPS = 60
#: Decimals the states are rounded to before hashing (table units).
DECIMALS = 6
#: Keyword arguments that change how frames look, not how the physics behaves.
_LOOK_ONLY = ("obs_mode", "obs_size", "render_mode", "render_size", "background", "show_goal")
#: Keyword arguments of the task, not the physics (the goal radius ends episodes sooner or
#: later, which would otherwise change the fixed episode's resets).
_TASK_ONLY = ("goal_radius",)


def physics_fingerprint(env_id: str, **env_kwargs: Any) -> str:
    """16 hex digits hashing the states of a fixed episode of ``env_id``.

    The episode resets with seed 0 and pushes the cue around a circle at full strength;
    arguments that only change the pictures (``obs_size``, ``background``, ...) or the
    task (``goal_radius``) are ignored, so pixel and state versions of an env share a fingerprint.
    """
    import gymnasium as gym

    kwargs = {k: v for k, v in env_kwargs.items() if k not in _LOOK_ONLY + _TASK_ONLY}
    env = gym.make(env_id, obs_mode="state", disable_env_checker=True, **kwargs)
    try:
        _, info = env.reset(seed=0)
        states = [np.asarray(info["states"], dtype=np.float64)]
        dim = int(env.action_space.shape[0])
        for t in range(STEPS):
            angle = 2.0 * math.pi * t / 12.0
            action = np.zeros(dim, dtype=np.float32)
            action[:2] = (math.cos(angle), math.sin(angle))[: min(dim, 2)]
            _, _, terminated, truncated, info = env.step(action)
            states.append(np.asarray(info["states"], dtype=np.float64))
            if terminated or truncated:
                _, info = env.reset(seed=t + 1)
    finally:
        env.close()
    rounded = np.round(np.stack(states), DECIMALS) + 0.0  # + 0.0 turns -0.0 into 0.0
    return hashlib.sha256(rounded.tobytes()).hexdigest()[:16]
