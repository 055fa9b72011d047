"""Arguments and output shared by the subcommands."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from vin_gym.utils import format_table, write_json


def add_json_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--json",
        type=Path,
        metavar="PATH",
        default=None,
        help="also write the results as JSON to PATH",
    )


def add_device_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--device",
        default="auto",
        help="torch device: auto (CUDA when available), cpu, cuda, cuda:N",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch CPU threads (small networks on few cores are often "
        "fastest with 1; 0 keeps torch's default)",
    )


def report(
    results: dict[str, Any],
    rows: list[dict[str, Any]] | None,
    json_path: Path | None,
    columns: list[str] | None = None,
) -> None:
    """Print a table (or the results) and write JSON when asked."""
    if rows:
        print(format_table(rows, columns))
    else:
        print(json.dumps(results, indent=2, default=str))
    if json_path is not None:
        write_json(json_path, results)
        print(f"wrote {json_path}")
