"""``vin-gym compare``: VIN-MPC against random actions, oracle-MPC and SB3 agents.

Every method is scored on the same fixed evaluation episodes (episode i resets with seed
``--seed-base + i``): by default the test episodes, from seed 100000 up, which no
choice of planner, horizon or recipe was made on; SB3 runs keep the episodes they were
evaluated on (``vin-gym baseline``: development episodes from 1000). Each method is
placed at the number of environment steps it used:

* ``random``: uniform random actions (0 steps);
* ``zero``: no push at all (0 steps): what the scene does by itself;
* ``oracle-<planner>``: MPC with the true simulator as its model (0 steps, no data);
* ``vin-<planner>``: MPC with a VIN trained for ``--train-steps`` on D steps of data
  (D from ``--data-steps``) collected by ``--data-policy``, which by default sees only
  what the agent sees (``pushes`` reads the true states: privileged, for studies only);
* SB3 agents: read from baseline run directories (``vin-gym baseline``), at each of
  their evaluation points.

The MPC agents of the oracle and VIN cells take ``--planner``, ``--horizon`` and the
planner settings; they replan every step, undiscounted, warm-started (the MPC agent's
defaults).

Each (method, data budget, seed) cell is written to OUT/cells/NAME.json as it finishes;
run the same command again (after a crash, a kill, a change of grid) and finished cells
are reused (``--force`` redoes them), as are collected datasets and trained VINs under
``--work`` (a VIN only if it was trained on the same data). ``--workers K`` runs the
missing cells on K processes, cheapest first (random and zero actions, the oracle, then
VIN-MPC by data steps); with K > 1 there are no progress bars, one line per cell.
``--no-run`` runs nothing and summarizes the finished cells, listing the missing ones.
A cell is reused only if it ran on the same physics (the same fingerprint); SB3
runs from other physics, and unfinished ones (unless ``--sb3-partial``), are left out.
The summary: OUT/compare.md (a table of success rates with 95% intervals, the steps each
SB3 agent needs to match VIN-MPC, the VIN cells' training steps, the commands, package
versions and machine), OUT/compare.json and OUT/compare.png (success rate against
environment steps, log x).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from vin_gym.commands.common import (
    PLANNER_NAMES,
    add_device_args,
    add_env_kwargs_arg,
    add_json_arg,
    add_planner_settings_args,
    env_kwargs_from,
    mpc_settings,
    planner_settings,
    report,
)
from vin_gym.dataclass_args import add_dataclass_args, flags_in_errors, given

if TYPE_CHECKING:
    from vin_gym.experiments.comparison.specs import Grid

#: One line for ``vin-gym --help``.
HELP = "the headline experiment: VIN-MPC vs random, oracle-MPC and SB3 agents"


#: What ``vin-gym compare --help`` says before the flags (the module's docstring says more).
DESCRIPTION = """\
vin-gym compare: VIN-MPC against random actions, doing nothing, oracle-MPC and SB3
agents, on the same episodes (i resets with seed --seed-base + i), each placed at the
environment steps it used. Each cell (method, data budget, seed) is written to OUT/cells
as it finishes and reused when the command runs again, as are the datasets and VINs
under --work. The summary: OUT/compare.md, compare.json and compare.png.
"""


def add_parser(sub: argparse._SubParsersAction, name: str) -> None:
    from planners import MPCConfig
    from vin_gym.experiments.comparison.sb3_runs import DEFAULT_SB3_RUNS
    from vin_gym.experiments.comparison.specs import METHODS, Grid
    from vin_gym.experiments.episodes import DEFAULT_PLANNER
    from vin_gym.seeds import TEST_SEED_BASE

    p = sub.add_parser(name, help=HELP, description=DESCRIPTION, usage="%(prog)s [options]")
    ev = p.add_argument_group("evaluation episodes")
    ev.add_argument("--env", default="Billiards-v0", help="environment id")
    add_env_kwargs_arg(ev)
    ev.add_argument("--episodes", type=int, default=50, metavar="N", help="episodes per cell")
    ev.add_argument(
        "--seed-base",
        type=int,
        default=TEST_SEED_BASE,
        metavar="S",
        help="episode i: seed S + i (default: the test episodes)",
    )
    ev.add_argument(
        "--max-episode-steps",
        type=int,
        default=None,
        metavar="N",
        help="episode step limit (default: the env's, 100)",
    )
    grid = p.add_argument_group("the grid of cells")
    add_dataclass_args(
        grid,
        Grid,
        skip=("planner", "horizon", "planner_kwargs"),
        choices={"data_policy": ("random", "colored", "pushes"), "methods": METHODS},
        metavars=GRID_METAVARS,
    )
    mpc = p.add_argument_group("MPC agent (oracle and VIN cells)")
    mpc.add_argument(
        "--planner",
        default=DEFAULT_PLANNER,
        choices=PLANNER_NAMES,
        metavar="P",
        help=f"optimizer: {', '.join(PLANNER_NAMES)} (default: %(default)s)",
    )
    add_dataclass_args(mpc, MPCConfig, only=("horizon",), metavars={"horizon": "H"})
    add_planner_settings_args(p)
    sb3 = p.add_argument_group("SB3 agents")
    sb3.add_argument(
        "--sb3-runs",
        type=Path,
        nargs="*",
        default=None,
        metavar="DIR",
        help=f"runs of vin-gym baseline, or folders of them (default: {DEFAULT_SB3_RUNS})",
    )
    sb3.add_argument(
        "--sb3-partial", action="store_true", help="also read runs still going (no summary.json)"
    )
    files = p.add_argument_group("files and running")
    files.add_argument(
        "--work",
        type=Path,
        default=Path("runs/compare"),
        metavar="DIR",
        help="datasets and VIN runs go here",
    )
    files.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="DIR",
        help="results directory (default: WORK/results)",
    )
    files.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="K",
        help="run the missing cells on K processes, cheapest first",
    )
    files.add_argument("--force", action="store_true", help="redo cells whose JSON exists")
    files.add_argument(
        "--no-run", action="store_true", help="run no cell: summarize the finished ones"
    )
    files.add_argument("--no-progress", action="store_true", help="no progress bars")
    add_device_args(files)
    add_json_arg(files)
    p.set_defaults(run=run, config=grid_from)


def grid_from(args: argparse.Namespace) -> Grid:
    """The :class:`~vin_gym.experiments.comparison.specs.Grid` of the parsed flags (its
    defaults, the control recipe's, for those not given); errors name the flags."""
    from planners import PLANNERS, MPCConfig
    from vin_gym.experiments.comparison.specs import Grid

    mpc = mpc_settings(args)
    extra = sorted(set(mpc) - {"horizon"})
    if extra:
        raise ValueError(f"compare plans with the horizon only; drop {extra}")
    with flags_in_errors(Grid, MPCConfig, *(c for _, c in PLANNERS.values())):
        return Grid(
            **given(Grid, args, skip=("planner", "horizon", "planner_kwargs")),
            planner=args.planner,
            **mpc,
            planner_kwargs=planner_settings(args),
        )


#: Short names for the grid flags' values, so that each help fits beside its flag.
GRID_METAVARS = {
    "seeds": "S",
    "data_steps": "D",
    "episode_steps": "N",
    "obs_size": "PX",
    "data_policy": "P",
    "train_steps": "N",
    "train_minutes": "MIN",
    "batch_size": "N",
    "rollout": "N",
    "lr_final": "LR",
    "mbrl_steps": "D",
}


def run(args: argparse.Namespace) -> int:
    from contextlib import ExitStack

    import vin_gym  # noqa: F401  (registers the environments)
    from vin_gym.experiments.comparison import report as rep
    from vin_gym.experiments.comparison.runner import Context
    from vin_gym.experiments.comparison.specs import eval_key
    from vin_gym.experiments.comparison.sweep import run_comparison
    from vin_gym.locking import hold_directory
    from vin_gym.provenance import provenance
    from vin_model.device import set_threads

    if args.out is None:  # beside the work, never docs/results in the caller's directory
        args.out = args.work / "results"
    for name in ("episodes", "workers"):
        if getattr(args, name) < 1:
            raise ValueError(f"--{name} must be >= 1, got {getattr(args, name)}")
    if args.force and args.no_run:
        raise ValueError("--force redoes cells and --no-run runs none: pass one of them")
    set_threads(args.threads)

    grid = grid_from(args)
    key = eval_key(
        args.env, env_kwargs_from(args), args.episodes, args.seed_base, args.max_episode_steps
    )
    ctx = Context(
        work=args.work,
        device=args.device,
        threads=args.threads,
        progress=not args.no_progress and args.workers == 1,
    )
    with ExitStack() as held:  # one writer for --work and --out while the cells run
        for path in dict.fromkeys(p.resolve() for p in (args.work, args.out)):
            held.enter_context(hold_directory(path, "comparison"))
        record = {
            **provenance(physics=key["physics"]),
            "args": {k: v for k, v in vars(args).items() if k not in ("run", "config")},
        }
        with flags_in_errors("sb3_runs"):
            results = run_comparison(
                grid,
                key,
                args.out,
                ctx,
                sb3_runs=args.sb3_runs,
                sb3_partial=args.sb3_partial,
                workers=args.workers,
                force=args.force,
                no_run=args.no_run,
                record=record,
            )
        report(results, rep.table_rows(results["rows"]), args.json)
        print(f"wrote {args.out / 'compare.md'}, {args.out / 'compare.json'}, {results['plot']}")
    return 0
