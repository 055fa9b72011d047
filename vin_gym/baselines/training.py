"""Training an SB3 agent (:func:`train_baseline`) into a run directory, and resuming one.

A run directory holds ``config.json`` (written first), ``evaluations.json`` (grows with
each evaluation), ``checkpoints/model_<steps>.zip`` (one per evaluation),
``checkpoints/latest.zip`` (the newest state, and an off-policy agent's replay buffer
beside it), ``model.zip`` (the final model), ``tb/`` (TensorBoard) and ``summary.json``
(written last).

A killed run resumes from ``checkpoints/latest.zip`` (:func:`train_baseline` with
``resume=True``): its evaluations up to that point are kept, the learning-rate schedule
and step count continue, and the budget may be raised. The training envs restart their
episodes at the resume point (reseeded with ``seed + steps``), so a resumed run is
reproducible from the same resume point but not bit-identical to an uninterrupted one;
the summary lists the resume points.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

from vin_gym.baselines.callbacks import (
    EVAL_SEED_BASE,
    LATEST,
    LATEST_BUFFER,
    make_eval_callback,
    make_progress_callback,
    save_model,
)
from vin_gym.baselines.sb3 import (
    BaselineConfig,
    algorithm_class,
    build_model,
    make_vec_env,
    require_sb3,
)
from vin_gym.fingerprint import physics_fingerprint
from vin_gym.locking import check_new_or_resume
from vin_gym.provenance import machine_info, package_versions
from vin_gym.signing import verify_file
from vin_gym.utils import write_json

#: Settings a resumed run may change: they do not change what it computes (``timesteps``
#: may be raised to extend a run).
RESUMABLE_CHANGES = ("timesteps", "threads", "device", "progress", "checkpoint_every", "out")


def resume_point(cfg: BaselineConfig) -> tuple[Path, list[dict[str, Any]]]:
    """Where a killed run in ``cfg.out`` resumes: its newest saved state and its
    evaluations up to that state's step count.

    Raises:
        FileNotFoundError: No run, or no saved state, in ``cfg.out``.
        ValueError: The run was made with other settings (named), or is already at or
            past ``cfg.timesteps``.
    """
    config_path, latest = cfg.out / "config.json", cfg.out / "checkpoints" / LATEST
    if not config_path.is_file():
        raise FileNotFoundError(f"no run to resume in {cfg.out}: {config_path} is missing")
    if not latest.is_file():
        raise FileNotFoundError(
            f"no saved state to resume in {cfg.out}: {latest} is missing (runs save it at "
            "each evaluation and every checkpoint_every steps)"
        )
    recorded = json.loads(config_path.read_text())
    mine = {k: v for k, v in _record(cfg).items() if k not in RESUMABLE_CHANGES}
    mine["n_envs"] = cfg.envs  # recorded resolved
    recorded_hp = recorded.get("hyperparams", {})
    asked = json.loads(json.dumps(cfg.hyperparams, default=repr))
    differ = sorted((k, recorded.get(k), v) for k, v in mine.items() if recorded.get(k) != v)
    differ += sorted(
        (f"hyperparams.{k}", recorded_hp.get(k), v)
        for k, v in asked.items()
        if recorded_hp.get(k) != v
    )
    if differ:
        detail = ", ".join(f"{k}: run {run!r}, now {now!r}" for k, run, now in differ)
        raise ValueError(f"cannot resume {cfg.out}, made with other settings ({detail})")
    with zipfile.ZipFile(latest) as z:
        steps = int(json.loads(z.read("data"))["num_timesteps"])
    if steps >= cfg.timesteps:
        raise ValueError(
            f"{cfg.out} is at {steps} steps already; to go on, raise timesteps above it"
        )
    evaluations_path = cfg.out / "evaluations.json"
    rows = json.loads(evaluations_path.read_text()) if evaluations_path.is_file() else []
    return latest, [r for r in rows if r["timesteps"] <= steps]


def _record(cfg: BaselineConfig) -> dict[str, Any]:
    """``cfg`` as ``config.json`` records it (JSON types)."""
    record = {k: v for k, v in dataclasses.asdict(cfg).items() if k != "hyperparams"}
    record["out"] = str(cfg.out)
    return json.loads(json.dumps(record, default=str))


def train_baseline(
    cfg: BaselineConfig, command: str | None = None, resume: bool = False
) -> dict[str, Any]:
    """Train one SB3 agent, evaluating on fixed seeds; returns the run's summary.

    Writes the run directory described in the module docstring. With ``resume``, goes on
    from the run's newest saved state (:func:`resume_point`) up to ``cfg.timesteps``.
    """
    require_sb3()
    import torch

    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    out = cfg.out
    evaluations: list[dict[str, Any]] = []
    check_new_or_resume(out, resume, "config.json")
    if resume:
        latest, evaluations = resume_point(cfg)
    out.mkdir(parents=True, exist_ok=True)
    eval_at = [t for t in cfg.eval_at if t < cfg.timesteps]
    eval_env = make_vec_env(cfg, min(cfg.eval_envs, cfg.eval_episodes), seed=None)
    if resume:
        model, venv, start, config = _resumed_model(cfg, latest, command)
    else:
        model, venv, start, config = _new_model(cfg, command)
    write_json(out / "config.json", config)
    callback = make_eval_callback(
        eval_env,
        out,
        eval_at,
        cfg.eval_episodes,
        cfg.checkpoints,
        final_target=cfg.timesteps,
        checkpoint_every=cfg.checkpoint_every,
        evaluations=evaluations,
    )
    callbacks = [callback, make_progress_callback()] if cfg.progress else [callback]
    t0 = time.perf_counter()
    model.learn(
        cfg.timesteps - start,
        callback=callbacks,
        tb_log_name=f"{cfg.algo}_{cfg.obs}_s{cfg.seed}",
        reset_num_timesteps=not resume,
    )
    wall = time.perf_counter() - t0
    save_model(model, out / "model.zip")
    venv.close()
    eval_env.close()
    summary = _summary(cfg, model, callback, start, wall, config, command)
    write_json(out / "summary.json", summary)
    return summary


def _new_model(cfg: BaselineConfig, command: str | None) -> tuple[Any, Any, int, dict]:
    """A new agent on its training envs, from step 0, and the run's ``config.json``."""
    venv = make_vec_env(cfg, cfg.envs, seed=cfg.seed)
    model, hp = build_model(cfg, venv, tensorboard_log=str(cfg.out / "tb"))
    config = {
        **_record(cfg),
        "n_envs": cfg.envs,
        "eval_seed_base": EVAL_SEED_BASE,
        "hyperparams": {k: repr(v) if k == "action_noise" else v for k, v in hp.items()},
        "policy": type(model.policy).__name__,
        "device": str(model.device),
        "command": command,
        "versions": package_versions(),
        "machine": machine_info(),
        "physics": physics_fingerprint(cfg.env_id, **cfg.env_kwargs),
    }
    return model, venv, 0, config


def _resumed_model(
    cfg: BaselineConfig, latest: Path, command: str | None
) -> tuple[Any, Any, int, dict]:
    """The agent of the saved state ``latest`` (and its replay buffer) on training envs
    reseeded at its step count, that step count, and the run's ``config.json`` with this
    resume recorded."""
    out = cfg.out
    config = json.loads((out / "config.json").read_text())
    buffer = out / "checkpoints" / LATEST_BUFFER
    for pickled in (latest, buffer) if buffer.is_file() else (latest,):
        verify_file(pickled)  # pickles: only those this user's vin-gym wrote
    model = algorithm_class(cfg.algo).load(
        latest, device=cfg.device, tensorboard_log=str(out / "tb")
    )
    start = int(model.num_timesteps)
    venv = make_vec_env(cfg, cfg.envs, seed=cfg.seed + start)
    model.set_env(venv)
    model.set_random_seed(cfg.seed + start)
    (out / "summary.json").unlink(missing_ok=True)  # the run is going again
    if hasattr(model, "replay_buffer"):
        if buffer.is_file():
            model.load_replay_buffer(buffer)
        else:
            print(f"resuming without a replay buffer ({buffer} is missing)", file=sys.stderr)
    resumes = [*config.get("resumes", []), {"from": start, "command": command}]
    config.update(timesteps=cfg.timesteps, resumes=resumes)
    print(f"resuming {out} from {start} steps", file=sys.stderr)
    return model, venv, start, config


def _summary(
    cfg: BaselineConfig,
    model: Any,
    callback: Any,
    start: int,
    wall: float,
    config: dict[str, Any],
    command: str | None,
) -> dict[str, Any]:
    """The run's ``summary.json``: the final evaluation, every evaluation, the speed."""
    final = callback.evaluations[-1]
    train_wall = wall - callback.eval_seconds
    return {
        "algo": cfg.algo,
        "obs": cfg.obs,
        "env": cfg.env_id,
        "seed": cfg.seed,
        "timesteps": int(model.num_timesteps),
        "success_rate": final["success_rate"],
        "mean_return": final["mean_return"],
        "eval_episodes": cfg.eval_episodes,
        "wall_s": wall,
        "train_steps_per_s": (model.num_timesteps - start) / max(train_wall, 1e-9),
        "threads": cfg.threads,
        "n_envs": cfg.envs,
        "run": str(cfg.out),
        "resumed_from": [r["from"] for r in config.get("resumes", [])],
        "evaluations": [
            {k: e[k] for k in ("timesteps", "target", "success_rate", "mean_return", "std_return")}
            for e in callback.evaluations
        ],
        "command": command,
    }
