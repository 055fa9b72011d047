"""vin-gym: pixel physics environments for learning and planning with world models.

Importing the package registers its environments with Gymnasium::

    import gymnasium as gym
    import vin_gym
    env = gym.make("Billiards-v0")

``gym.make("vin_gym:Billiards-v0")`` works without the import.
"""

from vin_gym.physics import SceneState, SimParams, Simulator
from vin_gym.registration import ENVIRONMENTS, register_envs
from vin_gym.render import Renderer, object_color
from vin_gym.task import GoalTask

__version__ = "0.1.0"

register_envs()

__all__ = [
    "ENVIRONMENTS",
    "GoalTask",
    "Renderer",
    "SceneState",
    "SimParams",
    "Simulator",
    "__version__",
    "object_color",
    "register_envs",
]
