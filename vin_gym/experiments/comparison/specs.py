"""The cells of a comparison: one (method, data budget, seed) each, and the key that makes
two evaluations comparable.

A cell spec is a JSON-able dict: ``name`` (its file name), ``method`` (``random``,
``zero``, ``oracle`` or ``vin``), ``label`` (its row in the table), ``seed``, the planner
settings ``plan`` (oracle, VIN), ``data_steps``, ``data`` and ``train`` (VIN), and
``eval`` (:func:`eval_key`). A finished cell is reused only if it records the same spec
(a VIN cell from before ``train`` held ``lr_final`` reads as trained with 5e-5:
:func:`with_legacy_train`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from planners.mpc import MPCConfig
from vin_gym.experiments.episodes import DEFAULT_PLANNER
from vin_gym.experiments.recipe import HEADLINE, check_clip_fits

#: Methods ``vin-gym compare`` knows (``sb3`` reads runs, it runs no cell): ``vin`` trains
#: a VIN on collected exploration data, ``mbrl`` learns one online (``vin-gym mbrl``).
METHODS = ("random", "zero", "oracle", "vin", "mbrl", "sb3")
#: Order of methods in the queue and the table: the cheap ones first.
METHOD_RANK = {"random": 0, "zero": 0, "oracle": 1, "vin": 2, "mbrl": 3}
#: What a VIN cell recorded before its spec held the setting trained with: ``lr_final``
#: was then ``TrainConfig``'s default, 5e-5 (see :func:`with_legacy_train`).
LEGACY_TRAIN = {"lr_final": 5e-5}


@dataclass(frozen=True)
class Grid:
    """The cells to compute (field names as ``vin-gym compare``'s flags). The VIN cells'
    data and training settings default to the control recipe
    (:data:`vin_gym.experiments.recipe.HEADLINE`).

    Attributes:
        methods: Methods to run.
        seeds: Seeds of data, training and planner; one cell per method and seed.
        data_steps: VIN-MPC: environment steps of exploration data, one cell each.
        episode_steps: VIN data: steps per collected episode.
        obs_size: VIN data: frame size.
        data_policy: VIN data: ``random``, ``colored`` or ``pushes`` (privileged).
        train_steps: VIN training steps.
        train_minutes: VIN training time cap (``None``: no cap).
        batch_size: VIN training clips per step.
        rollout: VIN training rollout steps (max).
        lr_final: VIN learning rate at the end of the cosine schedule (the peak is the
            recipe's).
        planner: ``cem``, ``icem``, ``mppi`` or ``random``.
        horizon: Planning horizon.
        planner_kwargs: The planner config's fields to override (its defaults for the
            rest).
        mbrl_steps: VIN-MPC learned online: environment steps of each ``vin-gym mbrl``
            run, one cell each (seed data included).
        mbrl: Settings of those runs beyond env, seed and steps, as in ``vin-gym mbrl``
            (its defaults for the rest); ``D:field=V`` sets a field for the budget D alone
            (``10000:seed_episodes=100``).
    """

    methods: tuple[str, ...] = ("random", "zero", "oracle", "vin", "sb3")
    seeds: tuple[int, ...] = (0, 1, 2)
    data_steps: tuple[int, ...] = (10_000, 30_000, 100_000)
    episode_steps: int = HEADLINE.episode_steps
    obs_size: int = HEADLINE.obs_size
    data_policy: str = "colored"
    train_steps: int = HEADLINE.train_steps
    train_minutes: float | None = None
    batch_size: int = HEADLINE.batch_size
    rollout: int = HEADLINE.rollout_max
    lr_final: float = HEADLINE.lr_final
    planner: str = DEFAULT_PLANNER
    horizon: int = MPCConfig.horizon
    planner_kwargs: dict[str, Any] = field(default_factory=dict)
    mbrl_steps: tuple[int, ...] = (31_200,)
    mbrl: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        unknown = sorted(set(self.methods) - set(METHODS))
        if unknown:
            raise ValueError(f"methods must be of {METHODS}, got {unknown}")
        if not self.seeds:
            raise ValueError("seeds must name at least one seed")
        for name in ("episode_steps", "obs_size", "train_steps", "batch_size", "rollout"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)!r}")
        if any(d < 1 for d in self.data_steps):
            raise ValueError(f"data_steps must be positive, got {list(self.data_steps)}")
        if not isinstance(self.lr_final, int | float) or not 0 <= self.lr_final < float("inf"):
            raise ValueError(f"lr_final must be a finite number >= 0, got {self.lr_final!r}")
        check_clip_fits(self.episode_steps, self.rollout, "episode_steps", "rollout")
        if self.train_minutes is not None and not self.train_minutes > 0:
            raise ValueError(f"train_minutes must be positive, got {self.train_minutes!r}")
        MPCConfig(horizon=self.horizon)  # a ValueError now, not after the first cells
        self.plan_key()
        if "mbrl" in self.methods:
            from dataclasses import fields

            from vin_gym.experiments.mbrl_config import MBRLConfig

            fixed = {"env_id", "env_kwargs", "seed", "env_steps", "device", "threads"}
            known = [f.name for f in fields(MBRLConfig) if f.name not in fixed]
            for key in self.mbrl:
                budget, scoped, name = key.rpartition(":")
                if name in fixed:
                    raise ValueError(f"mbrl may not set {name!r} (the grid sets {sorted(fixed)})")
                if name not in known:
                    raise ValueError(
                        f"mbrl key {key!r}: {name!r} is not an mbrl setting; expected one of: "
                        f"{', '.join(known)}"
                    )
                if scoped and (not budget.isdigit() or int(budget) not in self.mbrl_steps):
                    raise ValueError(
                        f"mbrl key {key!r} names budget {budget!r}, not one of mbrl_steps "
                        f"{list(self.mbrl_steps)}"
                    )
            for d in self.mbrl_steps:
                MBRLConfig(env_steps=d, **self.mbrl_for(d))

    def mbrl_for(self, budget: int) -> dict[str, Any]:
        """The ``MBRLConfig`` fields set for the ``vin-gym mbrl`` run of ``budget`` steps:
        :attr:`mbrl`'s plain keys, then its ``<budget>:`` keys.

        >>> Grid(methods=("mbrl",), mbrl_steps=(10_000, 31_200),
        ...      mbrl={"lr": 3e-4, "10000:seed_episodes": 100}).mbrl_for(10_000)
        {'lr': 0.0003, 'seed_episodes': 100}
        """
        plain = {k: v for k, v in self.mbrl.items() if ":" not in k}
        scoped = {
            k.partition(":")[2]: v for k, v in self.mbrl.items() if k.startswith(f"{budget}:")
        }
        return {**plain, **scoped}

    def plan_key(self) -> dict[str, Any]:
        """What a planning cell's result depends on beyond its seed and the episodes: the
        planner, the horizon, its population, elites and iterations (as it resolves them)
        and every other setting overridden."""
        from dataclasses import asdict

        from planners import PLANNERS

        resolved = asdict(PLANNERS[self.planner][1](**self.planner_kwargs))
        sizes = {k: resolved[k] for k in ("population", "elites", "iterations") if k in resolved}
        return {"planner": self.planner, "horizon": self.horizon, **sizes, **self.planner_kwargs}


def eval_key(
    env: str,
    env_kwargs: dict[str, Any],
    episodes: int,
    seed_base: int,
    max_episode_steps: int | None = None,
) -> dict[str, Any]:
    """What makes two cells' evaluations comparable (a cached cell must match it): the
    episodes, the env arguments, and the physics they ran on (a cell from before a
    simulator change is redone). Computing it steps the environment: do it once.
    """
    from vin_gym.fingerprint import physics_fingerprint

    return {
        "env": env,
        "env_kwargs": dict(env_kwargs),
        "episodes": episodes,
        "seed_base": seed_base,
        "max_episode_steps": max_episode_steps,
        "physics": physics_fingerprint(env, **env_kwargs),
    }


def eval_env_kwargs(key: dict[str, Any]) -> dict[str, Any]:
    """``gym.make`` keyword arguments of every evaluation env of cells with ``key``: the
    env arguments and the episode step limit.

    >>> eval_env_kwargs({"env_kwargs": {"damping": 1.0}, "max_episode_steps": 8})
    {'damping': 1.0, 'max_episode_steps': 8}
    """
    kwargs = dict(key["env_kwargs"])
    if key.get("max_episode_steps") is not None:
        kwargs["max_episode_steps"] = key["max_episode_steps"]
    return kwargs


def cell_specs(grid: Grid, key: dict[str, Any]) -> list[dict[str, Any]]:
    """Every cell of ``grid``, evaluated under ``key`` (from :func:`eval_key`).

    >>> key = {"env": "Billiards-v0", "physics": "0"}
    >>> [s["name"] for s in cell_specs(Grid(seeds=(0, 1), data_steps=(60,)), key)]
    ... # doctest: +NORMALIZE_WHITESPACE
    ['random_s0', 'zero', 'oracle-icem_s0', 'vin-icem_d60_s0',
     'random_s1', 'oracle-icem_s1', 'vin-icem_d60_s1']
    """
    from vin_gym.experiments.pipeline import episodes_for_steps

    specs: list[dict[str, Any]] = []
    plan = grid.plan_key()
    label = grid.planner
    for seed in grid.seeds:
        if "random" in grid.methods:
            specs.append(
                {"name": f"random_s{seed}", "method": "random", "label": "random", "seed": seed}
            )
        if "zero" in grid.methods and seed == grid.seeds[0]:  # deterministic: one cell
            specs.append({"name": "zero", "method": "zero", "label": "zero", "seed": seed})
        if "oracle" in grid.methods:
            specs.append(
                {
                    "name": f"oracle-{label}_s{seed}",
                    "method": "oracle",
                    "label": f"oracle-{label}",
                    "seed": seed,
                    "plan": plan,
                }
            )
        if "vin" in grid.methods:
            for d in grid.data_steps:
                specs.append(
                    {
                        "name": f"vin-{label}_d{d}_s{seed}",
                        "method": "vin",
                        "label": f"vin-{label}",
                        "seed": seed,
                        "data_steps": d,
                        "plan": plan,
                        "data": {
                            "episodes": episodes_for_steps(d, grid.episode_steps),
                            "episode_steps": grid.episode_steps,
                            "obs_size": grid.obs_size,
                            "policy": grid.data_policy,
                        },
                        "train": {
                            "minutes": grid.train_minutes,
                            "steps": grid.train_steps,
                            "batch_size": grid.batch_size,
                            "rollout": grid.rollout,
                            "lr_final": grid.lr_final,
                        },
                    }
                )
        if "mbrl" in grid.methods:
            for d in grid.mbrl_steps:
                specs.append(
                    {
                        "name": f"mbrl-{label}_d{d}_s{seed}",
                        "method": "mbrl",
                        "label": f"vin-mbrl-{label}",
                        "seed": seed,
                        "data_steps": d,
                        "plan": plan,
                        "mbrl": _mbrl_spec(grid.mbrl_for(d), key),
                    }
                )
    for spec in specs:
        spec["eval"] = key
    return specs


def cost(spec: dict[str, Any]) -> tuple[int, int, int]:
    """A sort key putting the cheap cells first: random and zero actions, then the
    oracle, then VIN-MPC by its data steps (then by seed).

    >>> sorted([{"method": "vin", "data_steps": 30, "seed": 0},
    ...         {"method": "vin", "data_steps": 10, "seed": 1},
    ...         {"method": "random", "seed": 0}], key=cost)[1]["data_steps"]
    10
    """
    return METHOD_RANK[spec["method"]], int(spec.get("data_steps", 0)), int(spec["seed"])


def _mbrl_spec(fields: dict[str, Any], key: dict[str, Any]) -> dict[str, Any]:
    """What an ``mbrl`` cell records of its run's settings: the grid's ``fields``, with
    the augmentation the run will train with (:func:`~vin_gym.experiments.mbrl_config.
    recipe_training`), so that a cell learned under another recipe is not reused."""
    from vin_gym.experiments.mbrl_config import recipe_training

    training = recipe_training(fields.get("training", {}), key["env"], key["env_kwargs"])
    return {**fields, "training": training}


def with_legacy_train(cell: dict[str, Any]) -> dict[str, Any]:
    """``cell`` (a finished cell read back) with the training settings a cell written
    before its spec recorded them was trained with, so that it matches the spec that
    names them and no other: a ``vin`` cell's :data:`LEGACY_TRAIN`, an ``mbrl`` cell's
    augmentation (:func:`~vin_gym.experiments.mbrl_config.with_legacy_augment`).

    >>> with_legacy_train({"method": "vin", "train": {"steps": 5}})["train"]
    {'lr_final': 5e-05, 'steps': 5}
    >>> with_legacy_train({"method": "mbrl", "mbrl": {"lr": 0.01}})["mbrl"]
    {'lr': 0.01, 'training': {'augment': 'none'}}
    """
    from vin_gym.experiments.mbrl_config import with_legacy_augment

    if cell.get("method") == "mbrl" and isinstance(cell.get("mbrl"), dict):
        training = with_legacy_augment(cell["mbrl"].get("training", {}))
        return {**cell, "mbrl": {**cell["mbrl"], "training": training}}
    if cell.get("method") != "vin" or not isinstance(cell.get("train"), dict):
        return cell
    return {**cell, "train": {**LEGACY_TRAIN, **cell["train"]}}
