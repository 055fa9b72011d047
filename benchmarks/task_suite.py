"""The task suite's table: per skill task, luck, the oracle, VIN-MPC learned online and PPO.

    python benchmarks/task_suite.py --evaluate-sb3    # SB3 runs' final agents on test episodes
    python benchmarks/task_suite.py --write-readme    # the tables, into README.md and its JSON,
                                                      # the figure, into task_suite.png

Every cell is on test episodes (seeds 100000 up) and comes from committed JSON:

- random, zero and the oracle (iCEM, horizon 25): ``benchmarks/results/task_difficulty.json``
  (for ``Billiards-v0`` with 6 objects, the cells of ``vin-gym compare --methods random
  zero oracle`` in ``docs/results/tasks/billiards6/cells``);
- VIN-MPC: ``docs/results/tasks/plan_TASK_sSEED_test.json``, ``vin-gym plan`` (iCEM,
  horizon 25) over the VIN of the ``vin-gym mbrl`` run of that seed, whose summary
  ``mbrl_TASK_sSEED.json`` gives its environment steps (for ``Billiards-v0``, the
  31,200-step cells of ``docs/results/test/icem``);
- PPO: ``docs/results/tasks/sb3_ppo_OBS_TASK_sSEED_test.json``, written by
  ``--evaluate-sb3`` from the ``vin-gym baseline`` runs under ``--sb3-runs``.

The issue asks for 3 seeds of VIN-MPC and of PPO from state and 1 of PPO from pixels, PPO
to 300,000 steps; a cell with fewer seeds or steps says so. The README's table sits between
``<!-- task_suite:results -->`` and ``<!-- /task_suite:results -->``.

Recipe variants (``VARIANTS``: the loop changed in one way, each chosen on development
episodes of ``Billiards-v0``) have their files in a folder of their own under
``docs/results/tasks`` (``Billiards-v0``'s: a comparison's cells in
``docs/results/test/VARIANT``) and a table of their own (``task_suite:variants``), each row
paired episode by episode with the headline runs of the same seeds.
"""

from __future__ import annotations

import argparse
import json
import re
import shlex
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = "benchmarks/task_suite.py"
RESULTS = ROOT / "docs/results/tasks"
DIFFICULTY = ROOT / "benchmarks/results/task_difficulty.json"
#: ``Billiards-v0``'s comparisons on test episodes: the headline's in ``icem/``, a recipe
#: variant's in a folder named as the variant's (``vin-gym compare --out``).
BILLIARDS_TEST = ROOT / "docs/results/test"
BILLIARDS_CELLS = BILLIARDS_TEST / "icem" / "cells"
BILLIARDS_RUN = "mbrl-icem_d31200_s{seed}.json"
#: The rows: (label, file name of its runs, env id).
ROWS = (
    ("Billiards-v0", None, "Billiards-v0"),
    ("SpringsTask-v0", "SpringsTask-v0", "SpringsTask-v0"),
    ("GravityTask-v0", "GravityTask-v0", "GravityTask-v0"),
    ("MagneticBilliardsTask-v0", "MagneticBilliardsTask-v0", "MagneticBilliardsTask-v0"),
    (
        "VariableMassBilliardsTask-v0",
        "VariableMassBilliardsTask-v0",
        "VariableMassBilliardsTask-v0",
    ),
    ("Billiards-v0, 6 objects", "Billiards-v0-6", "Billiards-v0"),
)
#: Recipes measured beside the headline one: (folder of their files under the results, the
#: one change, in words). A variant's files are named as the headline's (``mbrl_TASK_sS.json``,
#: ``plan_TASK_sS_test.json``); its rows sit in a table of their own, paired episode by
#: episode with the headline runs of the same seeds, and never replace the table's cells.
VARIANTS = (
    ("icem_collect", "collects with the evaluation planner (iCEM, horizon 25)"),
    ("d4", "trains on clips moved by the square's 8 symmetries (`augment=d4`)"),
)
#: What the issue asks of each learned method: seeds, and steps (PPO's training budget).
ASKED = {"vin": (3, None), "ppo_state": (3, 300_000), "ppo_pixels": (1, 300_000)}
TEST_EPISODES = 50


def outcomes_of(record: dict[str, Any]) -> list[bool]:
    """The per-episode successes of a ``vin-gym plan`` JSON or a ``compare`` cell."""
    return [bool(e["success"]) for e in record["per_episode"]]


def seed_files(folder: Path, pattern: str) -> list[tuple[int, Path]]:
    """``(seed, path)`` of the files in ``folder`` matching ``pattern`` (``{seed}`` a number)."""
    regex = re.compile(re.escape(pattern).replace(r"\{seed\}", r"(\d+)") + "$")
    found = [(regex.match(p.name), p) for p in folder.glob("*.json")] if folder.is_dir() else []
    return sorted((int(m.group(1)) if m.groups() else 0, p) for m, p in found if m)


def cell(outcomes: list[list[bool]], steps: int | None, what: str) -> dict[str, Any] | None:
    """A table cell: the success summary of the seeds' outcomes, with the steps, and a
    note where it has fewer seeds or steps than the issue asks."""
    from vin_gym.stats import success_summary

    if not outcomes:
        return None
    summary = success_summary(outcomes)
    seeds, asked_steps = ASKED.get(what, (1, None))
    short = []
    if summary["seeds"] < seeds:
        short.append(f"{summary['seeds']} of {seeds} seeds")
    if asked_steps and steps is not None and steps < asked_steps:
        short.append(f"{steps:,} of {asked_steps:,} steps")
    return summary | {"env_steps": steps, "reduced": "; ".join(short) or None}


def vin_cell(
    name: str | None, results: Path, billiards: Path = BILLIARDS_CELLS
) -> dict[str, Any] | None:
    """VIN-MPC after ``vin-gym mbrl``: every seed's plan on test episodes (for
    ``Billiards-v0``, ``name`` ``None``: the comparison's 31,200-step cells in ``billiards``)."""
    if name is None:
        records = [json.loads(p.read_text()) for _, p in seed_files(billiards, BILLIARDS_RUN)]
        return cell([outcomes_of(r) for r in records], 31_200, "vin")
    outcomes, steps = [], []
    for seed, path in seed_files(results, f"plan_{name}_s{{seed}}_test.json"):
        mbrl = json.loads((results / f"mbrl_{name}_s{seed}.json").read_text())
        outcomes.append(outcomes_of(json.loads(path.read_text())))
        steps.append(mbrl["iterations"][-1]["env_steps"])
    return cell(outcomes, max(steps) if steps else None, "vin")


def sb3_cell(name: str | None, obs: str, results: Path) -> dict[str, Any] | None:
    """PPO from ``obs``: every seed's final agent on test episodes."""
    if name is None:
        return None
    files = seed_files(results, f"sb3_ppo_{obs}_{name}_s{{seed}}_test.json")
    records = [json.loads(p.read_text()) for _, p in files]
    steps = min((r["timesteps"] for r in records), default=None)
    return cell([r["successes"] for r in records], steps, f"ppo_{obs}")


def luck_cells(
    label: str, env_id: str, difficulty: dict[str, Any], results: Path
) -> dict[str, Any]:
    """random, zero and oracle of a row (``None`` where not measured)."""
    from vin_gym.stats import success_summary

    if label == env_id:
        found = next((r for r in difficulty["results"] if r["env"] == env_id), None)
        return {k: found[k] if found else None for k in ("random", "zero", "oracle")}
    cells = results / "billiards6" / "cells"
    names = {
        "random": "random_s{seed}.json",
        "zero": "zero.json",
        "oracle": "oracle-icem_s{seed}.json",
    }
    out = {}
    for key, pattern in names.items():
        records = [json.loads(p.read_text()) for _, p in seed_files(cells, pattern)]
        out[key] = success_summary([outcomes_of(r) for r in records]) if records else None
    return out


def measure(results: Path = RESULTS) -> list[dict[str, Any]]:
    """Every row of the suite's table, as numbers."""
    difficulty = json.loads(DIFFICULTY.read_text())
    rows = []
    for label, name, env_id in ROWS:
        row = {"task": label, "env": env_id, **luck_cells(label, env_id, difficulty, results)}
        row["vin_mpc"] = vin_cell(name, results)
        row["ppo_state"] = sb3_cell(name, "state", results)
        row["ppo_pixels"] = sb3_cell(name, "pixels", results)
        vin, oracle = row["vin_mpc"], row["oracle"]
        row["vin_of_oracle"] = (
            vin["success_rate"] / oracle["success_rate"]
            if vin and oracle and oracle["success_rate"]
            else None
        )
        rows.append(row)
    return rows


def variant_rows(results: Path = RESULTS, billiards: Path = BILLIARDS_TEST) -> list[dict[str, Any]]:
    """Every recipe variant on every task it was run on: VIN-MPC on test episodes, its share
    of the oracle, and against the headline runs of the same seeds the episodes it gains
    and loses (pooled over seeds, exact McNemar p). ``Billiards-v0``'s come from the
    comparisons in ``billiards`` (``icem/`` the headline's, ``VARIANT/`` the variant's)."""
    from vin_gym.paired import compare

    difficulty = json.loads(DIFFICULTY.read_text())
    rows = []
    for folder, change in VARIANTS:
        for label, name, env_id in ROWS:
            if name is None:  # Billiards-v0: the comparison's cells, as the headline's
                cells = billiards / folder / "cells"
                vin = vin_cell(None, results, cells)
                found, beside = seed_files(cells, BILLIARDS_RUN), billiards / "icem" / "cells"
            else:
                vin = vin_cell(name, results / folder)
                found = seed_files(results / folder, f"plan_{name}_s{{seed}}_test.json")
                beside = results
            if vin is None:
                continue
            headline = [beside / path.name for _, path in found]
            missing = [str(f) for f in headline if not f.is_file()]
            if missing:
                raise FileNotFoundError(
                    f"variant {folder} of {label} has no headline run to pair with: {missing}"
                )
            paired = compare(headline, [path for _, path in found])
            oracle = luck_cells(label, env_id, difficulty, results)["oracle"]
            rows.append(
                {
                    "task": label,
                    "variant": folder,
                    "change": change,
                    "seeds": [seed for seed, _ in found],
                    "vin_mpc": vin,
                    "vin_of_oracle": vin["success_rate"] / oracle["success_rate"]
                    if oracle and oracle["success_rate"]
                    else None,
                    "against_headline": paired["pooled"],
                }
            )
    return rows


def variant_table(rows: list[dict[str, Any]]) -> str:
    """The README's table of recipe variants."""
    from vin_gym.stats import format_p
    from vin_gym.utils import format_table

    if not rows:
        return "No recipe variant is measured yet."
    shown = []
    for r in rows:
        pair = r["against_headline"]
        shown.append(
            {
                "task": f"`{r['task']}`" if "," not in r["task"] else r["task"],
                "the recipe, except that the loop": r["change"],
                "VIN-MPC": text(r["vin_mpc"]),
                "VIN / oracle": "" if r["vin_of_oracle"] is None else f"{r['vin_of_oracle']:.0%}",
                "against the headline recipe, same seeds": f"{pair['b']} against {pair['a']} of "
                f"{pair['episodes']}; {pair['gained']} gained, {pair['lost']} lost, "
                f"McNemar {format_p(pair['p'])}",
            }
        )
    return format_table(shown)


def text(summary: dict[str, Any] | None) -> str:
    """``0.84 [0.71, 0.92] (3x50)``: the rate, its 95% interval, seeds x episodes each;
    then the environment steps where it has them, and what it lacks of the issue's ask."""
    if summary is None:
        return "not measured"
    per_seed = summary["episodes"] // summary["seeds"]
    out = f"{summary['success_rate']:.2f} [{summary['ci_low']:.2f}, {summary['ci_high']:.2f}]"
    out += f" ({summary['seeds']}x{per_seed})"
    if summary.get("env_steps") is not None:
        out += f" @{summary['env_steps']:,}"
    if summary.get("reduced"):
        out += f" **{summary['reduced']}**"
    return out


def table(rows: list[dict[str, Any]]) -> str:
    """The README's table."""
    from vin_gym.utils import format_table

    shown = [
        {
            "task": f"`{r['task']}`" if "," not in r["task"] else r["task"],
            "random": text(r["random"]),
            "zero": text(r["zero"]),
            "oracle-MPC": text(r["oracle"]),
            "VIN-MPC": text(r["vin_mpc"]),
            "VIN / oracle": "" if r["vin_of_oracle"] is None else f"{r['vin_of_oracle']:.0%}",
            "PPO, state": text(r["ppo_state"]),
            "PPO, pixels + goal": text(r["ppo_pixels"]),
        }
        for r in rows
    ]
    return format_table(shown)


#: The figure's bars: (row key, label), in the table's order.
BARS = (
    ("random", "random"),
    ("zero", "zero"),
    ("oracle", "oracle-MPC"),
    ("vin_mpc", "VIN-MPC (online, 31,200 steps)"),
    ("ppo_state", "PPO, state (300k)"),
    ("ppo_pixels", "PPO, pixels + goal (300k)"),
)


def plot(rows: list[dict[str, Any]], path: Path) -> Path:
    """The table as grouped bars with their 95% intervals, per task: a hatched bar has
    fewer seeds or steps than the issue asks, an ``x`` marks a cell not measured."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from vin_gym.utils import atomic_write

    fig, ax = plt.subplots(figsize=(11, 4.2))
    width = 0.8 / len(BARS)
    for j, (key, label) in enumerate(BARS):
        for i, row in enumerate(rows):
            x = i + (j - (len(BARS) - 1) / 2) * width
            c = row[key]
            if c is None:
                ax.plot(x, 0.01, marker="x", color=f"C{j}", markersize=5)
                continue
            y = c["success_rate"]
            err = [[y - c["ci_low"]], [c["ci_high"] - y]]
            hatch = "///" if c.get("reduced") else None
            ax.bar(x, y, width, color=f"C{j}", hatch=hatch, edgecolor="white", linewidth=0)
            ax.errorbar(x, y, yerr=err, color="black", linewidth=0.8, capsize=1.5)
        ax.bar(0, 0, 0, color=f"C{j}", label=label)  # one legend entry per method
    ax.bar(0, 0, 0, color="grey", hatch="///", edgecolor="white", label="fewer seeds than asked")
    ax.set_xticks(range(len(rows)), [r["task"].replace(", ", ",\n") for r in rows], fontsize=8)
    ax.set(ylim=(0, 1.05), ylabel="success rate, test episodes (95% interval)")
    ax.set_title("The task suite: x = not measured", fontsize=9)
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(fontsize=7, ncol=4, loc="upper center", bbox_to_anchor=(0.5, -0.16))
    fig.tight_layout()
    atomic_write(path, lambda tmp: fig.savefig(tmp, format="png", dpi=110))
    plt.close(fig)
    return path


def shipped_table(results: Path) -> str:
    """The shipped task VINs: each on the test episodes of the table and on 50 episodes
    nothing else uses (``plan_shipped_TASK_never_used.json``)."""
    from vin_gym.registration import SKILL_TASKS
    from vin_gym.reporting import rate_text
    from vin_gym.utils import format_table

    rows = []
    for env_id in SKILL_TASKS[1:]:
        never = results / f"plan_shipped_{env_id}_never_used.json"
        test = results / f"plan_{env_id}_s0_test.json"
        if not never.is_file() or not test.is_file():
            continue
        a, b = json.loads(test.read_text()), json.loads(never.read_text())
        rows.append(
            {
                "`--model`": f"`pretrained:{env_id}`",
                "test episodes": rate_text(a["success_rate"], a["ci_low"], a["ci_high"])
                + f" ({a['seed']} + {a['episodes']})",
                "episodes nothing else uses": rate_text(
                    b["success_rate"], b["ci_low"], b["ci_high"]
                )
                + f" ({b['seed']} + {b['episodes']})",
            }
        )
    return format_table(rows) if rows else "No task VIN is shipped yet."


def evaluate_sb3(runs: Path, results: Path) -> list[Path]:
    """Each finished PPO run under ``runs/TASK/ppo_OBS_sSEED`` on the first 50 test
    episodes, written to ``results`` (a file already there is kept)."""
    from vin_gym.baselines.evaluation import evaluate_run
    from vin_gym.seeds import TEST_SEED_BASE
    from vin_gym.utils import write_json

    written = []
    for run in sorted(runs.glob("*/ppo_*_s*")):
        if not (run / "summary.json").is_file():
            continue
        task, (obs, seed) = run.parent.name, run.name.removeprefix("ppo_").rsplit("_s", 1)
        out = results / f"sb3_ppo_{obs}_{task}_s{seed}_test.json"
        if out.exists():
            continue
        record = evaluate_run(run, TEST_EPISODES, TEST_SEED_BASE)
        write_json(out, {"run": str(run), **record})
        print(f"{run}: {record['success_rate']:.2f} on test episodes -> {out}")
        written.append(out)
    return written


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--evaluate-sb3", action="store_true", help="evaluate finished SB3 runs first")
    p.add_argument("--sb3-runs", type=Path, default=Path("runs/sb3_tasks"), help="their parent")
    p.add_argument(
        "--results", type=Path, default=RESULTS.relative_to(ROOT), help="the suite's JSON files"
    )
    p.add_argument(
        "--write-readme",
        action="store_true",
        help="write README.md's tables and --json (without it, the table is only printed)",
    )
    p.add_argument(
        "--json", type=Path, default=Path("benchmarks/results/task_suite.json"), help="output"
    )
    args = p.parse_args(argv)
    if args.evaluate_sb3 and not args.sb3_runs.is_dir():
        print(
            f"task_suite.py: error: --sb3-runs {args.sb3_runs}: no such directory", file=sys.stderr
        )
        return 2
    from vin_gym.reporting import write_marked
    from vin_gym.utils import write_json

    if args.evaluate_sb3:
        evaluate_sb3(args.sb3_runs, args.results)
    rows, variants = measure(args.results), variant_rows(args.results)
    shown = table(rows)
    print(shown, variant_table(variants), sep="\n\n")
    if not args.write_readme:  # the JSON and the README's tables are one result, written together
        print("(nothing written: --write-readme writes README.md's tables and --json)")
        return 0
    command = shlex.join(["python", SCRIPT, *(sys.argv[1:] if argv is None else argv)])
    write_json(args.json, {"command": command, "rows": rows, "variants": variants})
    print(f"wrote {args.json}, {plot(rows, args.results / 'task_suite.png')}")
    blocks = {
        "task_suite:results": shown,
        "task_suite:variants": variant_table(variants),
        "task_suite:shipped": shipped_table(args.results),
    }
    done = write_marked(ROOT / "README.md", blocks)
    print(f"README.md: updated {', '.join(done) or 'no table'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
