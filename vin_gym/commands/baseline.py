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
from pathlib import Path

from vin_gym.commands.common import (
    add_device_args,
    add_env_kwargs_arg,
    add_json_arg,
    env_kwargs_from,
    report,
)


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

    p = sub.add_parser(
        name,
        help=HELP,
        description=__doc__,
    )
    p.add_argument("--algo", required=True, help=f"one of {', '.join(ALGOS)}")
    p.add_argument("--obs", default=BaselineConfig.obs, help=f"one of {', '.join(SB3_OBS_MODES)}")
    p.add_argument("--env", default="Billiards-v0", help="environment id")
    add_env_kwargs_arg(p)
    p.add_argument("--timesteps", type=int, default=100_000, help="environment steps")
    p.add_argument(
        "--seed", type=int, default=0, help="seed of the agent and of the training environments"
    )
    p.add_argument(
        "--out",
        type=Path,
        default=None,
        help="run directory (default: runs/sb3/<algo>_<obs>_s<seed>)",
    )
    p.add_argument(
        "--eval-at",
        type=_int_list,
        default=DEFAULT_EVAL_AT,
        metavar="STEPS",
        help="comma-separated step counts to evaluate at, plus at the end "
        f"(default: {','.join(map(str, DEFAULT_EVAL_AT))})",
    )
    p.add_argument(
        "--eval-freq",
        type=int,
        default=None,
        metavar="F",
        help="evaluate every F steps instead of at --eval-at",
    )
    p.add_argument("--eval-episodes", type=int, default=50, help="episodes per evaluation")
    p.add_argument(
        "--n-envs",
        type=int,
        default=None,
        help="training envs (default: 8 for PPO and A2C, 1 for SAC and TD3)",
    )
    p.add_argument("--obs-size", type=int, default=64, help="frame size for pixels")
    p.add_argument("--frame-stack", type=int, default=4, help="frames stacked for pixels")
    p.add_argument(
        "--buffer-size",
        type=int,
        default=None,
        help="SAC/TD3 replay buffer size (default: the run, within free memory)",
    )
    p.add_argument(
        "--hp",
        type=_hyperparam,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override an algorithm keyword argument, e.g. --hp n_steps=64 (repeatable)",
    )
    p.add_argument(
        "--resume",
        action="store_true",
        help="go on with the run in --out from its newest saved state (same settings; "
        "--timesteps may be raised to extend a finished run)",
    )
    p.add_argument(
        "--checkpoint-every",
        type=int,
        default=50_000,
        metavar="STEPS",
        help="save the newest state for --resume every STEPS steps, besides each "
        "evaluation (default: 50000)",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument(
        "--no-checkpoints",
        action="store_true",
        help="save only the final model, not one per evaluation",
    )
    add_device_args(p)
    add_json_arg(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from vin_gym.baselines.sb3 import BaselineConfig, require_sb3
    from vin_gym.baselines.training import train_baseline
    from vin_gym.locking import hold_directory

    require_sb3()  # a missing extra is named before the run directory is made

    eval_at = args.eval_at
    if args.eval_freq is not None:
        if args.eval_freq < 1:
            raise ValueError(f"--eval-freq must be >= 1, got {args.eval_freq}")
        eval_at = tuple(range(args.eval_freq, args.timesteps, args.eval_freq))
    out = args.out or Path("runs/sb3") / f"{args.algo}_{args.obs}_s{args.seed}"
    cfg = BaselineConfig(
        algo=args.algo,
        obs=args.obs,
        env_id=args.env,
        env_kwargs=env_kwargs_from(args),
        timesteps=args.timesteps,
        seed=args.seed,
        out=out,
        eval_at=eval_at,
        eval_episodes=args.eval_episodes,
        n_envs=args.n_envs,
        obs_size=args.obs_size,
        frame_stack=args.frame_stack,
        threads=args.threads,
        device=args.device,
        buffer_size=args.buffer_size,
        progress=not args.no_progress,
        checkpoints=not args.no_checkpoints,
        checkpoint_every=args.checkpoint_every,
        hyperparams=dict(args.hp),
    )
    command = shlex.join(["vin-gym", *sys.argv[1:]]) if sys.argv[1:2] == [args.command] else None
    with hold_directory(out, "run"):
        summary = train_baseline(cfg, command=command, resume=args.resume)
    rows = [
        {k: e[k] for k in ("timesteps", "success_rate", "mean_return")}
        for e in summary["evaluations"]
    ]
    report(summary, rows, args.json)
    print(f"{args.algo} {args.obs}: {summary['train_steps_per_s']:.0f} steps/s, run in {out}")
    return 0
