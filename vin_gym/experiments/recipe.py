"""The VIN recipe for control: how the VIN that plans is trained, defined once.

Two jobs train a VIN here, each with its recipe defined in one place:

- **prediction** (``vin-gym train``, ``benchmarks/prediction_systems.py``): long rollouts
  from passively collected data; its recipe is :class:`~vin_model.training.TrainConfig`'s
  own defaults (batch 100, rollouts to 48 steps, ``lr_final`` 5e-5).
- **control** (the comparison's ``vin`` cells, the online loop ``vin-gym mbrl``, the
  demo): a model for MPC; its recipe is :data:`HEADLINE` below, the measured one that made
  the shipped VIN (``vin_model/pretrained/README.md``). :class:`~vin_gym.experiments.
  comparison.specs.Grid`, :class:`~vin_gym.experiments.mbrl_config.MBRLConfig` and
  ``vin-gym demo``'s flags take their defaults from it.

:func:`check_clip_fits` is the one check that a training clip (the VIN's visible frames
plus the rollout) fits in a collected episode.
"""

from __future__ import annotations

from dataclasses import dataclass

from vin_gym.experiments.training import VISIBLE


def check_clip_fits(
    episode_steps: int,
    rollout: int,
    steps_name: str = "episode_steps",
    rollout_name: str = "rollout_max",
) -> None:
    """Refuse episodes too short for a training clip: an episode of ``episode_steps``
    steps holds ``episode_steps + 1`` frames, a clip ``VISIBLE + rollout``. The names are
    the caller's (fields, or flags on the command line).

    >>> check_clip_fits(60, 16)
    >>> check_clip_fits(12, 16, "episode_steps", "rollout")
    Traceback (most recent call last):
    ValueError: episode_steps must be >= 21 to hold a clip of 6 visible + rollout=16 frames \
(an episode of N steps holds N + 1 frames), got 12

    Raises:
        ValueError: One line naming both settings and the least episode length.
    """
    need = VISIBLE + rollout - 1
    if episode_steps < need:
        raise ValueError(
            f"{steps_name} must be >= {need} to hold a clip of {VISIBLE} visible + "
            f"{rollout_name}={rollout} frames (an episode of N steps holds N + 1 frames), "
            f"got {episode_steps}"
        )


@dataclass(frozen=True)
class VINRecipe:
    """The data settings and the training overrides (of ``TrainConfig``'s defaults) of a
    VIN trained for control.

    Attributes:
        episode_steps: Environment steps of each collected episode (``episode_steps + 1``
            frames).
        obs_size: Frame size the VIN sees.
        batch_size: Clips per training step.
        rollout_max: Rollout steps at the end of the training curriculum, which starts at
            ``min(8, rollout_max)`` (``TrainConfig.rollout_start``).
        lr: Peak learning rate.
        lr_final: Learning rate at the end of the run's one cosine schedule.
        train_steps: Training steps of a whole run (a comparison cell's budget).
        seed_train_steps: Online loop: training steps on the seed data, before the first
            iteration.
        iteration_train_steps: Online loop: training steps after each iteration (six
            iterations in the headline run: 12,000 + 6 x 2,000 = ``train_steps``).
        augment: Online loop: the symmetry augmentation of its training clips
            (``TrainConfig.augment``) on a system that keeps the square's symmetries
            (:func:`vin_gym.symmetry.is_square_symmetric`); a system without them trains
            without. The comparison's offline ``vin`` cells do not read it.
    """

    episode_steps: int = 60
    obs_size: int = 32
    batch_size: int = 32
    rollout_max: int = 16
    lr: float = 1e-3
    lr_final: float = 1e-4
    train_steps: int = 24_000
    seed_train_steps: int = 12_000
    iteration_train_steps: int = 2_000
    augment: str = "none"

    def __post_init__(self) -> None:
        check_clip_fits(self.episode_steps, self.rollout_max)


#: The measured headline recipe: the run that made the shipped VIN.
HEADLINE = VINRecipe()
