"""``vin-gym import-mat``: convert one of the seed's ``.mat`` files into a dataset directory.

Frames keep the seed's axes (they already match this project's: x along columns, y along
rows); velocities go from box units per frame to units per second.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from vin_gym.commands.common import add_json_arg, report

#: One line for ``vin-gym --help``.
HELP = "convert a seed .mat file into a dataset directory"


def add_parser(sub: argparse._SubParsersAction, name: str) -> None:
    p = sub.add_parser(
        name,
        help=HELP,
        description=__doc__,
    )
    p.add_argument("file", type=Path, metavar="FILE.mat", help="the seed's .mat file (X, y)")
    p.add_argument("--out", type=Path, required=True, help="dataset directory to write")
    p.add_argument("--dt", type=float, default=0.1, help="seconds per frame")
    p.add_argument("--radius", type=float, default=1.2, help="ball radius (table units)")
    p.add_argument("--episodes-per-shard", type=int, default=100, help="episodes per shard file")
    add_json_arg(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from vin_gym.data import import_mat
    from vin_gym.dataclass_args import flags_in_errors
    from vin_gym.locking import hold_directory

    # the library names its parameters (out, episodes_per_shard); the command, its flags
    with hold_directory(args.out, "dataset"), flags_in_errors("out", "episodes_per_shard"):
        manifest = import_mat(
            args.file,
            args.out,
            dt=args.dt,
            radius=args.radius,
            episodes_per_shard=args.episodes_per_shard,
        )
    size = sum(f["bytes"] for s in manifest["shards"] for f in s["files"].values())
    results = {
        "file": str(args.file),
        "episodes": manifest["num_episodes"],
        "frames": manifest["num_episodes"] * manifest["episode_length"],
        "objects": manifest["meta"]["n_objects"],
        "shards": manifest["num_shards"],
        "megabytes": round(size / 1e6, 2),
        "out": str(args.out),
    }
    report(results, [results], args.json)
    return 0
