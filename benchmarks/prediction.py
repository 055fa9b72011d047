"""Prediction accuracy at equal training steps: train a VIN for a fixed budget, then evaluate.

Trains on ``--data`` for ``--steps`` optimiser steps (CPU by default, one thread; the
same seed gives the same run on any machine),
then measures the mean squared position error per coordinate and the mean Euclidean
error per object at every rollout step up to ``--horizon`` on held-out episodes (the
``val`` split of ``--data``, or every episode of ``--test``), next to the constant-position
and constant-velocity baselines, and optionally the two ablations trained on the same
number of steps. Prints the table of the issue (steps 1, 2, 4, 8, mean 1-8, 50, 100) and writes
JSON.

    python benchmarks/prediction.py --data DATA --test TEST --steps 10000 --ablations
    python benchmarks/prediction.py --quick     # collects a tiny dataset, under a minute
"""

from __future__ import annotations

import argparse
import shlex
import sys
import tempfile
import time
from pathlib import Path

from vin_gym.experiments.training import train_config
from vin_gym.provenance import load_average, machine_info
from vin_gym.utils import format_table, write_json
from vin_model import VINConfig, set_threads
from vin_model.evaluate import evaluate, summary_rows
from vin_model.training import fit, open_clips


def tiny_dataset(root: Path) -> tuple[Path, Path]:
    from vin_gym.data import CollectConfig, collect

    env = ("SeedBilliards-v0", {"obs_size": 32})
    collect(
        CollectConfig(*env, policy="zero", episodes=30, steps=59, progress=False), root / "train"
    )
    collect(
        CollectConfig(*env, policy="zero", episodes=8, steps=69, seed=1, progress=False),
        root / "test",
    )
    return root / "train", root / "test"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", type=Path, nargs="+", help="training dataset directories")
    p.add_argument("--test", type=Path, nargs="+", help="test datasets (default: val split)")
    p.add_argument("--steps", type=int, default=10_000, help="training steps per model")
    p.add_argument("--batch-size", type=int, default=100, help="training clips per step")
    p.add_argument("--seed", type=int, default=0, help="seed of training")
    p.add_argument("--horizon", type=int, default=100)
    p.add_argument("--rollout", type=int, default=8, help="training rollout at the start")
    p.add_argument("--rollout-max", type=int, default=48, help="at the end of the curriculum")
    p.add_argument("--code-noise", type=float, default=0.0)
    p.add_argument("--discount", type=float, default=0.95)
    p.add_argument(
        "--ablations",
        action="store_true",
        help="also train 'VIN without relations' and 'IN from state'",
    )
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--device", default="cpu")
    p.add_argument("--out", type=Path, default=None, help="run directories (default: temp)")
    p.add_argument("--quick", action="store_true", help="tiny data and budget (under a minute)")
    p.add_argument("--json", type=Path, default=Path("benchmarks/results/prediction.json"))
    args = p.parse_args()
    load_start = load_average()
    set_threads(args.threads)
    tmp = Path(tempfile.mkdtemp(prefix="vin_prediction_"))
    if args.quick:
        args.steps, args.batch_size, args.horizon = 30, 20, min(args.horizon, 60)
        if not args.data:
            args.data, args.test = (lambda t: ([t[0]], [t[1]]))(tiny_dataset(tmp / "data"))
    if not args.data:
        p.error("--data is required unless --quick")
    out = args.out or tmp / "runs"
    cfg = train_config(
        steps=args.steps,
        seed=args.seed,
        rollout_start=args.rollout,
        rollout_max=max(args.rollout, args.rollout_max),
        discount=args.discount,
        code_noise=args.code_noise,
        device=args.device,
        threads=args.threads,
        batch_size=args.batch_size,
        checkpoint_every=1000,
    )
    train_clips = open_clips(args.data, 6, cfg.rollout_max, "train")
    meta = train_clips.meta
    base = VINConfig.for_data(meta)
    variants = {"VIN": base}
    if args.ablations:
        variants["VIN without relations"] = VINConfig(**(base.to_dict() | {"relations": False}))
        variants["IN from state"] = VINConfig(**(base.to_dict() | {"state_input": True}))
    models, training = {}, {}
    for i, (name, config) in enumerate(variants.items()):
        t0 = time.perf_counter()
        model, summary = fit(out / f"model{i}", train_clips, None, config, cfg)
        models[name] = model.eval()
        training[name] = {
            "steps": summary["step"],
            "steps_per_s": summary["steps_per_s"],
            "minutes": (time.perf_counter() - t0) / 60,
        }
        print(f"{name}: {summary['step']} steps in {training[name]['minutes']:.1f} min", flush=True)
    if args.test:
        lengths = open_clips(args.test, 6, 0, "all").episodes.episode_length
        horizon = min(args.horizon, lengths - 6)
        clips = open_clips(args.test, 6, horizon, "all")
    else:
        horizon = min(args.horizon, train_clips.episodes.episode_length - 6)
        clips = open_clips(args.data, 6, horizon, "val")
    result = evaluate(models, clips, horizon, dt=float(meta.get("dt", 0.1)), device=args.device)
    result.pop("_sample")
    rows = summary_rows(result, "mse") + summary_rows(result, "euclid")
    print(format_table(rows))
    write_json(
        args.json,
        {
            "benchmark": "prediction",
            "command": shlex.join(["python", "benchmarks/prediction.py", *sys.argv[1:]]),
            "quick": args.quick,
            "machine": machine_info(load_start=load_start),
            "steps": args.steps,
            "train_config": vars(cfg),
            "data": [str(d) for d in args.data],
            "training": training,
            "table": rows,
            **result,
        },
    )
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
