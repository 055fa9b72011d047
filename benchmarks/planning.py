"""Planning: milliseconds per decision, model rollout rate, success at equal budgets.

    python benchmarks/planning.py [--quick] [--device auto] [--json PATH]

1. Latency with the VIN world model: each planner at populations 100, 300, 1,000, 3,000
   and horizons 10 and 20; the time inside the model's rollouts is measured separately, so
   the planner's own overhead (sampling, sorting, refitting) is the difference. The model
   is a trained checkpoint when ``--checkpoint`` is given, otherwise an **untrained** VIN
   with the default ``VINConfig`` (same architecture and cost; labelled as such).
2. The headline planner: one decision of the default planner with the project's settings
   (iCEM with ``ICEMConfig`` and ``MPCConfig`` defaults: population 100 shrinking by 1.25
   per iteration, 10 elites, 3 iterations, horizon 25;
   target: at most 100 ms on this 2-core CPU with the shipped model, ``--checkpoint
   vin_model/pretrained``), the model's share of it, the FLOPs of its rollouts
   (``torch.utils.flop_counter``) and the FLOP/s they reach.
3. The model's raw rollout rate in object-steps per second.
4. Success rate on Billiards-v0 with the **oracle** (true simulator) at equal sample
   budgets per decision, beside random actions, plus iCEM at a third of the budget.
   Episode ``i`` uses seed ``i`` and the planner seed 0, as ``vin-gym plan --seed 0
   --planner-seed 0`` does (development episodes, :mod:`vin_gym.seeds`).
"""

from __future__ import annotations

import argparse
import dataclasses
import platform
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import torch
from tqdm import tqdm

import vin_gym  # noqa: F401  (registers the environments)
from planners import PLANNERS as OPTIMIZERS
from planners import MPCAgent, MPCConfig, Optimizer
from vin_gym.experiments.episodes import (
    DEFAULT_PLANNER,
    MPCPolicy,
    make_optimizer,
    run_episode,
    summarize,
)
from vin_gym.oracle import OracleWorldModel
from vin_gym.provenance import load_average, machine_info
from vin_gym.seeds import check_development
from vin_gym.utils import format_table, write_json
from vin_model.device import get_device, set_threads
from vin_model.throughput import ready_world_model, rollout_rate, sync
from vin_model.world_model import VINWorldModel

PLANNERS = ("random", "cem", "icem", "mppi")
ITERATIONS = 3  # for the iterative planners in the latency sweep and the budgets


def vin_model(checkpoint: Path | None, device: torch.device) -> tuple[VINWorldModel, str]:
    if checkpoint is not None:
        model = VINWorldModel.load(checkpoint, device=device)
        label = f"VIN checkpoint {checkpoint}"
    else:
        model = None
        label = "untrained VIN, default VINConfig (latency only)"
    return ready_world_model(model, device), label


def timed_objective(model, device: torch.device) -> tuple[Callable, list[float]]:
    """A toy-reward objective over ``model`` that records the time spent in the model."""
    spent: list[float] = []
    goal = torch.tensor([7.0, 3.0], device=device)

    def objective(actions: torch.Tensor) -> torch.Tensor:
        sync(device)
        start = time.perf_counter()
        states = model.rollout(actions)  # [B, H, N, 4]
        sync(device)
        spent.append(time.perf_counter() - start)
        return -(states[..., 1, :2] - goal).norm(dim=-1).sum(dim=1)

    return objective, spent


def decision_ms(
    optimizer: Optimizer, model, horizon: int, device: torch.device, repeats: int
) -> dict[str, float]:
    """Median ms per decision and the share of it spent outside the model."""
    objective, spent = timed_objective(model, device)
    init = torch.zeros(horizon, 2, device=device)
    optimizer.optimize(objective, init)  # warm-up
    totals, in_model = [], []
    for _ in range(repeats):
        spent.clear()
        sync(device)
        start = time.perf_counter()
        optimizer.optimize(objective, init)
        sync(device)
        totals.append(time.perf_counter() - start)
        in_model.append(sum(spent))
    i = int(np.argsort(totals)[len(totals) // 2])
    total, model_s = totals[i], in_model[i]
    return {
        "ms_per_decision": 1000 * total,
        "model_ms": 1000 * model_s,
        "overhead_pct_of_model": 100 * (total - model_s) / model_s,
        "samples": optimizer.last_samples,
    }


def latency_sweep(model, device, populations, horizons, repeats) -> list[dict[str, Any]]:
    rows = []
    gen = torch.Generator(device=device).manual_seed(0)
    cells = [(p, h, n) for n in PLANNERS for p in populations for h in horizons]
    for pop, horizon, name in tqdm(cells, desc="latency", unit="cell"):
        sizes = {"population": pop, "iterations": ITERATIONS, "elites": max(2, pop // 10)}
        known = {f.name for f in dataclasses.fields(OPTIMIZERS[name][1])}
        opt = make_optimizer(name, {k: v for k, v in sizes.items() if k in known}, gen)
        rows.append(
            {
                "planner": name,
                "population": pop,
                "horizon": horizon,
                **decision_ms(opt, model, horizon, device, repeats),
            }
        )
    return rows


def rollout_flops(model, batch: int, horizon: int, device: torch.device) -> float:
    """FLOPs of one batched rollout of ``batch`` sequences of ``horizon`` actions (matrix
    products and convolutions, as ``torch.utils.flop_counter`` counts them)."""
    from torch.utils.flop_counter import FlopCounterMode

    actions = torch.zeros(batch, horizon, 2, device=device)
    with FlopCounterMode(display=False) as counter:
        model.rollout(actions)
    return float(counter.get_total_flops())


def budget_overrides(name: str, budget: int) -> dict[str, Any]:
    """Planner settings spending about ``budget`` model rollouts per decision."""
    if name == "random":
        return {"population": budget}
    if name in ("cem", "mppi"):
        pop = max(budget // ITERATIONS, 4)
        elites = {"elites": max(2, pop // 10)} if name == "cem" else {}
        return {"population": pop, "iterations": ITERATIONS, **elites}
    from planners import ICEMConfig

    # iCEM: decaying populations plus kept elites plus the mean; search the first size.
    for pop in range(budget, 3, -1):
        cfg = ICEMConfig(population=pop, elites=max(2, pop // 10), iterations=ITERATIONS)
        keep = round(cfg.keep_elites * cfg.elites)
        spent = sum(cfg.population_at(i) for i in range(ITERATIONS)) + ITERATIONS * keep + 1
        if spent <= budget:
            return {"population": pop, "elites": cfg.elites, "iterations": ITERATIONS}
    raise ValueError(f"budget {budget} is too small for iCEM")


def random_actions(env: gym.Env, seed: int) -> dict[str, Any]:
    """One episode of uniform random pushes, from a generator seeded by the episode's seed."""
    rng = np.random.default_rng(seed)
    return run_episode(env, lambda obs, info: rng.uniform(-1, 1, 2), seed)


def success_at_budgets(budget: int, episodes: int, horizon: int) -> list[dict[str, Any]]:
    env = gym.make("Billiards-v0", obs_mode="state")
    rows = [
        {
            "planner": "random actions",
            "budget": 0,
            **summarize([random_actions(env, i) for i in range(episodes)]),
        }
    ]
    runs = [(name, budget) for name in PLANNERS] + [("icem", budget // 3)]
    for name, b in runs:
        model = OracleWorldModel(env)
        gen = torch.Generator().manual_seed(0)
        agent = MPCAgent(
            model,
            make_optimizer(name, budget_overrides(name, b), gen),
            config=MPCConfig(horizon=horizon),
        )
        policy = MPCPolicy(env, agent)
        eps = [
            run_episode(env, policy, i)
            for i in tqdm(range(episodes), desc=f"oracle {name} @{b}", unit="ep")
        ]
        summary = summarize(eps)
        rows.append(
            {
                "planner": name,
                "budget": b,
                **summary,
                "samples_per_decision": agent.optimizer.last_samples,
            }
        )
    env.close()
    return rows


def latency_part(args: argparse.Namespace, device: torch.device) -> tuple:
    """Parts 1 to 3: latency sweep, the headline planner, the raw rollout rate."""
    populations = (100,) if args.quick else (100, 300, 1000, 3000)
    horizons = (10,) if args.quick else (10, 20)
    repeats = 1 if args.quick else 5
    model, label = vin_model(args.checkpoint, device)
    print(f"world model for latency: {label} on {device}")

    latency = []
    if not args.headline_only:
        latency = latency_sweep(model, device, populations, horizons, repeats)
        print(format_table(latency))
    gen = torch.Generator(device=device).manual_seed(0)
    target_opt = make_optimizer(DEFAULT_PLANNER, {}, gen)  # the project's settings
    cfg, horizon = target_opt.config, MPCConfig.horizon
    target = {
        "planner": DEFAULT_PLANNER,
        "population": cfg.population,
        "elites": cfg.elites,
        "iterations": cfg.iterations,
        "horizon": horizon,
        **decision_ms(target_opt, model, horizon, device, max(repeats, 5)),
    }
    flops = rollout_flops(model, target["samples"], horizon, device)
    target["model_share_pct"] = 100 * target["model_ms"] / target["ms_per_decision"]
    target["gflop_per_decision"] = flops / 1e9
    target["model_gflop_per_s"] = flops / 1e9 / (target["model_ms"] / 1000)
    target["meets_100ms"] = target["ms_per_decision"] <= 100
    sizes = f"{cfg.population}/{cfg.elites}/{cfg.iterations}"
    print(f"\nthe headline planner ({DEFAULT_PLANNER} {sizes}, H {horizon}):")
    print(format_table([target]))
    if args.headline_only:
        return latency, target, [], label
    rates = rollout_rate(model, (100,) if args.quick else (100, 1000, 3000), 15, repeats)
    print("\nraw rollout rate:")
    print(format_table(rates))

    return latency, target, rates, label


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sweep (under a minute)")
    parser.add_argument("--device", default="cpu", help="cpu, cuda, auto")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (0: default)")
    parser.add_argument(
        "--checkpoint",
        type=Path,
        default=None,
        help="a trained VIN for the latency part (default: untrained)",
    )
    parser.add_argument(
        "--episodes",
        type=int,
        default=None,
        help="oracle episodes per planner (default 50, quick 2)",
    )
    parser.add_argument(
        "--budget",
        type=int,
        default=300,
        help="model rollouts per decision for the success comparison",
    )
    parser.add_argument("--skip-success", action="store_true", help="latency only")
    parser.add_argument(
        "--headline-only",
        action="store_true",
        help="only the headline planner's decision (part 2); implies --skip-success",
    )
    parser.add_argument("--skip-latency", action="store_true", help="oracle success only")
    parser.add_argument("--json", type=Path, default=Path("benchmarks/results/planning.json"))
    args = parser.parse_args()
    load_start = load_average()
    try:  # the success part's episodes are seeded 0, 1, ...: development episodes
        check_development(0, args.episodes or 50, "--episodes: the first episode's seed")
    except ValueError as exc:
        parser.error(str(exc))
    set_threads(args.threads)
    device = get_device(args.device)

    latency: list[dict[str, Any]] = []
    target: dict[str, Any] = {}
    rates: list[dict[str, Any]] = []
    label = None
    if not args.skip_latency:
        latency, target, rates, label = latency_part(args, device)
    success: list[dict[str, Any]] = []
    if not (args.skip_success or args.headline_only):
        episodes = args.episodes or (2 if args.quick else 50)
        budget = min(args.budget, 60) if args.quick else args.budget
        success = success_at_budgets(budget, episodes, horizon=15)
        print(f"\noracle success on Billiards-v0, {episodes} episodes (seeds 0..):")
        print(
            format_table(
                success,
                [
                    "planner",
                    "budget",
                    "episodes",
                    "success_rate",
                    "mean_return",
                    "mean_steps_to_success",
                    "ms_per_decision",
                    "samples_per_decision",
                ],
            )
        )

    write_json(
        args.json,
        {
            "benchmark": "planning",
            "quick": args.quick,
            "device": str(device),
            "threads": args.threads,
            "world_model": label,
            "cpu": platform.processor(),
            "machine": machine_info(load_start=load_start),
            "torch": torch.__version__,
            "latency": latency,
            "cem_target": target,
            "rollout_rate": rates,
            "success": success,
        },
    )
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
