"""Sampling-based planners over batched world models.

Knows nothing of ``vin_gym`` or ``vin_model``: a world model is anything that follows
:class:`planners.base.WorldModel`, and an optimizer sees only a batched objective
``[B, H, A] -> [B]``.
"""

from planners.base import (
    Objective,
    Optimizer,
    RewardFn,
    TerminationFn,
    WorldModel,
    discounted_return,
    make_objective,
    sanitize_returns,
)
from planners.cem import CEM, CEMConfig
from planners.icem import ICEM, ICEMConfig, colored_noise
from planners.mpc import MPCAgent, MPCConfig
from planners.mppi import MPPI, MPPIConfig
from planners.random_shooting import RandomShooting, RandomShootingConfig

#: planner name -> (optimizer class, config class)
PLANNERS: dict[str, tuple[type[Optimizer], type]] = {
    "random": (RandomShooting, RandomShootingConfig),
    "cem": (CEM, CEMConfig),
    "icem": (ICEM, ICEMConfig),
    "mppi": (MPPI, MPPIConfig),
}

__all__ = [
    "CEM",
    "ICEM",
    "MPPI",
    "PLANNERS",
    "CEMConfig",
    "ICEMConfig",
    "MPCAgent",
    "MPCConfig",
    "MPPIConfig",
    "Objective",
    "Optimizer",
    "RandomShooting",
    "RandomShootingConfig",
    "RewardFn",
    "TerminationFn",
    "WorldModel",
    "colored_noise",
    "discounted_return",
    "make_objective",
    "sanitize_returns",
]
