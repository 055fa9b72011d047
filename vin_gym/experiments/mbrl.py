"""Online model learning: a VIN that trains on its own planner's episodes.

:func:`run_mbrl` seeds a dataset with random pushes (no true states read), trains a VIN
on it, then iterates: an MPC agent plans over the current VIN (with exploration noise on
its actions) for some episodes in the real env, those episodes join the dataset on disk,
the VIN trains on for a fixed number of steps, and the agent (without noise) is evaluated
on fixed seeds. Success is logged against the environment steps of data collected.

A run directory holds::

    RUN/mbrl.json              the loop's state: config, iterations done, the datasets
                               (path, episodes, sha256 of each manifest)
    RUN/data/seed/             the random-push dataset (``vin-gym collect``'s format)
    RUN/data/iter-0001/ ...    each iteration's agent episodes, the same format
    RUN/model/                 the VIN's training run (checkpoints, TensorBoard)
    RUN/tb/                    the loop's TensorBoard scalars (x axis: env steps)

Every budget is a count: environment steps in all (``env_steps``), steps per episode,
episodes per iteration, training steps. The VIN trains on one schedule spanning the whole
run (``seed_train_steps + iterations * train_steps`` steps), stopping after each
iteration's share. ``mbrl.json`` is written atomically after each iteration, after the
model checkpoint and the data it names, so a killed run resumed with the same config
loses at most the iteration in progress; and since every episode, batch and planner draw
comes from generators seeded by the config's seed, it then ends as the uninterrupted run
would (on CPU).

>>> cfg = MBRLConfig(env_steps=30_000, episode_steps=60, seed_episodes=100,
...                  agent_episodes=10, seed_train_steps=3_000, train_steps=1_000)
>>> cfg.iterations, cfg.total_train_steps
(40, 43000)
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from vin_gym.data.storage import now
from vin_gym.experiments.mbrl_config import (
    RUNTIME_FIELDS,
    SEED_POLICIES,
    MBRLConfig,
    config_from,
)
from vin_gym.experiments.mbrl_state import STATE_FILE, data_dir, dataset_record, open_state
from vin_gym.provenance import machine_info, package_versions
from vin_gym.utils import write_json

__all__ = [
    "RUNTIME_FIELDS",
    "SEED_POLICIES",
    "STATE_FILE",
    "MBRLConfig",
    "config_from",
    "run_mbrl",
    "summary",
]


def data_seed(seed: int, iteration: int) -> int:
    """The collection seed of ``iteration``'s dataset (distinct per iteration)."""
    return _derive(seed, iteration, 0)


def _derive(*keys: int) -> int:
    return int(np.random.SeedSequence(list(keys)).generate_state(1)[0])


def train_target(config: MBRLConfig, iteration: int) -> int:
    """The training step at which ``iteration`` ends."""
    return config.seed_train_steps + iteration * config.train_steps


def run_mbrl(
    config: MBRLConfig,
    out: str | os.PathLike,
    resume: bool = False,
    progress: bool = True,
    log: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """Run (or resume) online model learning into the directory ``out``.

    Args:
        config: The run.
        out: Run directory (created; must be empty unless ``resume``).
        resume: Continue the run in ``out``; its recorded config must equal ``config``
            (``device`` and ``threads`` aside: they change rounding, not the run).
        progress: Show progress bars.
        log: Called with each iteration's row once it is complete (and on resume with the
            rows already done), e.g. to print the table as it grows.

    Returns:
        The summary: the config, one row per iteration (env steps, train step, success
        rate with its Wilson 95% interval, ``data_success``: the share of the episodes
        collected in the iteration that reached the goal, the validation position error,
        seconds per phase), the final row's figures, and ``machines``: the machine and
        the package versions of each start and resume, from which iteration (the same
        seed gives the same run on one machine with one set of packages; across them,
        floats may round differently).

    Raises:
        ValueError: ``out`` holds another run (or any files) and ``resume`` is false, or
            its recorded config differs from ``config``.
    """
    from vin_gym.utils import progress_bar
    from vin_model.device import set_threads

    run = Path(out)
    state = open_state(run, config, resume)
    set_threads(config.threads)
    for row in state["iterations"]:
        if log is not None:
            log(row)
    done = len(state["iterations"])
    env_steps_done = state["iterations"][-1]["env_steps"] if done else 0
    if done < config.iterations + 1:  # where and with what each part ran
        start = {
            "from_iteration": done,
            "started": now(),
            "machine": machine_info(),
            "versions": package_versions(),
        }
        state.setdefault("machines", []).append(start)
        write_json(run / STATE_FILE, state)
    writer = _writer(run, purge_step=env_steps_done + 1 if done else None)
    bar = progress_bar(
        total=config.env_steps,
        initial=env_steps_done,
        desc="mbrl env steps",
        unit="step",
        disable=not progress,
        dynamic_ncols=True,
        position=0,
    )
    try:
        for iteration in range(done, config.iterations + 1):
            row = _iteration(run, config, iteration, progress)
            state["iterations"].append(row)
            state["datasets"].append(dataset_record(run, iteration))
            state["updated"] = now()
            write_json(run / STATE_FILE, state)  # after the model and the data it names
            _log_scalars(writer, row)
            bar.update(row["env_steps"] - bar.n)
            if log is not None:
                log(row)
    finally:
        bar.close()
        writer.close()
    return summary(state)


def summary(state: dict[str, Any]) -> dict[str, Any]:
    """The JSON summary of a run's state (``mbrl.json``)."""
    rows = state["iterations"]
    last = rows[-1] if rows else {}
    return {
        "config": state["config"],
        "iterations_done": len(rows),
        "iterations_planned": state["iterations_planned"],
        "env_steps": last.get("env_steps", 0),
        "train_step": last.get("train_step", 0),
        "success_rate": last.get("success_rate"),
        "success_low": last.get("success_low"),
        "success_high": last.get("success_high"),
        "seconds": sum(r["collect_s"] + r["train_s"] + r["eval_s"] for r in rows),
        "iterations": rows,
        "machines": state.get("machines", []),
    }


# -- the phases of one iteration ----------------------------------------------------------
def _iteration(run: Path, config: MBRLConfig, iteration: int, progress: bool) -> dict[str, Any]:
    t0 = time.perf_counter()
    data_success = _collect(run, config, iteration, progress)
    t1 = time.perf_counter()
    datasets = [data_dir(run, i) for i in range(iteration + 1)]
    trained = _train(run, config, datasets, train_target(config, iteration), progress)
    t2 = time.perf_counter()
    evaluation = _evaluate(run, config, iteration, progress)
    t3 = time.perf_counter()
    return {
        "iteration": iteration,
        "env_steps": config.seed_steps + iteration * config.steps_per_iteration,
        "episodes": config.seed_episodes + iteration * config.agent_episodes,
        "train_step": trained["step"],
        **evaluation,
        "data_success": data_success,
        "val_pos_mse": trained.get("val/pos_mse_mean_1_8"),
        "collect_s": t1 - t0,
        "train_s": t2 - t1,
        "eval_s": t3 - t2,
    }


def _collect(run: Path, config: MBRLConfig, iteration: int, progress: bool) -> float:
    """Collect ``iteration``'s dataset (resumed if partly on disk); the share of its
    episodes that reached the goal at some step."""
    import gymnasium as gym

    from vin_gym.data import CollectConfig, collect, open_dataset
    from vin_gym.experiments.episodes import MPCPolicy

    seeding = iteration == 0
    collect_config = CollectConfig(
        env_id=config.env_id,
        env_kwargs=config.frame_env_kwargs,
        policy=config.seed_policy if seeding else f"mbrl-{config.planner}",
        episodes=config.seed_episodes if seeding else config.agent_episodes,
        steps=config.episode_steps,
        seed=data_seed(config.seed, iteration),
        progress=progress,
    )
    task_env = None
    if seeding:
        policy = None  # the collector makes config.seed_policy ("random" or "colored")
    else:
        task_env = gym.make(config.env_id, **config.frame_env_kwargs)
        expected = train_target(config, iteration - 1)
        policy = MPCPolicy(
            task_env,
            build_agent=lambda: _make_agent(run, config, expected, seed=0),  # reseeded
            explore_std=config.explore_std,
            reseed=True,
        )
    try:
        collect(collect_config, data_dir(run, iteration), policy)
    finally:
        if task_env is not None:
            task_env.close()
    data = open_dataset(data_dir(run, iteration), verify=False)
    reached = [bool(np.any(data.array("success", e))) for e in range(data.num_episodes)]
    return float(np.mean(reached))


def _train(
    run: Path, config: MBRLConfig, datasets: list[Path], stop_at: int, progress: bool
) -> dict[str, Any]:
    from vin_gym.experiments.training import train_config, train_on_data

    cfg = train_config(
        steps=config.total_train_steps,
        batch_size=config.batch_size,
        lr=config.lr,
        lr_final=config.lr_final,
        rollout_max=config.rollout_max,
        seed=config.seed,
        device=config.device,
        threads=config.threads,
        checkpoint_every=config.train_steps,
        val_clips=200,
        progress=progress,
        **config.train_overrides,
    )
    _, trained = train_on_data(
        datasets,
        run / "model",
        cfg,
        model=config.model,
        val_fraction=config.val_fraction,
        stop_at=stop_at,
        data_names=[str(d.relative_to(run)) for d in datasets],
        record_split=False,
        init=config.init,
    )
    return trained


def _evaluate(run: Path, config: MBRLConfig, iteration: int, progress: bool) -> dict[str, Any]:
    """The agent without exploration noise on the fixed evaluation seeds."""
    import gymnasium as gym

    from vin_gym.experiments.episodes import MPCPolicy, run_episodes, summarize

    n = config.eval_episodes
    due = iteration % config.eval_every == 0 or iteration == config.iterations
    if n == 0 or not due:
        return {"success_rate": None, "success_low": None, "success_high": None}
    limit = {} if config.eval_max_steps is None else {"max_episode_steps": config.eval_max_steps}
    env = gym.make(config.env_id, obs_mode="pixels", **config.frame_env_kwargs, **limit)
    agent = _make_agent(
        run, config, train_target(config, iteration), _derive(config.seed, iteration, 1)
    )
    seeds = range(config.eval_seed, config.eval_seed + n)
    episodes, _ = run_episodes(
        env, MPCPolicy(env, agent), seeds, "evaluate", progress=progress, leave=False
    )
    env.close()
    s = summarize(episodes)
    return {
        "success_rate": s["success_rate"],
        "success_low": s["ci_low"],
        "success_high": s["ci_high"],
        "mean_return": s["mean_return"],
        "ms_per_decision": s["ms_per_decision"],
    }


def _make_agent(run: Path, config: MBRLConfig, expected_step: int, seed: int):
    """The MPC agent over the newest VIN checkpoint, which must be ``expected_step``'s; its
    optimizer's generator seeded with ``seed``."""
    from vin_gym.experiments.pipeline import make_agent
    from vin_model.checkpoint import list_checkpoints
    from vin_model.world_model import VINWorldModel

    found = list_checkpoints(run / "model")
    if not found or int(found[-1].name.split("_")[-1]) != expected_step:
        raise ValueError(
            f"{run / 'model'} should end at the checkpoint of step {expected_step}, found "
            f"{[p.name for p in found]}: the run directory was changed outside this loop"
        )
    model = VINWorldModel.load(found[-1], device=config.device, disagreement=config.disagreement)
    return make_agent(model, config.planner, config.planner_kwargs, config.horizon, seed)


# -- logging ----------------------------------------------------------------------------
def _writer(run: Path, purge_step: int | None):
    from torch.utils.tensorboard import SummaryWriter

    return SummaryWriter(str(run / "tb"), purge_step=purge_step)


def _log_scalars(writer, row: dict[str, Any]) -> None:
    x = row["env_steps"]
    for key in ("success_rate", "success_low", "success_high", "mean_return", "data_success"):
        if row.get(key) is not None:
            writer.add_scalar(f"mbrl/{key}", row[key], x)
    if row.get("val_pos_mse") is not None:
        writer.add_scalar("mbrl/val_pos_mse", row["val_pos_mse"], x)
    writer.add_scalar("mbrl/train_step", row["train_step"], x)
    writer.flush()
