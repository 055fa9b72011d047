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


def source_checkout() -> Path | None:
    """The vin-gym source checkout this package runs from (its ``pyproject.toml`` names
    vin-gym and ``benchmarks/`` lies beside it), or ``None`` for an installed package,
    whose parent folder (``site-packages``) may hold another project's ``benchmarks``."""
    import tomllib

    import vin_gym

    root = Path(vin_gym.__file__).resolve().parents[1]
    try:
        with open(root / "pyproject.toml", "rb") as f:
            name = tomllib.load(f).get("project", {}).get("name")
    except (OSError, tomllib.TOMLDecodeError):
        return None
    return root if name == "vin-gym" and (root / "benchmarks").is_dir() else None


#: One line for ``vin-gym --help``.
HELP = "run a benchmark from benchmarks/ (from a source checkout only)"


def add_parser(sub: argparse._SubParsersAction, name: str) -> None:
    p = sub.add_parser(
        name,
        help=HELP,
        description=__doc__,
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
    root = source_checkout()
    if root is None:
        print(
            "vin-gym bench: the benchmarks run from a source checkout (clone the repository, "
            'pip install -e ".[model]" there); this installed package does not carry them',
            file=sys.stderr,
        )
        return 2
    folder = root / "benchmarks"
    available = sorted(p.stem for p in folder.glob("*.py") if not p.stem.startswith("_"))
    if args.benchmark is None:
        print("benchmarks: " + ", ".join(available))
        return 0
    if args.benchmark not in available:
        raise ValueError(f"unknown benchmark {args.benchmark!r}; expected one of {available}")
    script = folder / f"{args.benchmark}.py"
    return subprocess.call([sys.executable, str(script), *args.args], cwd=folder.parent)
