"""``vin-gym export-minari``: write a dataset as a Minari dataset for offline RL libraries.

Observations are the stored frames (lossless), rewards and terminations the env task's
computed from the stored states and goals, truncations the time limit; ``infos`` hold the
true states and the goal. Load it with ``minari.load_dataset(NAME)`` (set
``MINARI_DATASETS_PATH`` to ``--root`` if you gave one). Needs
``pip install 'vin-gym[minari]'``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from vin_gym.commands.common import add_json_arg, report

#: One line for ``vin-gym --help``.
HELP = "write a dataset as a Minari dataset (offline RL)"


def add_parser(sub: argparse._SubParsersAction, name: str) -> None:
    p = sub.add_parser(
        name,
        help=HELP,
        description=__doc__,
    )
    p.add_argument(
        "dirs",
        type=Path,
        nargs="+",
        metavar="DIR",
        help="dataset directories (several are read as one, e.g. the parts of --shard i/n)",
    )
    p.add_argument(
        "--out",
        required=True,
        metavar="NAME",
        help="Minari dataset id, (namespace/)name-vN, e.g. vin-gym/billiards/random-v0",
    )
    p.add_argument(
        "--root",
        type=Path,
        default=None,
        help="Minari's datasets directory (default: $MINARI_DATASETS_PATH, else "
        "~/.minari/datasets); the dataset goes to ROOT/NAME",
    )
    p.add_argument(
        "--stop-at-success",
        action="store_true",
        help="end each episode at its first success, as the env would (collected "
        "episodes run their full length)",
    )
    p.add_argument("--author", default=None, help="recorded in Minari's metadata")
    p.add_argument("--author-email", default=None, help="recorded in Minari's metadata")
    p.add_argument("--code-permalink", default=None, help="recorded in Minari's metadata")
    add_json_arg(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import time

    from vin_gym.data.minari_export import default_root, export_minari

    start = time.perf_counter()
    dataset = export_minari(
        args.dirs,
        args.out,
        args.root,
        stop_at_success=args.stop_at_success,
        author=args.author,
        author_email=args.author_email,
        code_permalink=args.code_permalink,
    )
    root = args.root if args.root is not None else default_root()
    results = {
        "name": args.out,
        "episodes": dataset.total_episodes,
        "steps": dataset.total_steps,
        "megabytes": dataset.storage.metadata.get("dataset_size"),
        "seconds": round(time.perf_counter() - start, 3),
        "path": str(root / args.out),
    }
    report(results, [results], args.json)
    if args.root is not None:
        print(f"load it with MINARI_DATASETS_PATH={root} and minari.load_dataset({args.out!r})")
    return 0
