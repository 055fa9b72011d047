"""The Visual Interaction Network (Watters et al. 2017): model, training, evaluation.

* :class:`VIN` and its :class:`VINConfig` (encoder, dynamics, decoder).
* :func:`vin_model.training.train` and :class:`TrainConfig`.
* :func:`load_model` / :func:`save_checkpoint`: checkpoints that carry their config.
* :class:`VINWorldModel`: the planners' world-model protocol over a trained VIN.
"""

from vin_model.checkpoint import load_model, save_checkpoint
from vin_model.config import VINConfig
from vin_model.device import get_device, set_threads
from vin_model.training import TrainConfig, fit, train
from vin_model.vin import VIN
from vin_model.world_model import VINWorldModel

__all__ = [
    "VIN",
    "TrainConfig",
    "VINConfig",
    "VINWorldModel",
    "fit",
    "get_device",
    "load_model",
    "save_checkpoint",
    "set_threads",
    "train",
]
