"""The VIN as a batched world model: rollout throughput at planning populations.

Model steps per second (sequences times steps) of one batched rollout of ``--horizon``
steps (the MPC horizon by default) at populations of 1,000 to 10,000, for the VIN of 3 and
of 6 objects (the shipped ``pretrained:Springs-v0`` and ``pretrained:Springs-v0/6`` where
shipped; a rollout's cost depends on the config only, so an untrained VIN of the default
config stands in otherwise), on the CPU with 1 and with 2 torch threads and, where CUDA is
available, on the GPU in the same run. Best of ``--repeats`` timings after a warm-up.

    python benchmarks/rollout_throughput.py            # CPU, and the GPU where there is one
    python benchmarks/rollout_throughput.py --quick    # seconds
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path
from typing import Any

SCRIPT = "benchmarks/rollout_throughput.py"
#: The models timed: label -> (shipped system, objects of the stand-in).
MODELS = {"VIN, 3 objects": ("Springs-v0", 3), "VIN, 6 objects": ("Springs-v0/6", 6)}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    from planners import MPCConfig

    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument(
        "--populations", type=int, nargs="+", default=[1000, 3000, 10000], help="sequences"
    )
    p.add_argument("--horizon", type=int, default=MPCConfig.horizon, help="steps per sequence")
    p.add_argument("--repeats", type=int, default=3, help="timings per cell (the best is kept)")
    p.add_argument("--threads", type=int, nargs="+", default=[1, 2], help="CPU torch thread counts")
    p.add_argument("--no-cuda", action="store_true", help="CPU only, even with a GPU")
    p.add_argument("--quick", action="store_true", help="one small population (seconds)")
    p.add_argument("--json", type=Path, default=Path("benchmarks/results/rollout_throughput.json"))
    args = p.parse_args(argv)
    if args.quick:
        args.populations, args.horizon, args.repeats, args.threads = [100], 5, 1, [1]
    return args


def check_args(args: argparse.Namespace) -> str | None:
    """The one line that says what is wrong with the arguments, or ``None``."""
    for flag in ("horizon", "repeats"):
        if getattr(args, flag) < 1:
            return f"--{flag} {getattr(args, flag)}: expected an integer >= 1"
    if min(args.populations) < 1:
        return f"--populations {args.populations}: expected integers >= 1"
    if min(args.threads) < 1:
        return f"--threads {args.threads}: expected integers >= 1"
    return None


def world_model(system: str, n_objects: int, device) -> tuple[Any, str]:
    """The shipped VIN of ``system``, or an untrained one of the same size: ready to roll."""
    from vin_model import VINConfig, pretrained
    from vin_model.throughput import ready_world_model

    if system in pretrained.shipped_systems():
        return ready_world_model(pretrained.load(device, system=system), device), (
            f"pretrained:{system}"
        )
    return ready_world_model(VINConfig(n_objects=n_objects), device), "untrained VINConfig"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    problem = check_args(args)
    if problem is not None:
        print(f"rollout_throughput.py: error: {problem}", file=sys.stderr)
        return 2
    import torch

    from vin_gym.provenance import load_average, machine_info, package_versions
    from vin_gym.utils import format_table, write_json
    from vin_model import set_threads
    from vin_model.throughput import rollout_rate

    load_start = load_average()
    places = [("cpu", t) for t in args.threads]
    if torch.cuda.is_available() and not args.no_cuda:
        places.append(("cuda", None))
    rows = []
    for label, (system, n) in MODELS.items():
        for device, threads in places:
            if threads is not None:
                set_threads(threads)
            model, source = world_model(system, n, torch.device(device))
            for row in rollout_rate(model, tuple(args.populations), args.horizon, args.repeats):
                rows.append(
                    {"model": label, "weights": source, "device": device, "threads": threads} | row
                )
    print(format_table(rows))
    record = {
        "benchmark": "rollout_throughput",
        "command": shlex.join(["python", SCRIPT, *(sys.argv[1:] if argv is None else argv)]),
        "quick": args.quick,
        "cuda": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
        "versions": package_versions(),
        "machine": machine_info(load_start=load_start),
        "rows": rows,
    }
    write_json(args.json, record)
    print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
