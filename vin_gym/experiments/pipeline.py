"""The pieces ``vin-gym demo`` and ``vin-gym compare`` share: collect, train, plan.

Each step is one function over the public APIs of ``vin_gym.data``, ``vin_model`` and
``planners`` (this module is part of the integration layer, which may reach all three).
The rule they keep: a VIN sees the same kind of frames when it plans as when it
learned, so the planning env is made from the record of the env it learned
(:func:`vin_env_kwargs`, over :class:`vin_gym.env_record.EnvRecord`).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from vin_gym.experiments.recipe import HEADLINE

if TYPE_CHECKING:
    import gymnasium as gym
    import torch

    from planners import MPCAgent, WorldModel


def collect_data(
    out: str | os.PathLike,
    env_id: str,
    env_kwargs: dict[str, Any],
    episodes: int,
    steps: int,
    seed: int = 0,
    progress: bool = True,
    policy: str = "colored",
) -> dict[str, Any]:
    """Collect ``episodes`` episodes of ``steps`` steps under ``policy`` (by default
    coloured-noise random pushes, which see nothing the agent does not) into the dataset
    directory ``out`` (resumed if it holds part of the same data).

    Returns:
        The dataset manifest.
    """
    from vin_gym.data import CollectConfig, collect

    config = CollectConfig(
        env_id=env_id,
        env_kwargs=dict(env_kwargs),
        policy=policy,
        episodes=int(episodes),
        steps=int(steps),
        seed=int(seed),
        progress=progress,
    )
    return collect(config, out)


def episodes_for_steps(env_steps: int, steps_per_episode: int) -> int:
    """Episodes of ``steps_per_episode`` steps that cover ``env_steps`` steps.

    >>> episodes_for_steps(10_000, 49)
    205
    """
    if env_steps < 1 or steps_per_episode < 1:
        raise ValueError(
            f"need env_steps >= 1 and steps_per_episode >= 1, got {env_steps}, {steps_per_episode}"
        )
    return -(-int(env_steps) // int(steps_per_episode))


def train_vin(
    data: Sequence[str | os.PathLike],
    run_dir: str | os.PathLike,
    steps: int,
    minutes: float | None = None,
    batch_size: int = HEADLINE.batch_size,
    rollout_max: int = HEADLINE.rollout_max,
    lr_final: float = HEADLINE.lr_final,
    seed: int = 0,
    device: str = "auto",
    threads: int = 1,
    model: dict[str, Any] | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """Train a VIN on the datasets ``data`` into ``run_dir``, as ``vin-gym train`` does,
    with the control recipe's settings (:data:`~vin_gym.experiments.recipe.HEADLINE`) for
    those not given.

    A run directory that already holds checkpoints is resumed, so a finished run with the
    same budget returns at once.

    Args:
        data: Dataset directories (read as one).
        run_dir: Where checkpoints and TensorBoard events go.
        steps: Optimiser steps; the learning rate and rollout schedules follow them, so
            the same seed gives the same run.
        minutes: A safety cap on training time (``None``: none); the summary's
            ``stopped_by`` says when it stopped the run early.
        batch_size: Clips per step (lowered to what a tiny dataset holds).
        rollout_max: Rollout steps at the end of the curriculum (from 8, or less).
        lr_final: Learning rate at the end of the cosine schedule (from the recipe's peak).
        seed: Seed of initialisation, batch order and the train/val split.
        device: ``"auto"``, ``"cpu"``, ``"cuda"``...
        threads: Torch CPU threads.
        model: ``VINConfig`` fields to override (the frame size, objects and action size
            come from the data).
        progress: Show a progress bar.

    Returns:
        The training summary (``step``, ``minutes``, losses, validation errors).
    """
    from vin_gym.experiments.training import VISIBLE, train_config, train_on_data
    from vin_model.training import open_clips

    clips = len(open_clips(data, VISIBLE, rollout_max, "train", 0.1, seed))
    cfg = train_config(
        steps=int(steps),
        batch_size=max(1, min(int(batch_size), clips)),
        rollout_max=rollout_max,
        lr=HEADLINE.lr,
        lr_final=lr_final,
        seed=seed,
        max_minutes=minutes,
        device=device,
        threads=threads,
        checkpoint_every=1000,
        progress=progress,
    )
    return train_on_data(data, run_dir, cfg, model=model, val_fraction=0.1)[1]


def vin_env_kwargs(checkpoint: str | os.PathLike, task: dict[str, Any]) -> dict[str, Any]:
    """The ``gym.make`` arguments of the env to plan in with the VIN of ``checkpoint``:
    the task's, under the frame and scene settings of the env it learned (``obs_size``,
    ``show_goal``, ...: :meth:`vin_gym.env_record.EnvRecord.env_kwargs`)."""
    from vin_model.checkpoint import read_env_record

    return read_env_record(checkpoint).env_kwargs(task)


def make_agent(
    model: WorldModel,
    planner: str,
    overrides: dict[str, Any],
    horizon: int,
    seed: int,
    record_prediction: bool = False,
    **mpc: Any,
) -> MPCAgent:
    """The one MPC agent builder: an agent over ``model`` with ``planner`` (``cem``,
    ``icem``, ``mppi``, ``random``) and its config ``overrides``, planning ``horizon``
    steps of actions of the model's size (its ``action_dim``: the env's for the oracle,
    the one a VIN learned); the optimizer's generator seeded by ``seed`` on the model's
    device; ``mpc``: other ``MPCConfig`` fields."""
    import torch

    from planners import MPCAgent, MPCConfig
    from vin_gym.experiments.episodes import make_optimizer

    action_dim = getattr(model, "action_dim", None)
    if not isinstance(action_dim, int) or action_dim < 1:
        raise ValueError(
            f"the world model must give its action size as an integer action_dim >= 1, "
            f"got {action_dim!r} from {type(model).__name__}"
        )
    device = torch.device(model.device)
    generator = torch.Generator(device=device).manual_seed(int(seed))
    optimizer = make_optimizer(planner, overrides, generator)
    config = MPCConfig(
        horizon=horizon, action_dim=action_dim, record_prediction=record_prediction, **mpc
    )
    return MPCAgent(model, optimizer, config=config)


def plan_episodes(
    env: gym.Env, agent: MPCAgent, seeds: Sequence[int], desc: str = "plan", **kwargs: Any
) -> tuple[list[dict[str, Any]], list[list[np.ndarray]]]:
    """:func:`~vin_gym.experiments.episodes.run_episodes` of ``agent`` as an
    :class:`~vin_gym.experiments.episodes.MPCPolicy` (for frames, with ``keep_frames``, the
    env must render ``rgb_array`` and the agent record its predictions)."""
    from vin_gym.experiments.episodes import MPCPolicy, run_episodes

    return run_episodes(env, MPCPolicy(env, agent), seeds, desc, **kwargs)


def random_episodes(
    env: gym.Env, seeds: Sequence[int], rng: np.random.Generator
) -> list[dict[str, Any]]:
    """Uniform random actions for one episode per seed, in the format of ``run_episodes``."""
    from vin_gym.experiments.episodes import run_episodes

    def policy(obs: Any, info: dict) -> np.ndarray:
        return rng.uniform(-1.0, 1.0, 2).astype(np.float32)

    return run_episodes(env, policy, seeds, progress=False)[0]


def zero_episodes(env: gym.Env, seeds: Sequence[int]) -> list[dict[str, Any]]:
    """No push at all for one episode per seed: what the scene does by itself."""
    from vin_gym.experiments.episodes import run_episodes

    zero = np.zeros(2, dtype=np.float32)
    return run_episodes(env, lambda obs, info: zero, seeds, progress=False)[0]


def load_vin(
    checkpoint: str | os.PathLike,
    device: torch.device,
    env: gym.Env | None = None,
    allow_mismatch: bool = False,
    disagreement: float = 0.0,
) -> WorldModel:
    """A trained VIN checkpoint (run or checkpoint directory) as a world model, checked
    against ``env`` when given (``VINWorldModel.check_env``), with an ensemble's
    ``disagreement`` penalty."""
    from vin_model.world_model import VINWorldModel

    return VINWorldModel.load(
        checkpoint, device=device, env=env, allow_mismatch=allow_mismatch, disagreement=disagreement
    )


def draw_goal(
    frame: np.ndarray, goal: np.ndarray, radius: float, table_size: float = 10.0
) -> np.ndarray:
    """``frame`` with a white goal ring (the planning env hides it from the model)."""
    from PIL import Image, ImageDraw

    scale = frame.shape[0] / table_size
    x, y, r = goal[0] * scale, goal[1] * scale, radius * scale  # x -> column, y -> row
    image = Image.fromarray(frame)
    ImageDraw.Draw(image).ellipse(
        (x - r, y - r, x + r, y + r), outline=(255, 255, 255), width=max(1, frame.shape[0] // 96)
    )
    return np.asarray(image)


def episode_reel(
    videos: Sequence[Sequence[np.ndarray]],
    episodes: Sequence[dict[str, Any]],
    goals: Sequence[np.ndarray],
    radius: float,
    table_size: float = 10.0,
    hold: int = 8,
) -> np.ndarray:
    """Every episode's frames in order, as one clip ``[T, H, W, 3]``: the goal ring drawn,
    a caption with the episode's number and seed, and its last frame held ``hold`` frames
    with its outcome, so that a GIF shows all the episodes, none picked."""
    from PIL import Image, ImageDraw

    def caption(frame: np.ndarray, text: str) -> np.ndarray:
        image = Image.fromarray(frame)
        ImageDraw.Draw(image).text((3, 2), text, fill=(255, 255, 255))
        return np.asarray(image)

    reel: list[np.ndarray] = []
    n = len(episodes)
    for i, (video, episode, goal) in enumerate(zip(videos, episodes, goals, strict=True)):
        label = f"{i + 1}/{n} seed {episode['seed']}"
        drawn = [draw_goal(f, np.asarray(goal), radius, table_size) for f in video]
        reel += [caption(f, label) for f in drawn]
        outcome = "reached" if episode["success"] else "missed"
        reel += [caption(drawn[-1], f"{label}: {outcome}")] * hold
    return np.stack(reel)
