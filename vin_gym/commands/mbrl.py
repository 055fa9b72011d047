"""``vin-gym mbrl``: online model learning, a VIN trained on its own planner's episodes.

Seeds a dataset with random pushes, trains a VIN, then iterates: MPC over the VIN (with
exploration noise) collects episodes in the real env, they join the dataset, the VIN
trains on, and the agent is evaluated on fixed seeds. Budgets are counts (environment
steps, training steps), never minutes. Every iteration is checkpointed in RUN; after a
kill, the same command with --resume continues, losing at most the iteration in
progress. Success against environment steps goes to RUN/tb (TensorBoard) and to the
table printed as the run goes.

Example (the skill task):

  vin-gym mbrl --env Billiards-v0 --env-kwargs initial_speed=0 damping=1.0 \\
      --out runs/mbrl --env-steps 30000
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from vin_gym.commands.common import (
    PLANNER_NAMES,
    add_json_arg,
    add_planner_settings_args,
    planner_errors,
    planner_settings,
    report,
)
from vin_gym.dataclass_args import add_dataclass_args, flags_in_errors, given
from vin_gym.experiments.mbrl import SEED_POLICIES, MBRLConfig, config_from

#: Columns of the table printed as the run goes.
COLUMNS = (
    "iteration",
    "env_steps",
    "train_step",
    "success_rate",
    "success_low",
    "success_high",
    "data_success",
    "val_pos_mse",
    "ms_per_decision",
    "collect_s",
    "train_s",
    "eval_s",
)


#: One line for ``vin-gym --help``.
HELP = "online model learning: a VIN trained on its own MPC agent's episodes"


def add_parser(sub: argparse._SubParsersAction, name: str) -> None:
    p = sub.add_parser(
        name,
        help=HELP,
        description=__doc__,
    )
    p.add_argument("--out", type=Path, required=True, metavar="RUN", help="run directory")
    p.add_argument("--resume", action="store_true", help="continue the run in RUN (same settings)")
    add_dataclass_args(
        p,
        MBRLConfig,
        skip=("planner_kwargs",),
        flags={"env_id": "--env"},
        choices={"seed_policy": SEED_POLICIES, "planner": PLANNER_NAMES},
    )
    add_planner_settings_args(p)  # the same planner flags as plan, demo and compare
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    add_json_arg(p)
    p.set_defaults(run=run, config=_config_from)


def _config_from(args: argparse.Namespace) -> MBRLConfig:
    """The run's config from the flags given (``MBRLConfig``'s defaults for the rest);
    errors name the flags (``--explore-std``, ``--population``), not the fields."""
    with flags_in_errors(MBRLConfig), planner_errors():
        fields = given(MBRLConfig, args, skip=("planner_kwargs",))
        settings = planner_settings(args, MBRLConfig.planner)
        if settings:
            fields["planner_kwargs"] = settings
        return config_from(fields)


def run(args: argparse.Namespace) -> int:
    from tqdm.auto import tqdm

    from vin_gym.experiments.mbrl import run_mbrl
    from vin_gym.locking import hold_directory

    config = _config_from(args)
    print(
        f"mbrl: {config.iterations} iterations of {config.agent_episodes} episodes after "
        f"{config.seed_episodes} seed episodes ({config.env_steps} env steps at most), "
        f"{config.total_train_steps} training steps",
        file=sys.stderr,
    )
    header = _row_line({c: c for c in COLUMNS})
    printed = [False]

    def log(row: dict[str, Any]) -> None:
        if not printed[0]:
            tqdm.write(header)
            printed[0] = True
        tqdm.write(_row_line(row))

    with hold_directory(args.out, "run"):
        summary = run_mbrl(
            config, args.out, resume=args.resume, progress=not args.no_progress, log=log
        )
    report(summary, summary["iterations"], args.json, list(COLUMNS))
    return 0


def _row_line(row: dict[str, Any]) -> str:
    def cell(v: Any) -> str:
        if v is None:
            return "-"
        if isinstance(v, float):
            return f"{v:.4g}"
        return str(v)

    return " ".join(cell(row.get(c)).rjust(max(9, len(c))) for c in COLUMNS)
