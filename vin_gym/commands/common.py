"""Arguments and output shared by the subcommands."""

from __future__ import annotations

import argparse
import json
import os
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


def add_env_kwargs_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--env-kwargs",
        "--env-kwarg",
        nargs="+",
        action="extend",
        default=[],
        metavar="KEY=VALUE",
        help="environment arguments for gym.make, e.g. damping=0.5 show_goal=false "
        "(numbers, true/false, none, strings; unknown keys are refused); recorded in the results",
    )


def env_kwargs_from(args: argparse.Namespace) -> dict[str, Any]:
    """``--env-kwargs`` of ``args.env`` as typed keyword arguments."""
    from vin_gym.env_kwargs import parse_env_kwargs

    return parse_env_kwargs(args.env, args.env_kwargs)


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


#: Options naming an output file, checked before a command runs (:func:`check_outputs`).
OUTPUT_FILES = ("json", "video")


def check_outputs(args: argparse.Namespace) -> None:
    """Check ``--env`` and the output files a command will write (``--json``,
    ``--video``) before it runs, so that a long run's results are never lost at the end.

    Raises:
        ValueError: An unknown env id (listing the registered ones); an output path that
            is a directory, lies under a file, or in a directory that cannot be written.
    """
    env_id = getattr(args, "env", None)
    if isinstance(env_id, str):  # an unknown id: the registered ones, before any work
        from vin_gym.registration import check_env_id

        check_env_id(env_id)
    for name in OUTPUT_FILES:
        path = getattr(args, name, None)
        if path is None:
            continue
        path, option = Path(path), "--" + name
        if path.is_dir():
            raise ValueError(f"{option} {path} is a directory; expected a file path")
        parent = path.parent
        while not parent.exists() and parent != parent.parent:
            parent = parent.parent
        if not parent.is_dir():
            raise ValueError(f"{option} {path}: {parent} is a file, not a directory")
        if not os.access(parent, os.W_OK | os.X_OK):
            raise ValueError(f"{option} {path}: the directory {parent} is not writable")
