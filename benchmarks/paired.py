"""Success episode by episode: what one method gains and loses against another, and how
many of several runs solve each episode.

    python benchmarks/paired.py --a A_s0.json A_s1.json --b B_s0.json B_s1.json
    python benchmarks/paired.py --count RUN_s0.json RUN_s1.json RUN_s2.json

Every file is a ``vin-gym plan --json`` record or a ``vin-gym compare`` cell
(``cells/*.json``): both list ``per_episode``, each episode with its seed and success.

``--a``/``--b`` pairs the i-th file of ``--a`` with the i-th of ``--b`` (the same training
seed, say), matches their episodes by episode seed, and prints per pair and for all pairs
pooled: each side's successes, the episodes only ``--b`` solves (gained) and only ``--a``
solves (lost), and the two-sided exact McNemar p-value of that split
(:func:`vin_gym.stats.mcnemar_exact`; the pairing is :mod:`vin_gym.paired`). Pooling adds
the pairs' discordant episodes, as if every pair's episodes were distinct episodes.

``--count`` prints, for k = 0 .. N, how many episodes exactly k of the N files solve: few
episodes solved by none and many by some says the runs differ more than the episodes.

It reads JSON and writes nothing but ``--json``; it runs in a second on a fresh clone.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from vin_gym.paired import compare, count_solvers, episode_outcomes
from vin_gym.stats import p_value_text
from vin_gym.utils import format_table, write_json

__all__ = ["compare", "count_solvers", "episode_outcomes", "main"]


def _pair_row(name: str, c: dict[str, Any]) -> dict[str, Any]:
    return {
        "pair": name,
        "episodes": c["episodes"],
        "a solves": c["a"],
        "b solves": c["b"],
        "gained (b only)": c["gained"],
        "lost (a only)": c["lost"],
        "McNemar p": p_value_text(c["p"]),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n\n".join(__doc__.split("\n\n")[1:4]),
    )
    p.add_argument("--a", nargs="+", type=Path, help="the first method's files, one per pair")
    p.add_argument("--b", nargs="+", type=Path, help="the second method's, in the same order")
    p.add_argument("--count", nargs="+", type=Path, help="runs to count solvers over")
    p.add_argument("--json", type=Path, help="also write the result here")
    args = p.parse_args(argv)
    if (args.count is None) == (args.a is None and args.b is None):
        p.error("pass --a and --b, or --count")
    if args.count is None and (args.a is None or args.b is None):
        p.error("--a and --b go together")
    try:
        if args.count is not None:
            result = {"count": count_solvers(args.count)}
            c = result["count"]
            heads = " / ".join(str(k) for k in range(len(args.count) + 1))
            print(f"episodes solved by {heads} of the {len(args.count)} runs")
            print(" / ".join(str(n) for n in c["solved_by"]) + f"  ({c['episodes']} episodes)")
        else:
            result = compare(args.a, args.b)
            rows = [_pair_row(str(i), pair) for i, pair in enumerate(result["pairs"])]
            if len(rows) > 1:
                rows.append(_pair_row("pooled", result["pooled"]))
            print(format_table(rows))
    except ValueError as e:
        p.error(str(e))
    if args.json is not None:
        write_json(args.json, result)
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
