"""A finished SB3 run's final agent, evaluated again on any fixed episodes.

``vin-gym baseline`` evaluates on the development episodes as it trains; a reported figure
is on the test episodes (:data:`vin_gym.seeds.TEST_SEED_BASE` up), played here by the
run's final ``model.zip`` in the env its ``config.json`` records. The model is a pickle, so
it loads only when its signature shows this user's vin-gym wrote it (:mod:`vin_gym.signing`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from vin_gym.baselines.callbacks import evaluate_fixed_seeds
from vin_gym.baselines.sb3 import BaselineConfig, algorithm_class, make_vec_env
from vin_gym.signing import verify_file

#: What a run's ``config.json`` gives the evaluation env (the rest keeps its defaults).
ENV_FIELDS = ("algo", "obs", "env_id", "env_kwargs", "obs_size", "frame_stack", "seed")


def evaluate_run(
    run: str | Path, episodes: int, seed_base: int, eval_envs: int = 10
) -> dict[str, Any]:
    """Play ``episodes`` episodes (episode ``i`` reset with ``seed_base + i``) with the
    final agent of the finished ``vin-gym baseline`` run ``run``, deterministic actions.

    Returns:
        :func:`evaluate_fixed_seeds`'s record with the run's ``algo``, ``obs``, ``env``,
        ``seed`` and ``timesteps`` (the steps it trained for) added.

    Raises:
        FileNotFoundError: ``run`` is not a finished run (no ``summary.json``).
        ValueError: its ``model.zip`` is not signed by this user's vin-gym.
    """
    import torch

    run = Path(run)
    if not (run / "summary.json").is_file():
        raise FileNotFoundError(f"{run} is not a finished vin-gym baseline run (no summary.json)")
    config = json.loads((run / "config.json").read_text())
    cfg = BaselineConfig(**{k: config[k] for k in ENV_FIELDS}, out=run, device="cpu")
    verify_file(run / "model.zip")
    model = algorithm_class(cfg.algo).load(run / "model.zip", device="cpu")
    torch.manual_seed(cfg.seed)
    venv = make_vec_env(cfg, min(eval_envs, episodes), seed=None)
    try:
        result = evaluate_fixed_seeds(model, venv, episodes, seed_base)
    finally:
        venv.close()
    summary = json.loads((run / "summary.json").read_text())
    return {
        "algo": cfg.algo,
        "obs": cfg.obs,
        "env": cfg.env_id,
        "seed": cfg.seed,
        "timesteps": int(summary["timesteps"]),
        **result,
    }
