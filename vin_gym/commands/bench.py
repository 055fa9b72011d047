"""``vin-gym bench NAME``: run one of the repository's benchmarks (``benchmarks/NAME.py``).

The benchmarks live beside the package in a source checkout; each prints a table and
writes JSON under ``benchmarks/results/``. Extra arguments go to the benchmark, e.g.
``vin-gym bench env_throughput --quick``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path


def benchmarks_dir() -> Path:
    import vin_gym

    return Path(vin_gym.__file__).resolve().parents[1] / "benchmarks"


#: One line for ``vin-gym --help``.
HELP = "run a benchmark from benchmarks/ (source checkout)"


def add_parser(sub: argparse._SubParsersAction, name: str) -> None:
    p = sub.add_parser(
        name,
        help=HELP,
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "benchmark",
        nargs="?",
        default=None,
        help="benchmark name, e.g. env_throughput; omit to list them",
    )
    p.add_argument("args", nargs=argparse.REMAINDER, help="arguments for the benchmark")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    folder = benchmarks_dir()
    if not folder.is_dir():
        raise FileNotFoundError(
            f"no benchmarks/ folder beside the package ({folder}); the benchmarks ship with "
            "the source checkout, not the installed package"
        )
    available = sorted(p.stem for p in folder.glob("*.py") if not p.stem.startswith("_"))
    if args.benchmark is None:
        print("benchmarks: " + ", ".join(available))
        return 0
    if args.benchmark not in available:
        raise ValueError(f"unknown benchmark {args.benchmark!r}; expected one of {available}")
    script = folder / f"{args.benchmark}.py"
    return subprocess.call([sys.executable, str(script), *args.args], cwd=folder.parent)
