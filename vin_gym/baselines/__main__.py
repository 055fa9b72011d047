"""``python -m vin_gym.baselines RUN_DIR... [--out DIR]``: summarise runs over seeds."""

from __future__ import annotations

import argparse
from pathlib import Path

from vin_gym.baselines.summary import markdown, runs_provenance, summarize_runs, write_summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m vin_gym.baselines", description="Summarise SB3 baseline runs over seeds."
    )
    parser.add_argument("runs", nargs="+", type=Path, help="run directories")
    parser.add_argument(
        "--out", type=Path, default=None, help="write summary.json and summary.md here"
    )
    parser.add_argument(
        "--partial", action="store_true", help="include runs still going (no summary.json)"
    )
    parser.add_argument("--notes", default="", help="text for the Notes section of summary.md")
    args = parser.parse_args(argv)
    marker = "evaluations.json" if args.partial else "summary.json"
    runs = [r for r in args.runs if (r / marker).is_file()]
    skipped = sorted(set(args.runs) - set(runs))
    if skipped:
        print(f"skipping (no {marker}): {', '.join(map(str, skipped))}")
    rows = summarize_runs(runs)
    print(markdown(rows))
    if args.out is not None:
        extra = {"runs": [str(r) for r in runs], **runs_provenance(runs), "notes": args.notes}
        write_summary(rows, args.out, extra)
        print(f"wrote summary.json, summary.md and success.png in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
