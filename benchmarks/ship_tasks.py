"""Ship the VIN of a skill task's ``vin-gym mbrl`` run as ``pretrained:TASK_ID``.

For each task, the run ``--runs/TASK_sSEED`` (seed ``--seed``, 0 by default: the shipped
seed is fixed in advance, never chosen by its result) must be finished and measured on
test episodes by ``vin-gym plan --model RUN/model --seed 100000 ...`` (the JSON
``--results/plan_TASK_sSEED_test.json``); its summary is ``--results/mbrl_TASK_sSEED.json``
(``vin-gym mbrl --json``). The newest checkpoint, checked to be the one the run finished
with and the one the plan measured (same env), goes to ``vin_model/pretrained/tasks/TASK``
with ``card.json`` (the commands that made, measured and shipped it, its environment
steps, its success on test episodes); ``tasks/README.md`` lists them all.

    python benchmarks/ship_tasks.py --tasks GravityTask-v0 SpringsTask-v0
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path
from typing import Any

SCRIPT = "benchmarks/ship_tasks.py"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    from vin_gym.registration import SKILL_TASKS

    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--tasks", nargs="+", required=True, help=f"of {', '.join(SKILL_TASKS[1:])}")
    p.add_argument(
        "--seed", type=int, default=0, help="the run's seed (shipped, whatever it scored)"
    )
    p.add_argument("--runs", type=Path, default=Path("runs/tasks"), help="the mbrl runs' parent")
    p.add_argument(
        "--results", type=Path, default=Path("docs/results/tasks"), help="their JSON summaries"
    )
    p.add_argument(
        "--dest", type=Path, default=Path("vin_model/pretrained/tasks"), help="where they go"
    )
    return p.parse_args(argv)


def paths(args: argparse.Namespace, task: str) -> dict[str, Path]:
    """The run directory and the two JSON files of ``task``'s run."""
    name = f"{task}_s{args.seed}"
    return {
        "run": args.runs / name,
        "mbrl": args.results / f"mbrl_{name}.json",
        "plan": args.results / f"plan_{name}_test.json",
    }


def read(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path}: {exc}") from None


def check_run(task: str, where: dict[str, Path]) -> tuple[Path, dict, dict]:
    """The checkpoint to ship, the run's summary and its test measurement, once shown to
    belong together; a ``ValueError`` naming what does not."""
    from vin_gym.env_record import EnvRecord
    from vin_gym.seeds import TEST_SEED_BASE
    from vin_model.checkpoint import read_config, resolve_checkpoint

    mbrl, plan = read(where["mbrl"]), read(where["plan"])
    if mbrl.get("config", {}).get("env_id") != task:
        raise ValueError(f"{where['mbrl']} is a run of {mbrl.get('config', {}).get('env_id')!r}")
    final = mbrl["iterations"][-1] if mbrl.get("iterations") else None
    if final is None or len(mbrl["iterations"]) != mbrl.get("iterations_planned"):
        raise ValueError(f"{where['mbrl']}: the run is not finished")
    ckpt = resolve_checkpoint(where["run"] / "model")
    config = read_config(ckpt)
    if config.get("step") != final["train_step"]:
        raise ValueError(
            f"{ckpt} is step {config.get('step')}, the run finished at {final['train_step']}"
        )
    if EnvRecord.from_checkpoint(config).env_id != task:
        raise ValueError(f"{ckpt} did not learn {task}")
    if Path(plan.get("model", "")) != where["run"] / "model" or plan.get("env") != task:
        raise ValueError(f"{where['plan']} measured {plan.get('model')!r} on {plan.get('env')!r}")
    for what, record in (("mbrl", mbrl), ("plan", plan)):
        if not record.get("command"):
            raise ValueError(f"{where[what]} records no command: run it from the shell")
    if plan["seed"] < TEST_SEED_BASE:
        raise ValueError(f"{where['plan']}: seeds from {plan['seed']} are not test episodes")
    return ckpt, mbrl, plan


def card(task: str, ckpt: Path, mbrl: dict, plan: dict, command: str) -> dict[str, Any]:
    """What a shipped task VIN is: its task, the commands, its data and its test figure."""
    from vin_model.checkpoint import read_config

    final = mbrl["iterations"][-1]
    return {
        "system": task,
        "env_id": task,
        "env_kwargs": mbrl["config"]["env_kwargs"],
        "made_by": mbrl["command"],
        "measured_by": plan["command"],
        "shipped_by": command,
        "seed": mbrl["config"]["seed"],
        "env_steps": final["env_steps"],
        "training_steps": final["train_step"],
        "weights_sha256": read_config(ckpt).get("weights_sha256"),
        "test": {
            "first_seed": plan["seed"],
            "episodes": plan["episodes"],
            "planner": plan["planner"],
            "horizon": plan["horizon"],
            **{k: plan[k] for k in ("success_rate", "ci_low", "ci_high")},
        },
    }


def readme(cards: list[dict[str, Any]]) -> str:
    """``tasks/README.md``: one row per shipped task VIN, with the commands."""
    from vin_gym.utils import format_table

    rows = [
        {
            "pretrained:": c["system"],
            "seed": c["seed"],
            "env steps": c["env_steps"],
            "training steps": c["training_steps"],
            "VIN-MPC success (test)": f"{c['test']['success_rate']:.2f} "
            f"[{c['test']['ci_low']:.2f}, {c['test']['ci_high']:.2f}]",
            "episodes": f"{c['test']['first_seed']}+{c['test']['episodes']}",
        }
        for c in cards
    ]
    commands = [line for c in cards for line in (c["made_by"], c["measured_by"])]
    return (
        "# The VINs of the skill tasks\n\n"
        "One VIN per skill task of the suite, learned online by `vin-gym mbrl` with the "
        "headline recipe (random pushes, then its own MPC agent's episodes) from at most "
        "31,200 environment steps, measured with `vin-gym plan` (iCEM, horizon 25) on test "
        "episodes, and shipped by `benchmarks/ship_tasks.py` (always the seed-0 run: not "
        "chosen by its result). `vin-gym plan --model pretrained:TASK_ID`, `vin-gym demo "
        "--env TASK_ID` and `vin_model.pretrained.load(system=TASK_ID)` load them; each "
        "folder's `card.json` holds its commands and its figures. Success with its Wilson "
        "95% interval, one training seed:\n\n"
        + format_table(rows)
        + "\n\nMade and measured by:\n\n```bash\n"
        + "\n".join(commands)
        + "\n```\n"
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from vin_gym.registration import SKILL_TASKS
    from vin_gym.utils import atomic_write_bytes
    from vin_model.shipping import ship_checkpoint

    unknown = [t for t in args.tasks if t not in SKILL_TASKS[1:]]
    if unknown:
        print(
            f"ship_tasks.py: error: --tasks {unknown[0]!r}: expected one of "
            f"{', '.join(SKILL_TASKS[1:])} (Billiards-v0's VIN ships as plain 'pretrained')",
            file=sys.stderr,
        )
        return 2
    try:
        checked = {task: check_run(task, paths(args, task)) for task in args.tasks}
    except (ValueError, FileNotFoundError) as exc:
        print(f"ship_tasks.py: error: {exc}", file=sys.stderr)
        return 2
    command = shlex.join(["python", SCRIPT, *(sys.argv[1:] if argv is None else argv)])
    for task, (ckpt, mbrl, plan) in checked.items():
        info = card(task, ckpt, mbrl, plan, command)
        print(f"shipped {task} to {ship_checkpoint(ckpt, info, args.dest / task)}")
    every = [json.loads(c.read_text()) for c in sorted(args.dest.glob("*/card.json"))]
    atomic_write_bytes(args.dest / "README.md", readme(every).encode())
    return 0


if __name__ == "__main__":
    sys.exit(main())
