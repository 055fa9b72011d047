"""``vin-gym baseline``: train a Stable-Baselines3 agent, evaluated on fixed seeds.

Writes a run directory (``config.json``, ``evaluations.json``, ``checkpoints/``,
``model.zip``, ``tb/``, ``summary.json``); evaluation episode ``i`` resets with seed
1000 + i, the seeds ``vin-gym compare`` uses for every method. A killed run goes on with
the same command and ``--resume`` (from its newest saved state: at most
``--checkpoint-every`` steps are lost); ``--resume`` with a larger ``--timesteps``
extends a finished run.
"""

from __future__ import annotations

import argparse
import ast
import shlex
import sys
from typing import TYPE_CHECKING

from vin_gym.commands.common import add_device_args, add_env_kwargs_arg, add_json_arg, report
from vin_gym.dataclass_args import add_dataclass_args, flags_in_errors, given

if TYPE_CHECKING:
    from vin_gym.baselines.sb3 import BaselineConfig

#: Fields whose flag is not named after them.
_FLAGS = {"env_id": "--env", "hyperparams": "--hp"}
#: BaselineConfig fields the command sets from other flags (``--env-kwargs``,
#: ``--device``, ``--threads``).
_SET_BY_COMMAND = ("env_kwargs", "device", "threads")


def _int_list(text: str) -> tuple[int, ...]:
    try:
        values = tuple(int(float(x)) for x in text.split(",") if x.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated step counts like 10000,30000, got {text!r}"
        ) from None
    if any(v < 1 for v in values):
        raise argparse.ArgumentTypeError(f"step counts must be >= 1, got {text!r}")
    return values


def _hyperparam(text: str) -> tuple[str, object]:
    key, sep, value = text.partition("=")
    if not sep or not key.isidentifier():
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE like n_steps=64, got {text!r}")
    try:
        return key, ast.literal_eval(value)  # numbers, strings, lists, dicts; no code
    except (ValueError, SyntaxError):
        return key, value  # a bare word such as a schedule name stays a string


#: One line for ``vin-gym --help``.
HELP = "train a Stable-Baselines3 agent (PPO, SAC, TD3, A2C)"


def add_parser(sub: argparse._SubParsersAction, name: str) -> None:
    from vin_gym.baselines.sb3 import ALGOS, DEFAULT_EVAL_AT, SB3_OBS_MODES, BaselineConfig

    p = sub.add_parser(name, help=HELP, description=__doc__)
    add_dataclass_args(
        p,
        BaselineConfig,
        skip=_SET_BY_COMMAND,
        flags=_FLAGS,
        choices={"algo": ALGOS, "obs": SB3_OBS_MODES},
        parse={"eval_at": _int_list, "hyperparams": _hyperparam},
        metavars={"eval_at": "STEPS", "checkpoint_every": "STEPS"},
        required=("algo",),
        shown={"eval_at": ",".join(map(str, DEFAULT_EVAL_AT)), "out": "runs/sb3/ALGO_OBS_sSEED"},
    )
    p.add_argument(
        "--eval-freq",
        type=int,
        default=None,
        metavar="F",
        help="evaluate every F steps instead of at --eval-at",
    )
    p.add_argument(
        "--resume",
        action="store_true",
        help="go on with the run in --out from its newest saved state (same settings; "
        "--timesteps may be raised to extend a finished run)",
    )
    add_env_kwargs_arg(p)
    add_device_args(p)
    add_json_arg(p)
    p.set_defaults(run=run, config=_config_from)


def _config_from(args: argparse.Namespace) -> BaselineConfig:
    """The run's settings from the parsed flags; a bad value is a ``ValueError`` naming
    its flag."""
    from vin_gym.baselines.sb3 import BaselineConfig
    from vin_gym.env_kwargs import parse_env_kwargs

    chosen = given(BaselineConfig, args, skip=_SET_BY_COMMAND)
    if args.eval_freq is not None:
        if args.eval_freq < 1:
            raise ValueError(f"--eval-freq must be >= 1, got {args.eval_freq}")
        timesteps = chosen.get("timesteps", BaselineConfig.timesteps)
        chosen["eval_at"] = tuple(range(args.eval_freq, timesteps, args.eval_freq))
    env_id = chosen.get("env_id", BaselineConfig.env_id)
    with flags_in_errors(BaselineConfig, flags=_FLAGS):
        return BaselineConfig(
            **chosen,
            env_kwargs=parse_env_kwargs(env_id, args.env_kwargs),
            threads=args.threads,
            device=args.device,
        )


def run(args: argparse.Namespace) -> int:
    from vin_gym.baselines.sb3 import BaselineConfig, require_sb3
    from vin_gym.baselines.training import train_baseline
    from vin_gym.locking import hold_directory

    require_sb3()  # a missing extra is named before the run directory is made
    cfg = _config_from(args)
    command = shlex.join(["vin-gym", *sys.argv[1:]]) if sys.argv[1:2] == [args.command] else None
    with hold_directory(cfg.out, "run"), flags_in_errors(BaselineConfig, flags=_FLAGS):
        summary = train_baseline(cfg, command=command, resume=args.resume)
    rows = [
        {k: e[k] for k in ("timesteps", "success_rate", "mean_return")}
        for e in summary["evaluations"]
    ]
    report(summary, rows, args.json)
    print(f"{cfg.algo} {cfg.obs}: {summary['train_steps_per_s']:.0f} steps/s, run in {cfg.out}")
    return 0
