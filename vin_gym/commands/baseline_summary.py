"""``vin-gym baseline-summary``: summarise ``vin-gym baseline`` runs over seeds.

Prints a table of the success rate (mean and std over seeds) at each evaluation point,
one row per algorithm and observation; with ``--out``, also writes ``summary.json``,
``summary.md`` and ``success.png`` there (e.g. ``vin-gym baseline-summary runs/sb3/*
--out docs/results/sb3``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

#: One line for ``vin-gym --help``.
HELP = "summarise Stable-Baselines3 runs over seeds"


def add_parser(sub: argparse._SubParsersAction, name: str) -> None:
    p = sub.add_parser(name, help=HELP, description=__doc__)
    p.add_argument(
        "runs", nargs="+", type=Path, metavar="RUN", help="run directories of vin-gym baseline"
    )
    p.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="DIR",
        help="write summary.json, summary.md and success.png here",
    )
    p.add_argument(
        "--partial", action="store_true", help="include runs still going (no summary.json)"
    )
    p.add_argument("--notes", default="", help="text for the Notes section of summary.md")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from vin_gym.baselines.summary import markdown, runs_provenance, summarize_runs, write_summary

    marker = "evaluations.json" if args.partial else "summary.json"
    runs = [r for r in args.runs if (r / marker).is_file()]
    skipped = sorted(set(args.runs) - set(runs))
    if skipped:
        print(f"skipping (no {marker}): {', '.join(map(str, skipped))}")
    if not runs:
        raise ValueError(f"no finished run among {len(args.runs)} (none holds {marker})")
    rows = summarize_runs(runs)
    print(markdown(rows))
    if args.out is not None:
        extra = {"runs": [str(r) for r in runs], **runs_provenance(runs), "notes": args.notes}
        write_summary(rows, args.out, extra)
        print(f"wrote summary.json, summary.md and success.png in {args.out}")
    return 0
