"""The configuration of an online model-learning run (:mod:`vin_gym.experiments.mbrl`).

:class:`MBRLConfig` holds every budget and setting of a run (its fields are the flags of
``vin-gym mbrl``); :func:`config_from` builds one from the fields given on a command line.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

import numpy as np

from vin_gym.experiments.recipe import HEADLINE, check_clip_fits
from vin_gym.experiments.training import RUNTIME_FIELDS
from vin_gym.seeds import DEV_SEED_BASE, check_development

SEED_POLICIES = ("random", "colored")


@dataclass
class MBRLConfig:
    """An online model-learning run; every field but ``device`` and ``threads`` is recorded
    in ``mbrl.json``, and a resumed run must match it. The defaults are the run that made
    the shipped VIN (``vin_model/pretrained``): its data and training settings are the
    control recipe, :data:`vin_gym.experiments.recipe.HEADLINE`.

    Attributes:
        env_id: A registered environment id.
        env_kwargs: Arguments of ``gym.make`` (e.g. ``{"initial_speed": 0.0, "damping":
            1.0}``); ``obs_size`` and ``show_goal`` below are added to them.
        obs_size: Frame size the VIN sees (and is built for).
        show_goal: Draw the goal in the VIN's frames (the goal reaches the planner as a
            vector either way).
        seed: Seeds everything: datasets, initialisation, batches, planners.
        env_steps: Environment steps of collected data in all, seed data included; the
            loop runs as many whole iterations as fit in it.
        episode_steps: Steps of each collected episode (played to the end, past success).
        seed_episodes: Episodes of random pushes that seed the dataset.
        seed_policy: ``"random"`` (uniform pushes, independent per step) or ``"colored"``
            (coloured-noise pushes, correlated in time, blind to the scene).
        agent_episodes: Episodes the MPC agent collects per iteration.
        explore_std: Gaussian noise on the agent's collected actions, as a fraction of half
            the action range (0: none).
        seed_train_steps: Training steps on the seed data before the first iteration.
        train_steps: Training steps per iteration.
        batch_size: Clips per training step.
        rollout_max: Rollout steps at the end of the training curriculum (from 8 or less).
        lr: Peak learning rate.
        lr_final: Learning rate at the end of the run's cosine schedule.
        val_fraction: Episodes held out for the validation error (0: none). The split is
            redrawn over all episodes as the dataset grows, so an episode held out in one
            iteration may be trained on in an earlier one: the error monitors training,
            it is not a held-out test.
        model: VIN model settings to override, named as in ``vin-gym train`` (frame
            size, objects and action size come from the data).
        init: Start from this VIN checkpoint's weights instead of a fresh model
            (fine-tuning; ``"pretrained"``: the shipped VIN); its model config is the
            run's, ``model`` overriding nothing it holds differently.
        training: Training settings to override beyond those above, named as in
            ``vin-gym train`` (e.g. ``{"contact_weight": 4.0}``). An ``augment`` left
            out is the control recipe's on a system with the square's symmetries and
            ``"none"`` on others; the run records the one it trains with.
        planner: ``"cem"``, ``"icem"``, ``"mppi"`` or ``"random"`` (random shooting).
        planner_kwargs: Planner settings to override, named as in ``vin-gym plan``.
        horizon: Planning horizon.
        disagreement: Weight of the ensemble-disagreement penalty in every plan of the run
            (collecting and evaluating): each step's reward loses this times the spread of
            the members' predicted positions (table units). Above 0 it needs an ensemble
            VIN (``model={"ensemble": K}``, K >= 2).
        eval_episodes: Evaluation episodes (no exploration noise) after an evaluated
            iteration.
        eval_every: Evaluate after every this many iterations (and after the seed
            training and the last iteration); evaluation costs about as much as collecting.
        eval_seed: Evaluation episode ``i`` resets with seed ``eval_seed + i``: development
            episodes; a range reaching the test episodes is refused.
        eval_max_steps: Steps of an evaluation episode (``None``: the env's own limit).
        device: ``"auto"``, ``"cpu"``, ``"cuda"``...
        threads: Torch CPU threads (``0``: torch's default).
    """

    env_id: str = "Billiards-v0"
    env_kwargs: dict[str, Any] = field(default_factory=dict)
    obs_size: int = HEADLINE.obs_size
    show_goal: bool = False
    seed: int = 0
    env_steps: int = 31_200
    episode_steps: int = HEADLINE.episode_steps
    seed_episodes: int = 400
    seed_policy: str = "random"
    agent_episodes: int = 20
    explore_std: float = 0.3
    seed_train_steps: int = HEADLINE.seed_train_steps
    train_steps: int = HEADLINE.iteration_train_steps
    batch_size: int = HEADLINE.batch_size
    rollout_max: int = HEADLINE.rollout_max
    lr: float = HEADLINE.lr
    lr_final: float = HEADLINE.lr_final
    val_fraction: float = 0.05
    model: dict[str, Any] = field(default_factory=dict)
    init: str | None = None
    training: dict[str, Any] = field(default_factory=dict)
    planner: str = "cem"
    planner_kwargs: dict[str, Any] = field(
        default_factory=lambda: {"population": 100, "elites": 10, "iterations": 3}
    )
    horizon: int = 15
    disagreement: float = 0.0
    eval_episodes: int = 20
    eval_every: int = 2
    eval_seed: int = DEV_SEED_BASE
    eval_max_steps: int | None = None
    device: str = "auto"
    threads: int = 1

    def __post_init__(self) -> None:
        counts = ("env_steps", "episode_steps", "seed_episodes", "agent_episodes", "eval_every")
        counts += ("seed_train_steps", "train_steps", "batch_size", "rollout_max", "horizon")
        for name in counts:
            value = getattr(self, name)
            if not isinstance(value, int | np.integer) or value < 1:
                raise ValueError(f"MBRLConfig.{name} must be an integer >= 1, got {value!r}")
        if self.eval_episodes < 0:
            raise ValueError(f"eval_episodes must be >= 0, got {self.eval_episodes!r}")
        check_development(self.eval_seed, self.eval_episodes, "eval_seed")
        if self.seed_policy not in SEED_POLICIES:
            raise ValueError(
                f"seed_policy must be one of {SEED_POLICIES}, got {self.seed_policy!r}"
            )
        _check_settings(self)
        check_clip_fits(self.episode_steps, self.rollout_max)
        if self.seed_steps > self.env_steps:
            raise ValueError(
                f"env_steps={self.env_steps} is less than the seed data's "
                f"{self.seed_episodes} x {self.episode_steps} = {self.seed_steps} steps "
                "(seed_episodes x episode_steps): lower seed_episodes or raise env_steps"
            )
        _check_training(self)
        for key in ("obs_size", "show_goal", "obs_mode"):
            if key in self.env_kwargs:
                raise ValueError(
                    f"env_kwargs may not set {key!r}: the loop's frames are pixels at "
                    "obs_size, with show_goal; set those fields instead"
                )

    @property
    def seed_steps(self) -> int:
        """Environment steps of the seed data."""
        return self.seed_episodes * self.episode_steps

    @property
    def steps_per_iteration(self) -> int:
        """Environment steps the agent collects per iteration."""
        return self.agent_episodes * self.episode_steps

    @property
    def iterations(self) -> int:
        """Iterations of the agent that fit in ``env_steps`` after the seed data."""
        return (self.env_steps - self.seed_steps) // self.steps_per_iteration

    @property
    def total_train_steps(self) -> int:
        """Training steps of the whole run (the schedules' length)."""
        return self.seed_train_steps + self.iterations * self.train_steps

    @property
    def frame_env_kwargs(self) -> dict[str, Any]:
        """``gym.make`` arguments of every env of the run (collection and evaluation)."""
        return {**self.env_kwargs, "obs_size": self.obs_size, "show_goal": self.show_goal}

    @property
    def train_overrides(self) -> dict[str, Any]:
        """:attr:`training` with its ``augment`` resolved (:func:`recipe_training`): the
        ``TrainConfig`` settings every training of the run overrides."""
        return recipe_training(self.training, self.env_id, self.env_kwargs)

    def identity(self) -> dict[str, Any]:
        """The fields that define the run, as they read back from JSON (``training``
        with its augmentation resolved)."""
        import json

        out = {k: v for k, v in asdict(self).items() if k not in RUNTIME_FIELDS}
        out["training"] = self.train_overrides
        return json.loads(json.dumps(out))


#: The augmentation of every run recorded before runs recorded it: none.
LEGACY_AUGMENT = "none"


def with_legacy_augment(training: Any) -> Any:
    """A recorded ``training`` (a run's or a comparison cell's) as it would be recorded
    now: one written before runs recorded their augmentation gains ``augment``
    :data:`LEGACY_AUGMENT`, what it trained with; anything but a dict is left to the
    checks that refuse it.

    >>> with_legacy_augment({"contact_weight": 2.0}), with_legacy_augment({"augment": "d4"})
    ({'augment': 'none', 'contact_weight': 2.0}, {'augment': 'd4'})
    """
    return {"augment": LEGACY_AUGMENT} | training if isinstance(training, dict) else training


def recipe_training(
    training: dict[str, Any], env_id: str, env_kwargs: dict[str, Any]
) -> dict[str, Any]:
    """``training`` with its ``augment`` set: as given, else the headline recipe's
    (:data:`~vin_gym.experiments.recipe.HEADLINE`) where the system keeps the square's
    symmetries, ``"none"`` where it does not (a picture behind the objects, or an env
    outside :data:`vin_gym.symmetry.SQUARE_SYMMETRIC`).

    >>> recipe_training({"augment": "none"}, "Billiards-v0", {})
    {'augment': 'none'}
    >>> recipe_training({}, "Billiards-v0", {"background": "picture"})
    {'augment': 'none'}
    """
    from vin_gym.experiments import recipe  # read now: a changed recipe changes it
    from vin_gym.symmetry import is_square_symmetric

    if "augment" in training:
        return dict(training)
    symmetric = is_square_symmetric(env_id, env_kwargs.get("background", "plain"))
    return {**training, "augment": recipe.HEADLINE.augment if symmetric else "none"}


def config_from(fields: dict[str, Any]) -> MBRLConfig:
    """An :class:`MBRLConfig` from the fields given (e.g. on the command line), its
    defaults for the rest: ``env_kwargs`` typed and checked against the env's arguments
    (as every command does), ``planner_kwargs`` on top of the default ones, not instead
    of them."""
    from vin_gym.env_kwargs import parse_env_kwargs

    fields = dict(fields)
    if "env_kwargs" in fields:
        env_id = fields.get("env_id", MBRLConfig.env_id)
        pairs = [f"{k}={v}" for k, v in fields["env_kwargs"].items()]
        fields["env_kwargs"] = parse_env_kwargs(env_id, pairs)
    if "planner_kwargs" in fields:  # the defaults the chosen planner has, then the given
        planner = fields.get("planner", MBRLConfig.planner)
        known = _planner_fields(planner)
        defaults = {k: v for k, v in MBRLConfig().planner_kwargs.items() if k in known}
        fields["planner_kwargs"] = {**defaults, **fields["planner_kwargs"]}
    return MBRLConfig(**fields)


def _planner_fields(planner: str) -> set[str]:
    from planners import PLANNERS

    return {f.name for f in fields(PLANNERS[planner][1])} if planner in PLANNERS else set()


def _check_settings(config: MBRLConfig) -> None:
    """Every setting that would otherwise fail late (after the seed training) or pass
    silently: values, the planner's and the model's settings, the device."""
    import math

    from vin_gym.dataclass_args import check_keys

    if not isinstance(config.explore_std, int | float) or not (
        math.isfinite(config.explore_std) and config.explore_std >= 0
    ):
        raise ValueError(f"explore_std must be a finite number >= 0, got {config.explore_std!r}")
    for name in ("lr", "lr_final"):
        value = getattr(config, name)
        if not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
            raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    if not config.lr > 0:
        raise ValueError(f"lr must be > 0, got {config.lr!r}")
    if not isinstance(config.val_fraction, int | float) or not 0 <= config.val_fraction < 1:
        raise ValueError(f"val_fraction must be in [0, 1), got {config.val_fraction!r}")
    for name in ("eval_seed", "seed", "threads"):
        value = getattr(config, name)
        if not isinstance(value, int | np.integer) or value < 0:
            raise ValueError(f"{name} must be an integer >= 0, got {value!r}")
    if config.eval_max_steps is not None and (
        not isinstance(config.eval_max_steps, int) or config.eval_max_steps < 1
    ):
        raise ValueError(f"eval_max_steps must be an integer >= 1, got {config.eval_max_steps!r}")
    from vin_gym.experiments.episodes import planner_config
    from vin_gym.experiments.training import model_settings
    from vin_model.config import VINConfig
    from vin_model.device import get_device
    from vin_model.world_model import check_disagreement

    planner_config(config.planner, config.planner_kwargs)
    check_keys(VINConfig, config.model, "model setting")
    fixed = {"n_objects", "frame_size", "action_dim"} & set(config.model)
    if fixed:
        raise ValueError(
            f"model may not set {sorted(fixed)}: objects, frame size and action size come "
            "from the data (set obs_size for the frame size)"
        )
    VINConfig(frame_size=config.obs_size, **config.model)  # sizes, types and caps
    if check_disagreement(config.disagreement) > 0:  # the model the run builds, init's or not
        settings = model_settings(config.model, config.init)
        check_disagreement(config.disagreement, VINConfig(**settings).ensemble)
    get_device(config.device)
    _check_env(config)


def _check_env(config: MBRLConfig) -> None:
    """The run's env made once: its arguments' values (``goal_radius``...) refused now,
    not after the seed data."""
    import gymnasium as gym

    import vin_gym  # noqa: F401  (registers the environments)

    gym.make(config.env_id, disable_env_checker=True, **config.frame_env_kwargs).close()


#: TrainConfig fields the loop sets itself (from its own fields or its budgets).
_LOOP_TRAIN_FIELDS = (
    "steps",
    "batch_size",
    "lr",
    "lr_final",
    "rollout_start",
    "rollout_max",
    "seed",
    "device",
    "threads",
    "checkpoint_every",
    "val_clips",
    "progress",
)


def _check_training(config: MBRLConfig) -> None:
    """The ``training`` overrides: TrainConfig fields the loop leaves alone, with values
    TrainConfig accepts, and symmetry augmentation only on a system that has it."""
    from vin_gym.symmetry import check_square_symmetric
    from vin_model.training import TrainConfig

    if not isinstance(config.training, dict):
        raise ValueError(f"training must be a dict of settings, got {config.training!r}")
    names = {f.name for f in fields(TrainConfig)} - set(_LOOP_TRAIN_FIELDS)
    unknown = sorted(set(config.training) - names)
    if unknown:
        raise ValueError(
            f"training may not set {unknown}: it overrides TrainConfig fields the loop does "
            f"not set itself, one of {sorted(names)}"
        )
    TrainConfig(**config.train_overrides)  # its values, checked before any episode is collected
    if config.train_overrides["augment"] != "none":
        check_square_symmetric(config.env_id, config.env_kwargs.get("background", "plain"))


#: ``mbrl.json``'s fields and their types; each row's fields that the loop relies on.
_STATE_FIELDS = {"config": dict, "iterations_planned": int, "datasets": list, "iterations": list}
_ROW_FIELDS = {"iteration": int, "env_steps": int, "train_step": int}


def check_state(state: Any, path: Any, checkpoint_steps: list[int]) -> None:
    """Refuse an ``mbrl.json`` (``state``, read from ``path``) with missing fields, wrong
    types, or rows that the run's checkpoints (their steps: ``checkpoint_steps``) do not
    back: a hand-edited or damaged file is not reported as a finished run.

    Raises:
        ValueError: Naming the file, the field and what was expected.
    """
    if not isinstance(state, dict):
        raise ValueError(f"{path} is not an mbrl state (a JSON object), got {type(state).__name__}")
    for key, kind in _STATE_FIELDS.items():
        if not isinstance(state.get(key), kind) or isinstance(state.get(key), bool):
            found = repr(state.get(key))[:40] if key in state else "missing"
            raise ValueError(f"{path}: field {key!r} must be a {kind.__name__}, got {found}")
    rows, datasets = state["iterations"], state["datasets"]
    if len(rows) != len(datasets):
        raise ValueError(
            f"{path} records {len(rows)} iterations but {len(datasets)} datasets; "
            "the file was changed outside the loop"
        )
    for i, (row, record) in enumerate(zip(rows, datasets, strict=True)):
        if not isinstance(row, dict) or not isinstance(record, dict):
            raise ValueError(f"{path}: iteration {i}'s row and dataset must be JSON objects")
        for key, kind in _ROW_FIELDS.items():
            if not isinstance(row.get(key), kind) or isinstance(row.get(key), bool):
                raise ValueError(
                    f"{path}: iterations[{i}].{key} must be an integer, got {row.get(key)!r}"
                )
        if row["iteration"] != i or record.get("iteration") != i:
            raise ValueError(f"{path}: iterations[{i}] is numbered {row['iteration']!r}, not {i}")
        if not isinstance(record.get("path"), str):
            raise ValueError(f"{path}: datasets[{i}].path must be a string")
    if rows and (not checkpoint_steps or rows[-1]["train_step"] > max(checkpoint_steps)):
        raise ValueError(
            f"{path}: its last iteration ends at training step {rows[-1]['train_step']}, but "
            f"the run holds checkpoints of steps {checkpoint_steps}: the file does not match "
            "the run; it cannot be resumed"
        )
