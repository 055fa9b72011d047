"""Does a world model rank action sequences the way the true simulator does?

    python benchmarks/objective_ranking.py [--checkpoint RUN ...] [--label NAME ...]
        [--quick] [--json PATH]

A planner only needs its model to *order* candidate action sequences correctly. The
benchmark runs on the skill task (``Billiards-v0`` with ``initial_speed=0, damping=1.0``
unless ``--env-kwarg`` says otherwise) at ``--states`` held-out decision points: episode
``i`` resets with seed ``--seed-base + i`` (2000 by default: apart from the evaluation
episodes at 1000 + i, and from the collectors' seeds, which come from a SeedSequence),
then takes 6 to 25 uniform random pushes. At each point, two sets of ``--candidates``
action sequences of ``--horizon`` steps are scored with the planning objective (the env's
reward summed over the horizon, ending when the target reaches the goal), once under each
model and once under the true simulator (oracle):

* **uniform**: independent uniform actions in ``[-1, 1]``;
* **cem**: the candidates a CEM planner scores around its current plan: the plan of
  oracle-CEM (population 100, 3 iterations) from this state, plus Gaussian noise of
  ``--cem-std`` times half the action range (CEM's initial std, 0.5), clipped into the
  box. This is the decision that matters in closed loop: telling the good pushes near a
  good plan from the bad ones.

Per model and candidate set, over the decision points where the true returns are not
all equal (when no candidate touches the target there is nothing to rank; counted as
``all tied``):

* **spearman**: rank correlation (``scipy.stats.spearmanr``) of the model's returns with
  the true ones (1: same order, 0: unrelated);
* **pick percentile**: where the model's favourite candidate ranks among all candidates by
  true return (1: it picks the truly best; 0.5 on average: no better than a random pick);
* **top-10% hit**: share of the model's top 10% that is in the true top 10%.

The rows ``oracle, noisy start`` are the true simulator started from a noisy state:
Gaussian noise of the given std on every position (table units) and velocity (units/s),
fresh at each decision. They show what a given state-estimation error alone costs, as a
scale for the learned models' figures. Every model sees the same decision points and
candidates; everything is seeded (``--seed``), so a rerun gives the same figures.
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
from scipy.stats import rankdata, spearmanr

import vin_gym  # noqa: F401  (registers the environments)
from planners import CEM, CEMConfig, make_objective
from vin_gym.env_kwargs import parse_env_kwargs
from vin_gym.experiments.episodes import goal_fns
from vin_gym.experiments.pipeline import vin_env_kwargs
from vin_gym.oracle import OracleWorldModel
from vin_gym.provenance import load_average, machine_info
from vin_gym.seeds import check_development
from vin_gym.utils import format_table, write_json
from vin_model.device import set_threads
from vin_model.world_model import VINWorldModel

DEFAULT_CHECKPOINT = Path(__file__).resolve().parents[1] / "vin_model" / "pretrained"
#: The skill task's env arguments (objects at rest, damping 1/s).
SKILL_TASK: dict[str, Any] = {"initial_speed": 0.0, "damping": 1.0}
#: Noisy-oracle rows: (position std, velocity std), as in the world-model issue's calibration.
NOISE_LEVELS = ("0.1,0.3", "0.3,0.6", "0.6,1.0")
CANDIDATE_SETS = ("uniform", "cem")


def compare_returns(
    model: np.ndarray, true: np.ndarray, top: float = 0.1
) -> dict[str, float] | None:
    """Spearman correlation, pick percentile and top-``top`` hit rate of ``model``'s
    returns against the ``true`` ones, for one set of candidates; ``None`` when the true
    returns all tie (no candidate touched the target: there is nothing to rank).
    Non-finite model returns rank below every finite one.

    >>> true = np.array([0.0, 1.0, 2.0, 3.0, 4.0])
    >>> compare_returns(true * 2, true)["pick"], round(compare_returns(-true, true)["spearman"], 6)
    (1.0, -1.0)
    >>> compare_returns(np.array([0.0, np.nan, 1, 2, 3]), true)["top_hit"]
    1.0
    """
    if np.ptp(true) == 0:
        return None
    finite = np.isfinite(model)
    low = model[finite].min() - 1.0 if finite.any() else 0.0
    model = np.where(finite, model, low)
    k = max(1, round(top * len(true)))
    true_ranks = rankdata(true) - 1.0  # 0..n-1, ties sharing their mean rank
    top_model = set(np.argsort(-model, kind="stable")[:k].tolist())
    top_true = set(np.argsort(-true, kind="stable")[:k].tolist())
    rho = spearmanr(model, true).statistic if np.ptp(model) > 0 else 0.0
    return {
        "spearman": float(rho),
        "pick": float(true_ranks[int(np.argmax(model))] / (len(true) - 1)),
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


def parse_noise(text: str) -> tuple[float, float]:
    """``"POS,VEL"`` to two non-negative floats."""
    try:
        pos, vel = (float(v) for v in text.split(","))
    except ValueError:
        raise ValueError(f"--noise takes POS,VEL pairs (e.g. 0.1,0.3), got {text!r}") from None
    if pos < 0 or vel < 0:
        raise ValueError(f"--noise stds must be >= 0, got {text!r}")
    return pos, vel


def candidate_sets(
    oracle: OracleWorldModel,
    objective_true: Any,
    args: argparse.Namespace,
    generator: torch.Generator,
) -> dict[str, torch.Tensor]:
    """The uniform and the CEM-like candidates ``[C, H, 2]`` of one decision point."""
    shape = (args.candidates, args.horizon, 2)
    uniform = torch.rand(shape, generator=generator) * 2.0 - 1.0
    cem = CEM(-1.0, 1.0, CEMConfig(population=100, elites=10, iterations=3), generator)
    with torch.no_grad():
        plan = cem.optimize(objective_true, torch.zeros(args.horizon, 2))
    around = plan + args.cem_std * torch.randn(shape, generator=generator)
    return {"uniform": uniform, "cem": around.clamp(-1.0, 1.0)}


def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Score every model (checkpoints, then noisy oracles) on the same decision points."""
    device = torch.device("cpu")
    frames = [vin_env_kwargs(c, {}) for c in args.checkpoint]
    if any(f != frames[0] for f in frames):
        raise ValueError(f"the checkpoints were trained on different frames: {frames}")
    env_kwargs = {**(frames[0] if frames else {"obs_size": 32}), **args.env_kwargs}
    env = gym.make(args.env, obs_mode="pixels", **env_kwargs)
    models: list[tuple[str, Any]] = [
        (label, VINWorldModel.load(c, device=device, env=env))  # each must fit the env
        for label, c in zip(args.label, args.checkpoint, strict=True)
    ]
    for j, (pos, vel) in enumerate(args.noise):
        label = f"oracle, noisy start (pos {pos}, vel {vel})"
        models.append((label, NoisyOracle(env, pos, vel, args.seed + 1 + j, device=device)))
    oracle = OracleWorldModel(env, device=device)
    rng = np.random.default_rng(args.seed)
    generator = torch.Generator().manual_seed(args.seed)
    scores = {(m, c): [] for m, _ in models for c in CANDIDATE_SETS}
    seconds = dict.fromkeys(scores, 0.0)
    ties = dict.fromkeys(CANDIDATE_SETS, 0)
    points = 0
    for i in range(args.states):
        obs, info = env.reset(seed=args.seed_base + i)
        for m in (oracle, *(m for _, m in models)):
            m.reset()
        for t in range(6 + int(rng.integers(0, 20))):
            if t:
                action = rng.uniform(-1.0, 1.0, 2).astype(np.float32)
                obs, _, terminated, truncated, info = env.step(action)
                if terminated or truncated:
                    break
            for m in (oracle, *(m for _, m in models)):
                m.observe(obs, info)
        if info["is_success"] or not all(m.ready() for _, m in models):
            continue  # the target reached the goal while warming up: nothing to plan
        points += 1
        reward_fn, termination_fn = goal_fns(env, info["goal"], device)
        objective_true = make_objective(oracle, reward_fn, 1.0, termination_fn)
        sets = candidate_sets(oracle, objective_true, args, generator)
        for cand_name, candidates in sets.items():
            true = objective_true(candidates).numpy()
            if np.ptp(true) == 0:
                ties[cand_name] += 1
                continue
            for label, model in models:
                start = time.perf_counter()
                with torch.no_grad():
                    predicted = make_objective(model, reward_fn, 1.0, termination_fn)(candidates)
                seconds[label, cand_name] += time.perf_counter() - start
                score = compare_returns(predicted.numpy(), true)
                assert score is not None
                scores[label, cand_name].append(score)
    env.close()
    results = []
    for (label, cand_name), rows in scores.items():
        n = len(rows)
        keys = ("spearman", "pick", "top_hit")
        mean = {k: float(np.mean([s[k] for s in rows])) if n else float("nan") for k in keys}
        sem = {k: float(np.std([s[k] for s in rows]) / np.sqrt(max(n, 1))) for k in keys}
        results.append(
            {
                "model": label,
                "candidates": cand_name,
                "points": n,
                "all_tied": ties[cand_name],
                **mean,
                "sem": sem,
                "model_ms": 1000.0 * seconds[label, cand_name] / max(n, 1),
            }
        )
    return results


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--checkpoint", type=Path, nargs="*", default=[DEFAULT_CHECKPOINT])
    p.add_argument("--label", nargs="*", default=None, help="names of the checkpoints' rows")
    p.add_argument("--env", default="Billiards-v0")
    p.add_argument(
        "--env-kwarg",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="env argument over the skill task's (initial_speed=0, damping=1.0)",
    )
    p.add_argument("--states", type=int, default=100, help="decision points")
    p.add_argument("--candidates", type=int, default=200, help="action sequences per set")
    p.add_argument("--horizon", type=int, default=15)
    p.add_argument("--cem-std", type=float, default=0.5, help="std of the CEM-like candidates")
    p.add_argument("--seed-base", type=int, default=2000, help="episode i resets with this + i")
    p.add_argument("--seed", type=int, default=0, help="warm-up pushes, candidates, noise")
    p.add_argument(
        "--noise",
        nargs="*",
        default=list(NOISE_LEVELS),
        metavar="POS,VEL",
        help="noisy-oracle rows (none: give the flag alone)",
    )
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--quick", action="store_true", help="20 decision points, 100 candidates")
    p.add_argument("--json", type=Path, default=None)
    args = p.parse_args(argv)
    load_start = load_average()
    if args.quick:
        args.states, args.candidates = 20, 100
    for name in ("states", "candidates", "horizon"):
        if getattr(args, name) < 1:
            p.error(f"--{name} must be >= 1, got {getattr(args, name)}")
    if args.candidates < 10:
        p.error(f"--candidates must be >= 10 (a top 10% of at least one), got {args.candidates}")
    try:
        check_development(args.seed_base, args.states, "--seed-base")
    except ValueError as exc:
        p.error(str(exc))
    for checkpoint in args.checkpoint:
        if not checkpoint.exists():
            p.error(f"--checkpoint {checkpoint} does not exist")
    args.label = args.label or [str(c) for c in args.checkpoint]
    if len(args.label) != len(args.checkpoint):
        p.error(f"--label needs one name per checkpoint ({len(args.checkpoint)})")
    try:
        args.noise = [parse_noise(t) for t in args.noise]
        args.env_kwargs = {**SKILL_TASK, **parse_env_kwargs(args.env, args.env_kwarg)}
    except ValueError as exc:
        p.error(str(exc))
    set_threads(args.threads)
    results = run(args)
    rows = [
        {
            "model": r["model"],
            "candidates": r["candidates"],
            "points": r["points"],
            "all tied": r["all_tied"],
            "spearman": f"{r['spearman']:.2f} ± {r['sem']['spearman']:.2f}",
            "top-10% hit": f"{r['top_hit']:.2f} ± {r['sem']['top_hit']:.2f}",
            "pick percentile": f"{r['pick']:.2f} ± {r['sem']['pick']:.2f}",
            "model ms": f"{r['model_ms']:.0f}",
        }
        for r in sorted(results, key=lambda r: r["candidates"] != "cem")
    ]
    print(format_table(rows))
    print("(mean ± standard error over decision points; pick percentile 1 = the truly best")
    print(" candidate, 0.5 = a random one; model ms: one set of candidates)")
    if args.json:
        settings = {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()}
        settings["checkpoint"] = [str(c) for c in args.checkpoint]
        write_json(
            args.json,
            {
                "settings": settings,
                "machine": machine_info(load_start=load_start),
                "results": results,
            },
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
