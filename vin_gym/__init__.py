"""vin-gym: pixel physics environments for learning and planning with world models.

Importing the package registers its environments with Gymnasium::

    import gymnasium as gym
    import vin_gym
    env = gym.make("Billiards-v0")

``gym.make("vin_gym:Billiards-v0")`` works without the import.

It also gives what a user's scripts need to plan and measure: the episode loop
(:func:`run_episode`, :func:`run_episodes`, :func:`summarize`, :class:`MPCPolicy`), the
true simulator as a world model (:class:`OracleWorldModel`), the episode seed ranges
(``DEV_SEED_BASE``, ``TEST_SEED_BASE``) and the table and file helpers. The episode loop
and the oracle load on first use: they sit above the environments in the layers, and the
modules below import ``vin_gym`` to register the environments.
"""

from __future__ import annotations

import importlib
from typing import Any

from vin_gym.physics import SceneState, SimParams, Simulator
from vin_gym.registration import ENVIRONMENTS, register_envs
from vin_gym.render import Renderer, object_color
from vin_gym.seeds import DEV_SEED_BASE, TEST_SEED_BASE
from vin_gym.task import GoalTask
from vin_gym.utils import atomic_write, format_table

__version__ = "0.1.0"

register_envs()

#: Names of the layers above the environments, loaded on first use: name -> module.
_LAZY = {
    "MPCPolicy": "vin_gym.experiments.episodes",
    "run_episode": "vin_gym.experiments.episodes",
    "run_episodes": "vin_gym.experiments.episodes",
    "summarize": "vin_gym.experiments.episodes",
    "OracleWorldModel": "vin_gym.oracle",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'vin_gym' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "DEV_SEED_BASE",
    "ENVIRONMENTS",
    "TEST_SEED_BASE",
    "GoalTask",
    "MPCPolicy",
    "OracleWorldModel",
    "Renderer",
    "SceneState",
    "SimParams",
    "Simulator",
    "__version__",
    "atomic_write",
    "format_table",
    "object_color",
    "register_envs",
    "run_episode",
    "run_episodes",
    "summarize",
]
