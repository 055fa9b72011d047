"""Does a world model rank action sequences the way the true simulator does?

    python benchmarks/objective_ranking.py [--checkpoint RUN ...] [--quick] [--json PATH]

A planner only needs its model to *order* candidate action sequences correctly. For each
of ``--states`` decision points (episode ``i`` resets with seed ``--seed-base + i``, 2000
by default, apart from the evaluation episodes at 1000 + i, then takes 6 to 25 uniform
random pushes), ``--candidates`` uniform random action sequences of ``--horizon`` steps
are scored with the planning objective (the env's reward summed over the horizon, ending
when the target reaches the goal) twice: under each VIN checkpoint and under the true
simulator (oracle). Per model, averaged over the decision points:

* **spearman**: rank correlation of the model's returns with the true ones (1: same order);
* **pick percentile**: where the model's favourite candidate ranks among all candidates by
  true return (1: it picks the truly best; 0.5 on average: no better than a random pick);
* **top-10% hit**: share of the model's top 10% that is in the true top 10%.

As a reference for what perception error alone costs, ``--noisy-oracle`` adds a row for the
true simulator started from a noisy state: Gaussian noise of ``--noise-pos`` (table units)
on every position and ``--noise-vel`` (units/s) on every velocity, fresh at each decision.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import torch

import vin_gym  # noqa: F401  (registers the environments)
from planners import make_objective
from vin_gym.experiments.episodes import goal_fns
from vin_gym.experiments.pipeline import vin_env_kwargs
from vin_gym.oracle import OracleWorldModel
from vin_gym.utils import format_table, machine_info, write_json
from vin_model.device import set_threads
from vin_model.world_model import VINWorldModel

DEFAULT_CHECKPOINT = Path(__file__).resolve().parents[1] / "vin_model" / "pretrained"


def ranks(x: np.ndarray) -> np.ndarray:
    """Ranks 0..n-1 of ``x``, ties sharing their mean rank (as Spearman's rho wants: many
    candidates never touch the target and tie in true return).

    >>> ranks(np.array([3.0, 1.0, 3.0, 0.0])).tolist()
    [2.5, 1.0, 2.5, 0.0]
    """
    _, inverse, counts = np.unique(x, return_inverse=True, return_counts=True)
    first = np.concatenate([[0], np.cumsum(counts)[:-1]])
    return (first + (counts - 1) / 2.0)[inverse]


def compare_returns(
    model: np.ndarray, true: np.ndarray, top: float = 0.1
) -> dict[str, float] | None:
    """Spearman correlation, pick percentile and top-``top`` hit rate of ``model``'s
    returns against the ``true`` ones, for one set of candidates; ``None`` when the true
    returns all tie (no candidate touched the target: there is nothing to rank).

    >>> true = np.array([0.0, 1.0, 2.0, 3.0, 4.0])
    >>> compare_returns(true * 2, true)["pick"], round(compare_returns(-true, true)["spearman"], 6)
    (1.0, -1.0)
    """
    if np.ptp(true) == 0:
        return None
    finite = np.where(np.isfinite(model), model, -np.inf)
    model_ranks = ranks(finite)
    k = max(1, round(top * len(true)))
    true_ranks = ranks(true)
    top_model = set(np.argsort(-finite, kind="stable")[:k].tolist())
    top_true = set(np.argsort(-true, kind="stable")[:k].tolist())
    return {
        "spearman": float(np.corrcoef(model_ranks, true_ranks)[0, 1])
        if np.ptp(model_ranks)
        else 0.0,
        "pick": float(true_ranks[int(np.argmax(finite))] / (len(true) - 1)),
        "top_hit": len(top_model & top_true) / k,
    }


class NoisyOracle(OracleWorldModel):
    """The true simulator, started from the observed state plus Gaussian noise."""

    def __init__(self, env: gym.Env, pos: float, vel: float, seed: int, **kwargs: Any) -> None:
        super().__init__(env, **kwargs)
        self.pos, self.vel = pos, vel
        self.rng = np.random.default_rng(seed)

    def observe(self, obs: Any, info: dict) -> None:
        super().observe(obs, info)
        s = self._start
        self._start = replace(
            s,
            positions=s.positions + self.rng.normal(0.0, self.pos, s.positions.shape),
            velocities=s.velocities + self.rng.normal(0.0, self.vel, s.velocities.shape),
        )


def evaluate(
    checkpoint: Path | None, args: argparse.Namespace, device: torch.device
) -> dict[str, Any]:
    """The three scores of one checkpoint (``None``: the noisy oracle), averaged over the
    decision points."""
    frame_kwargs = vin_env_kwargs(checkpoint) if checkpoint is not None else {"obs_size": 32}
    env = gym.make(args.env, obs_mode="pixels", **frame_kwargs)
    if checkpoint is None:
        model: Any = NoisyOracle(env, args.noise_pos, args.noise_vel, args.seed, device=device)
    else:
        model = VINWorldModel.load(checkpoint, device=device, env=env)  # must fit the env
    oracle = OracleWorldModel(env, device=device)
    rng = np.random.default_rng(args.seed)
    generator = torch.Generator(device=device).manual_seed(args.seed)
    scores: list[dict[str, float]] = []
    model_s = 0.0
    ties = 0  # decision points where every candidate had the same true return
    for i in range(args.states):
        obs, info = env.reset(seed=args.seed_base + i)
        model.reset()
        oracle.reset()
        for t in range(6 + int(rng.integers(0, 20))):
            if t:
                action = rng.uniform(-1.0, 1.0, 2).astype(np.float32)
                obs, _, terminated, truncated, info = env.step(action)
                if terminated or truncated:
                    break
            model.observe(obs, info)
            oracle.observe(obs, info)
        if not model.ready() or info["is_success"]:
            continue  # the target reached the goal while warming up: nothing to plan
        reward_fn, termination_fn = goal_fns(env, info["goal"], device)
        candidates = torch.rand(
            (args.candidates, args.horizon, 2), generator=generator, device=device
        )
        candidates = candidates * 2.0 - 1.0
        start = time.perf_counter()
        predicted = make_objective(model, reward_fn, 1.0, termination_fn)(candidates)
        model_s += time.perf_counter() - start
        true = make_objective(oracle, reward_fn, 1.0, termination_fn)(candidates)
        score = compare_returns(predicted.cpu().numpy(), true.cpu().numpy())
        if score is None:
            ties += 1
        else:
            scores.append(score)
    env.close()
    n = len(scores)
    keys = ("spearman", "pick", "top_hit")
    mean = {k: float(np.mean([s[k] for s in scores])) if n else float("nan") for k in keys}
    sem = {k: float(np.std([s[k] for s in scores]) / np.sqrt(max(n, 1))) for k in mean}
    label = (
        str(checkpoint)
        if checkpoint is not None
        else (f"oracle, noisy start (pos {args.noise_pos}, vel {args.noise_vel})")
    )
    return {"checkpoint": label, "states": n, "all_tied": ties, **mean, "sem": sem,
            "model_ms": 1000.0 * model_s / max(n, 1)}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--checkpoint", type=Path, nargs="+", default=[DEFAULT_CHECKPOINT])
    p.add_argument("--env", default="Billiards-v0")
    p.add_argument("--states", type=int, default=100, help="decision points")
    p.add_argument("--candidates", type=int, default=256, help="action sequences per point")
    p.add_argument("--horizon", type=int, default=12)
    p.add_argument("--seed-base", type=int, default=2000, help="episode i resets with this + i")
    p.add_argument("--seed", type=int, default=0, help="warm-up pushes and candidates")
    p.add_argument("--noisy-oracle", action="store_true", help="add the noisy-oracle reference")
    p.add_argument("--noise-pos", type=float, default=0.1, help="noisy oracle: position std")
    p.add_argument("--noise-vel", type=float, default=0.3, help="noisy oracle: velocity std")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--quick", action="store_true", help="20 decision points (about 20 s)")
    p.add_argument("--json", type=Path, default=None)
    args = p.parse_args(argv)
    if args.quick:
        args.states = 20
    for name in ("states", "candidates", "horizon"):
        if getattr(args, name) < 1:
            p.error(f"--{name} must be >= 1, got {getattr(args, name)}")
    set_threads(args.threads)
    device = torch.device("cpu")
    results = []
    for checkpoint in args.checkpoint:
        if not checkpoint.exists():
            p.error(f"--checkpoint {checkpoint} does not exist")
        results.append(evaluate(checkpoint, args, device))
    if args.noisy_oracle:
        results.append(evaluate(None, args, device))
    rows = [
        {
            "checkpoint": r["checkpoint"],
            "points": r["states"],
            "all tied": r["all_tied"],
            "spearman": f"{r['spearman']:.2f} ± {r['sem']['spearman']:.2f}",
            "pick percentile": f"{r['pick']:.2f} ± {r['sem']['pick']:.2f}",
            "top-10% hit": f"{r['top_hit']:.2f} ± {r['sem']['top_hit']:.2f}",
        }
        for r in results
    ]
    print(format_table(rows))
    print("(mean ± standard error over decision points; pick percentile 1 = the truly best")
    print(" candidate, 0.5 = a random one)")
    if args.json:
        settings = {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()}
        settings["checkpoint"] = [str(c) for c in args.checkpoint]
        write_json(args.json, {"settings": settings, "machine": machine_info(), "results": results})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
