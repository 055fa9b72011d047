"""``vin-gym inspect``: summarise datasets and verify every shard's checksum.

Exits non-zero, naming the file, when a shard is missing, truncated or corrupted.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from vin_gym.commands.common import add_json_arg, report

#: One line for ``vin-gym --help``.
HELP = "summarise datasets and verify their shards"


def add_parser(sub: argparse._SubParsersAction, name: str) -> None:
    p = sub.add_parser(name, help=HELP, description=__doc__)
    p.add_argument("dirs", type=Path, nargs="+", metavar="DIR", help="dataset directories")
    p.add_argument(
        "--no-checksums",
        action="store_true",
        help="check sizes and headers only (fast), not sha256 checksums",
    )
    add_json_arg(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from vin_gym.data.summary import summarise

    rows = [summarise(d, checksums=not args.no_checksums) for d in args.dirs]
    report({"datasets": rows}, rows, args.json)
    return 0
