"""How the skill tasks of the force-law systems were chosen: candidates measured on dev episodes.

    python benchmarks/task_design.py [--systems NAME ...] [--episodes N]
        [--oracle-episodes N] [--quick] [--json PATH]

For each system, candidate scenes from the paper's setting to the registered skill task
(``vin_gym/envs/tasks.py``), each measured as ``benchmarks/task_difficulty.py`` measures a
system, on **development** episodes only (seeds 1000 up): random and zero pushes on
``--episodes`` (100), and, for the candidates luck does not solve (random at most 5%,
zero at most 2%), the oracle (iCEM, horizon 25, planner seed 0) on ``--oracle-episodes``
(10). The oracle is the costly part, so it is skipped where luck already disqualifies a
candidate. The chosen candidate is the registered id's defaults; its reported figures
come from ``task_difficulty.py --episode-set test``.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import task_difficulty as td  # the measurement shared with it

SCRIPT = "benchmarks/task_design.py"
#: The columns of the printed (and README) table.
TABLE_COLUMNS = ["system", "candidate", "random", "zero", "oracle", "verdict"]
AT_REST = {"damping": 1.0, "initial_speed": 0.0}
#: system -> [(candidate, env id, kwargs)], from the paper's setting to the skill task.
CANDIDATES: dict[str, list[tuple[str, str, dict[str, Any]]]] = {
    system: [
        ("paper setting", paper, {}),
        ("at rest, damping 1/s", paper, AT_REST),
        ("+ goal 2 units clear of the passive path", task, {"goal_clearance": 2.0}),
        ("+ goal 3 units clear of the passive path", task, {}),
    ]
    for system, paper, task in (
        ("Springs", "Springs-v0", "SpringsTask-v0"),
        ("Gravity", "Gravity-v0", "GravityTask-v0"),
        ("MagneticBilliards", "MagneticBilliards-v0", "MagneticBilliardsTask-v0"),
        ("VariableMassBilliards", "VariableMassBilliards-v0", "VariableMassBilliardsTask-v0"),
    )
}


def design_rows(
    systems: list[str], episodes: int, oracle_episodes: int, jobs: int = 1
) -> list[dict[str, Any]]:
    """Every candidate of ``systems``: random and zero first, then the oracle for those
    luck does not solve."""
    from vin_gym.seeds import episode_set
    from vin_gym.stats import format_rate, success_summary

    candidates = [(system, *c) for system in systems for c in CANDIDATES[system]]
    luck_seeds, oracle_seeds = episode_set("dev", episodes), episode_set("dev", oracle_episodes)
    luck = td.run_units([("luck", e, kw, luck_seeds, None) for _, _, e, kw in candidates], jobs)
    summaries = [{k: success_summary(v) for k, v in outcomes.items()} for outcomes, _ in luck]
    skilled = [
        i
        for i, s in enumerate(summaries)
        if td.verdict(s["random"]["success_rate"], s["zero"]["success_rate"], 1.0) == "skill task"
    ]
    units = [("oracle", candidates[i][2], candidates[i][3], oracle_seeds, 0) for i in skilled]
    for i, (outcomes, _) in zip(skilled, td.run_units(units, jobs), strict=True):
        summaries[i]["oracle"] = success_summary([outcomes])
    rows = []
    for (system, name, env_id, kwargs), s in zip(candidates, summaries, strict=True):
        oracle = s.get("oracle")
        rates = [s["random"]["success_rate"], s["zero"]["success_rate"]]
        rows.append(
            {
                "system": system,
                "candidate": name,
                "env": env_id,
                "env_kwargs": kwargs,
                "random": format_rate(s["random"]),
                "zero": format_rate(s["zero"]),
                "oracle": "not measured (luck)" if oracle is None else format_rate(oracle),
                "verdict": td.verdict(*rates, 0.0 if oracle is None else oracle["success_rate"]),
                "summaries": {**s, "oracle": oracle},
            }
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--systems", nargs="+", default=list(CANDIDATES))
    p.add_argument("--episodes", type=int, default=100, help="random and zero episodes")
    p.add_argument("--oracle-episodes", type=int, default=10, help="oracle episodes, seed 0")
    p.add_argument("--jobs", type=int, default=1, help="processes side by side (default 1)")
    p.add_argument("--quick", action="store_true", help="10 / 1 episodes")
    p.add_argument("--json", type=Path, default=None, help="write the table here")
    args = p.parse_args(argv)
    if args.quick:
        args.episodes, args.oracle_episodes = 10, 1
    bad = [s for s in args.systems if s not in CANDIDATES]
    problem = (
        f"--systems: unknown {bad[0]!r}; expected some of {', '.join(CANDIDATES)}" if bad else None
    )
    if problem is None and min(args.episodes, args.oracle_episodes, args.jobs) < 1:
        problem = (
            f"--episodes {args.episodes} / --oracle-episodes {args.oracle_episodes} / "
            f"--jobs {args.jobs}: expected integers >= 1"
        )
    if problem is not None:
        print(f"task_design.py: error: {problem}", file=sys.stderr)
        raise SystemExit(2)
    from vin_gym.provenance import load_average, machine_info
    from vin_gym.utils import format_table, write_json

    command = shlex.join(["python", SCRIPT, *(sys.argv[1:] if argv is None else argv)])
    load_start = load_average()
    rows = design_rows(args.systems, args.episodes, args.oracle_episodes, args.jobs)
    print(format_table(rows, TABLE_COLUMNS))
    if args.json is not None:
        record = {
            "command": command,
            "episode_set": "dev",
            "config": {k: v for k, v in vars(args).items() if k != "json"},
            "oracle_planner": td.oracle_settings(),
            "machine": machine_info(load_start=load_start),
            "rows": rows,
        }
        write_json(args.json, record)
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
