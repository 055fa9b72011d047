"""The environment classes; register them by importing :mod:`vin_gym`."""

from vin_gym.envs.base import PhysicsEnv, SceneParams
from vin_gym.envs.billiards import Billiards

__all__ = ["Billiards", "PhysicsEnv", "SceneParams"]
