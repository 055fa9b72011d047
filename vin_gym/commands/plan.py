"""``vin-gym plan``: model predictive control with a world model, evaluated on fixed seeds.

Episode ``i`` uses seed ``seed + i``. The world model is the oracle (the true simulator)
or a trained VIN checkpoint; the optimizer random shooting, CEM, iCEM or MPPI. Reports
the success rate, the mean return, the steps to success and the milliseconds per
decision, as a table and (``--json``) JSON; ``--video`` writes a GIF of the first episode
with the planned path of the target drawn over the frames.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from vin_gym.commands.common import (
    add_device_args,
    add_env_kwargs_arg,
    add_json_arg,
    env_kwargs_from,
    report,
)
from vin_gym.experiments.episodes import make_optimizer, run_episode, summarize

if TYPE_CHECKING:
    import gymnasium as gym
    import torch

    from planners import WorldModel

PLANNER_NAMES = ("cem", "icem", "mppi", "random")
#: Flags shared by the planners' configs: flag -> (config field, type, help).
_HYPER_FLAGS: dict[str, tuple[str, type, str]] = {
    "--population": ("population", int, "candidate sequences per iteration (first, for iCEM)"),
    "--elites": ("elites", int, "elites refitted to (cem, icem)"),
    "--iterations": ("iterations", int, "optimisation iterations per decision"),
    "--alpha": ("alpha", float, "smoothing weight kept on the old mean/std"),
    "--init-std": ("init_std", float, "initial std, fraction of half the action range"),
    "--min-std": ("min_std", float, "std floor (cem, icem)"),
    "--beta": ("beta", float, "icem: colour exponent of the noise"),
    "--population-decay": ("population_decay", float, "icem: population shrink factor"),
    "--keep-elites": ("keep_elites", float, "icem: fraction of elites kept"),
    "--temperature": ("temperature", float, "mppi: temperature lambda"),
    "--noise-std": ("noise_std", float, "mppi: noise std, fraction of half the range"),
}


def add_parser(sub: argparse._SubParsersAction, name: str) -> None:
    p = sub.add_parser(
        name,
        help="plan with a world model (MPC) and report success over fixed seeds",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--env", default="Billiards-v0", help="environment id")
    add_env_kwargs_arg(p)
    p.add_argument(
        "--model",
        default="oracle",
        help="world model: 'oracle' (true simulator), a VIN checkpoint path, or 'pretrained'",
    )
    p.add_argument("--planner", default="cem", choices=PLANNER_NAMES)
    p.add_argument("--episodes", type=int, default=50, help="evaluation episodes")
    p.add_argument("--seed", type=int, default=0, help="episode i uses seed + i")
    p.add_argument("--horizon", type=int, default=15, help="planning horizon H")
    p.add_argument("--replan-every", type=int, default=1, help="optimise every k steps")
    p.add_argument("--discount", type=float, default=1.0, help="planning discount")
    p.add_argument("--n-objects", type=int, default=None, help="objects in the scene")
    p.add_argument(
        "--allow-mismatch",
        action="store_true",
        help="plan with a VIN checkpoint in an env other than the one it learned "
        "(env id, objects, frame size, goal ring, background, push scale): a warning, "
        "not an error",
    )
    for flag, (_, kind, text) in _HYPER_FLAGS.items():
        p.add_argument(flag, type=kind, default=None, help=f"{text} (default: the planner's)")
    p.add_argument(
        "--video",
        type=Path,
        default=None,
        metavar="GIF",
        help="write a GIF of the first episode with the planned target path",
    )
    add_device_args(p)
    add_json_arg(p)
    p.set_defaults(run=run)


# -- pieces of this command ------------------------------------------------------------
def load_world_model(
    name: str, env: gym.Env, device: torch.device, allow_mismatch: bool = False
) -> WorldModel:
    """``oracle``, ``pretrained`` or a VIN checkpoint path, as a world model; a VIN is
    checked against ``env`` (a ``ValueError`` naming what differs, unless
    ``allow_mismatch``)."""
    if name == "oracle":
        from vin_gym.oracle import OracleWorldModel

        return OracleWorldModel(env, device=device)
    from vin_model.world_model import VINWorldModel

    if name == "pretrained":
        from vin_model import pretrained

        model = pretrained.load(device)  # FileNotFoundError if this install ships none
        model.check_env(env, allow_mismatch=allow_mismatch)
        return model
    return VINWorldModel.load(
        checkpoint_path(name), device=device, env=env, allow_mismatch=allow_mismatch
    )


def checkpoint_path(name: str) -> Path:
    """``--model``'s checkpoint directory (``pretrained``: the shipped one)."""
    if name == "pretrained":
        from vin_model import pretrained

        return pretrained.CHECKPOINT
    path = Path(name)
    if not path.exists():
        raise FileNotFoundError(
            f"--model must be 'oracle', 'pretrained' or an existing VIN checkpoint path, "
            f"got {name!r}"
        )
    return path


def run(args: argparse.Namespace) -> int:
    import gymnasium as gym
    import torch
    from tqdm import tqdm

    import vin_gym  # noqa: F401  (registers the environments)
    from planners import MPCAgent, MPCConfig
    from vin_gym.registration import check_env_id
    from vin_gym.utils import atomic_write
    from vin_model.device import get_device, set_threads

    if args.episodes < 1:
        raise ValueError(f"--episodes must be >= 1, got {args.episodes}")
    set_threads(args.threads)
    device = get_device(args.device)
    check_env_id(args.env)
    task_kwargs = env_kwargs_from(args)
    env_kwargs: dict[str, Any] = {}
    # The oracle reads the simulator, so it needs no pixels; the VIN sees frames.
    obs_mode = "state" if args.model == "oracle" else "pixels"
    if obs_mode == "pixels":
        # A VIN sees frames as in its training data (size, goal ring, background...);
        # what the command line sets explicitly wins, and is then checked.
        from vin_gym.experiments.pipeline import vin_env_kwargs

        env_kwargs.update(vin_env_kwargs(checkpoint_path(args.model)))
    env_kwargs.update(task_kwargs)
    if args.n_objects is not None:
        env_kwargs["n_objects"] = args.n_objects
    if args.video is not None:
        env_kwargs.update(render_mode="rgb_array", render_size=256)
    env = gym.make(args.env, obs_mode=obs_mode, **env_kwargs)
    model = load_world_model(args.model, env, device, allow_mismatch=args.allow_mismatch)

    overrides = {
        field: getattr(args, flag[2:].replace("-", "_"))
        for flag, (field, _, _) in _HYPER_FLAGS.items()
    }
    overrides = {k: v for k, v in overrides.items() if v is not None}
    generator = torch.Generator(device=device).manual_seed(args.seed)
    optimizer = make_optimizer(args.planner, overrides, generator)
    action_dim = int(np.prod(env.action_space.shape))
    config = MPCConfig(
        horizon=args.horizon,
        action_dim=action_dim,
        replan_every=args.replan_every,
        discount=args.discount,
        record_prediction=args.video is not None,
    )
    agent = MPCAgent(model, optimizer, config=config)

    episodes, frames = [], [] if args.video is not None else None
    for i in tqdm(range(args.episodes), desc=f"plan {args.planner}/{args.model}", unit="ep"):
        episodes.append(run_episode(env, agent, args.seed + i, frames if i == 0 else None))
    env.close()

    summary = summarize(episodes)
    results = {
        "env": args.env,
        "env_kwargs": task_kwargs,
        "model": args.model,
        "planner": args.planner,
        "seed": args.seed,
        "horizon": args.horizon,
        "device": str(device),
        "planner_config": vars(optimizer.config).copy(),
        **summary,
        "per_episode": episodes,
    }
    if frames:
        import imageio.v3 as iio

        atomic_write(
            args.video,
            lambda tmp: iio.imwrite(tmp, np.stack(frames), extension=".gif", duration=100, loop=0),
        )
        results["video"] = str(args.video)
    row = {
        "planner": args.planner,
        "model": args.model,
        **{
            k: summary[k]
            for k in (
                "episodes",
                "success_rate",
                "ci_low",
                "ci_high",
                "mean_return",
                "mean_steps_to_success",
                "ms_per_decision",
            )
        },
    }
    report(results, [row], args.json)
    return 0
