"""The environment classes; register them by importing :mod:`vin_gym`."""

from vin_gym.envs.base import PhysicsEnv, SceneParams
from vin_gym.envs.billiards import Billiards
from vin_gym.envs.drift import Drift
from vin_gym.envs.gravity import Gravity
from vin_gym.envs.invisible import InvisibleSprings
from vin_gym.envs.magnetic_billiards import MagneticBilliards
from vin_gym.envs.seed_billiards import SeedBilliards
from vin_gym.envs.springs import Springs
from vin_gym.envs.variable_mass import VariableMassBilliards, VariableMassSprings

__all__ = [
    "Billiards",
    "Drift",
    "Gravity",
    "InvisibleSprings",
    "MagneticBilliards",
    "PhysicsEnv",
    "SceneParams",
    "SeedBilliards",
    "Springs",
    "VariableMassBilliards",
    "VariableMassSprings",
]
