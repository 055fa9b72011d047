"""Running the cells of a comparison: one cell, the reuse of finished ones, and a queue
that keeps a few worker processes busy with the missing ones, cheapest first.

A finished cell is written to ``OUT/cells/NAME.json`` atomically the moment it finishes
(in the worker that ran it), so a sweep killed at any point loses only the cells that were
running; run it again and every cell whose file records the same spec (settings and
physics fingerprint, :mod:`.specs`) is read back instead of run.

A VIN cell collects its data into ``WORK/data/<policy>_d<D>_s<seed>`` and trains into
``WORK/vin/<policy>_d<D>_s<seed>``; both are resumed if they hold part of the same work
(the run directory only if it was trained on the same data with the same settings:
:mod:`.vin_runs`). Cells that share a data or run directory (two sweeps with different
planners) take turns through a lock file under ``WORK/locks``.

Collecting, training and planning are :mod:`vin_gym.experiments.pipeline`'s functions.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import numpy as np

from vin_gym.experiments.comparison.specs import cost, eval_env_kwargs, with_legacy_train
from vin_gym.experiments.comparison.vin_runs import data_fingerprint, vin_run_dir
from vin_gym.provenance import load_average, machine_info, package_versions
from vin_gym.utils import write_json


@dataclass(frozen=True)
class Context:
    """Where and how cells run (what a cell's result does not depend on).

    Attributes:
        work: Datasets go to ``work/data``, VIN runs to ``work/vin``.
        device: torch device for VIN training and planning (``"auto"``, ``"cpu"``...).
        threads: torch CPU threads per process.
        progress: Show progress bars.
    """

    work: Path
    device: str = "auto"
    threads: int = 1
    progress: bool = True


def cell_path(out: str | Path, spec: dict[str, Any]) -> Path:
    """Where the cell ``spec`` is written: ``out/cells/<name>.json``."""
    return Path(out) / "cells" / f"{spec['name']}.json"


def load_cell(path: Path, spec: dict[str, Any]) -> dict[str, Any] | None:
    """A finished cell whose settings match ``spec``, else ``None``."""
    if not path.is_file():
        return None
    try:
        cell = json.loads(path.read_text())
    except json.JSONDecodeError:
        return None
    cell = with_legacy_train(cell) if isinstance(cell, dict) else {}  # old cells match
    return cell if cell and all(cell.get(k) == v for k, v in spec.items()) else None


# -- one cell --------------------------------------------------------------------------------
def run_cell(spec: dict[str, Any], ctx: Context) -> dict[str, Any]:
    """Evaluate one cell; returns its summary, per-episode results and env steps used."""
    import gymnasium as gym

    import vin_gym  # noqa: F401  (registers the environments in a fresh worker)
    from vin_gym.baselines.callbacks import eval_seeds
    from vin_gym.experiments import pipeline as pipe
    from vin_gym.experiments.episodes import summarize
    from vin_model.device import get_device

    key = spec["eval"]
    env_id, env_kwargs = key["env"], eval_env_kwargs(key)
    seeds = eval_seeds(key["episodes"], key["seed_base"])
    device = get_device(ctx.device)
    load_start = load_average()  # ms_per_decision is a timing: the machine's load with it
    start = time.perf_counter()
    extra: dict[str, Any] = {}
    if spec["method"] == "random":
        env = gym.make(env_id, obs_mode="state", **env_kwargs)
        episodes = pipe.random_episodes(env, seeds, np.random.default_rng(spec["seed"]))
        env_steps = 0
    elif spec["method"] == "zero":
        env = gym.make(env_id, obs_mode="state", **env_kwargs)
        episodes = pipe.zero_episodes(env, seeds)
        env_steps = 0
    elif spec["method"] == "oracle":
        from vin_gym.oracle import OracleWorldModel

        env = gym.make(env_id, obs_mode="state", **env_kwargs)
        agent = _agent(pipe, OracleWorldModel(env, device=device), spec)
        episodes, _ = pipe.plan_episodes(env, agent, seeds, spec["name"], progress=ctx.progress)
        env_steps = 0
    elif spec["method"] == "mbrl":
        run_dir, online = _learn_online(spec, ctx)
        model_dir = run_dir / "model"
        env = gym.make(env_id, obs_mode="pixels", **pipe.vin_env_kwargs(model_dir, env_kwargs))
        penalty = spec["mbrl"].get("disagreement", 0.0)  # plans as the loop's agent did
        agent = _agent(pipe, pipe.load_vin(model_dir, device, env, disagreement=penalty), spec)
        episodes, _ = pipe.plan_episodes(env, agent, seeds, spec["name"], progress=ctx.progress)
        env_steps = online["env_steps"]
        extra = {
            "run_dir": str(run_dir),
            "mbrl_summary": {k: v for k, v in online.items() if k not in ("iterations",)},
            # each round's row (its agent's success, validation error...): the loop's
            # curve stays with the cell when the run directory is gone
            "mbrl_iterations": online["iterations"],
        }
    else:
        data, run_dir, manifest, train = _train_vin(spec, ctx)
        env = gym.make(env_id, obs_mode="pixels", **pipe.vin_env_kwargs(run_dir, env_kwargs))
        agent = _agent(pipe, pipe.load_vin(run_dir, device, env), spec)
        episodes, _ = pipe.plan_episodes(env, agent, seeds, spec["name"], progress=ctx.progress)
        env_steps = manifest["num_episodes"] * (manifest["episode_length"] - 1)
        extra = {
            "data_dir": str(data),
            "run_dir": str(run_dir),
            "data_fingerprint": data_fingerprint(manifest),
            "train_summary": {k: v for k, v in train.items() if k != "run_dir"},
        }
    env.close()
    return {
        **spec,
        "env_steps": env_steps,
        **summarize(episodes),
        "wall_s": time.perf_counter() - start,
        # the same seed gives the same cell on one machine with one set of packages
        "machine": machine_info(load_start=load_start),
        "versions": package_versions(),
        **extra,
        "per_episode": episodes,
    }


def _learn_online(spec: dict[str, Any], ctx: Context) -> tuple[Path, dict[str, Any]]:
    """Run (or resume, or reuse) the cell's ``vin-gym mbrl`` run in
    ``WORK/mbrl/d<D>_s<seed>``; a run on other physics (its seed data's fingerprint) is
    left alone and the cell learns in ``..._<fingerprint>`` beside it."""
    from vin_gym.data.storage import read_manifest
    from vin_gym.experiments.mbrl import STATE_FILE, data_dir, run_mbrl
    from vin_gym.experiments.mbrl_config import MBRLConfig

    key = spec["eval"]
    config = MBRLConfig(
        env_id=key["env"],
        env_kwargs=dict(key["env_kwargs"]),
        seed=spec["seed"],
        env_steps=spec["data_steps"],
        device=ctx.device,
        threads=ctx.threads,
        **spec["mbrl"],
    )
    run_dir = ctx.work / "mbrl" / f"d{spec['data_steps']}_s{spec['seed']}"
    seed_data = data_dir(run_dir, 0) / "manifest.json"
    if seed_data.is_file():
        physics = read_manifest(seed_data.parent).get("meta", {}).get("physics")
        if physics not in (None, key["physics"]):
            run_dir = run_dir.with_name(f"{run_dir.name}_{key['physics']}")
    with _locked(ctx.work / "locks" / f"mbrl_{run_dir.name}.lock"):
        online = run_mbrl(
            config, run_dir, resume=(run_dir / STATE_FILE).exists(), progress=ctx.progress
        )
    return run_dir, online


def _agent(pipe: Any, model: Any, spec: dict[str, Any]) -> Any:
    plan = dict(spec["plan"])
    planner, horizon = plan.pop("planner"), plan.pop("horizon")
    return pipe.make_agent(model, planner, plan, horizon, spec["seed"])


def _train_vin(spec: dict[str, Any], ctx: Context) -> tuple[Path, Path, dict, dict]:
    """Collect the cell's data and train its VIN (each resumed or reused when done)."""
    from vin_gym.experiments import pipeline as pipe

    key, d, seed = spec["eval"], spec["data_steps"], spec["seed"]
    data_cfg, train_cfg = spec["data"], spec["train"]
    name = f"{data_cfg['policy']}_d{d}_s{seed}"
    data = ctx.work / "data" / name
    with _locked(ctx.work / "locks" / f"data_{name}.lock"):
        manifest = pipe.collect_data(
            data,
            key["env"],
            {**key["env_kwargs"], "obs_size": data_cfg["obs_size"], "show_goal": False},
            data_cfg["episodes"],
            data_cfg["episode_steps"],
            seed,
            ctx.progress,
            policy=data_cfg["policy"],
        )
    with _locked(ctx.work / "locks" / f"vin_{name}.lock"):
        run_dir = vin_run_dir(ctx.work / "vin" / name, manifest, data, train_cfg)
        train = pipe.train_vin(
            [data],
            run_dir,
            minutes=train_cfg["minutes"],
            steps=train_cfg["steps"],
            batch_size=train_cfg["batch_size"],
            rollout_max=train_cfg["rollout"],
            lr_final=train_cfg["lr_final"],
            seed=seed,
            device=ctx.device,
            threads=ctx.threads,
            progress=ctx.progress,
        )
    return data, run_dir, manifest, train


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (created if needed) for the block."""
    import fcntl

    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


# -- the queue -------------------------------------------------------------------------------
def run_cells(
    specs: Sequence[dict[str, Any]],
    out: str | Path,
    ctx: Context,
    workers: int = 1,
    force: bool = False,
    no_run: bool = False,
    log: Callable[[str], Any] = print,
) -> tuple[list[dict[str, Any]], list[str]]:
    """Read the finished cells of ``specs`` and run the missing ones.

    Missing cells run cheapest first (:func:`.specs.cost`), in this process for
    ``workers=1``, else through a pool that keeps ``workers`` processes busy; each is
    written to :func:`cell_path` as it finishes. A cell that fails does not stop the
    others; the first failure is raised once they are done.

    Args:
        specs: Cells (:func:`.specs.cell_specs`).
        out: Results directory.
        ctx: Where and how to run.
        workers: Worker processes.
        force: Redo cells whose file exists.
        no_run: Run nothing: only read finished cells.
        log: Where progress lines go.

    Returns:
        The finished cells in the order of ``specs``, and the names of the cells left
        missing (``no_run``).
    """
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    done: dict[str, dict[str, Any]] = {}
    todo, missing = [], []
    for spec in specs:
        path = cell_path(out, spec)
        cell = None if force else load_cell(path, spec)
        if cell is not None:
            log(f"cell {spec['name']}: done before, read from {path}")
            done[spec["name"]] = cell
        elif no_run:
            log(f"cell {spec['name']}: not done (or made with other settings), left out")
            missing.append(spec["name"])
        else:
            todo.append(spec)
    todo.sort(key=cost)
    if workers == 1:
        for spec in todo:
            log(f"cell {spec['name']}")
            done[spec["name"]] = run_and_write(spec, ctx, cell_path(out, spec))
    elif todo:
        done.update(_pool(todo, out, ctx, workers, log))
    return [done[s["name"]] for s in specs if s["name"] in done], missing


def run_and_write(spec: dict[str, Any], ctx: Context, path: Path) -> dict[str, Any]:
    """Run the cell ``spec`` and write it to ``path`` atomically; returns it."""
    cell = run_cell(spec, ctx)
    write_json(path, cell)
    return cell


def _pool(
    todo: list[dict[str, Any]], out: str | Path, ctx: Context, workers: int, log: Callable
) -> dict[str, dict[str, Any]]:
    done, failed = {}, []
    log(f"{len(todo)} cells to run on {workers} workers, cheapest first")
    pool = ProcessPoolExecutor(
        max_workers=min(workers, len(todo)),
        mp_context=get_context("spawn"),  # torch and fork do not mix
        initializer=_init_worker,
        initargs=(ctx.threads,),
    )
    with pool:
        futures = {pool.submit(run_and_write, s, ctx, cell_path(out, s)): s for s in todo}
        try:
            for future in as_completed(futures):
                name = futures[future]["name"]
                try:
                    done[name] = future.result()
                except Exception as exc:  # the other cells go on; raised below
                    log(f"cell {name}: failed: {type(exc).__name__}: {exc}")
                    failed.append(exc)
                    continue
                log(f"cell {name}: finished ({len(done)}/{len(todo)})")
        except KeyboardInterrupt:  # start no other cell; the finished ones are written
            pool.shutdown(wait=False, cancel_futures=True)
            raise
    if failed:
        raise failed[0]
    return done


def _init_worker(threads: int) -> None:
    from vin_model.device import set_threads

    set_threads(threads)
