"""``vin-gym plan``: model predictive control with a world model, evaluated on fixed seeds.

Episode ``i`` resets with seed ``--seed + i`` (by default the development episodes from
1000; the test episodes start at 100000); the planner's random
generator is seeded with ``--planner-seed``, apart from the episodes. The world model is
the oracle (the true simulator) or a trained VIN checkpoint; the optimizer random
shooting, CEM, iCEM or MPPI. Reports
the success rate, the mean return, the steps to success and the milliseconds per
decision, as a table and (``--json``) JSON; ``--video`` writes a GIF of the first episode
with the planned path of the target drawn over the frames.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np

from vin_gym.commands.common import (
    add_device_args,
    add_env_kwargs_arg,
    add_json_arg,
    add_planner_args,
    env_kwargs_from,
    mpc_settings,
    planner_errors,
    planner_settings,
    report,
)
from vin_gym.dataclass_args import flags_in_errors
from vin_gym.seeds import DEV_SEED_BASE

#: One line for ``vin-gym --help``.
HELP = "plan with a world model (MPC) and report success over fixed seeds"


def add_parser(sub: argparse._SubParsersAction, name: str) -> None:
    p = sub.add_parser(
        name,
        help=HELP,
        description=__doc__,
    )
    p.add_argument("--env", default="Billiards-v0", help="environment id")
    add_env_kwargs_arg(p)
    p.add_argument(
        "--model",
        default="oracle",
        help="world model: 'oracle' (true simulator), a VIN checkpoint path, 'pretrained' (the "
        "skill task's shipped VIN) or 'pretrained:SYSTEM' (a paper system's)",
    )
    p.add_argument("--episodes", type=int, default=50, help="evaluation episodes")
    p.add_argument(
        "--seed",
        type=int,
        default=DEV_SEED_BASE,
        help="episode i resets with seed + i (default: the development episodes)",
    )
    p.add_argument(
        "--planner-seed", type=int, default=0, help="seed of the planner's random generator"
    )
    p.add_argument("--n-objects", type=int, default=None, help="objects in the scene")
    p.add_argument(
        "--disagreement",
        type=float,
        default=0.0,
        metavar="W",
        help="with an ensemble VIN: subtract W times its members' spread (table units) from "
        "each step's reward, against plans that exploit the model's errors (default: 0)",
    )
    p.add_argument(
        "--allow-mismatch",
        action="store_true",
        help="plan with a VIN checkpoint in an env other than the one it learned "
        "(env id, objects, frame size, goal ring, background, push scale): a warning, "
        "not an error",
    )
    p.add_argument(
        "--video",
        type=Path,
        default=None,
        metavar="GIF",
        help="write a GIF of the first episode with the planned target path",
    )
    p.add_argument(
        "--max-episode-steps",
        type=int,
        default=None,
        metavar="N",
        help="episode step limit (default: the env's own)",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    add_planner_args(p)
    add_device_args(p)
    add_json_arg(p)
    p.set_defaults(run=run)


#: The summary's columns in the table ``plan`` prints.
_COLUMNS = (
    "episodes",
    "success_rate",
    "ci_low",
    "ci_high",
    "mean_return",
    "mean_steps_to_success",
    "ms_per_decision",
)


def _make_env(args: argparse.Namespace, task_kwargs: dict[str, Any]) -> Any:
    """The env to plan in: state observations for the oracle (it reads the simulator),
    for a VIN frames as in its training data (size, goal ring, background...), with what
    the command line sets explicitly winning (and then checked)."""
    import gymnasium as gym

    from vin_gym.experiments import models

    env_kwargs: dict[str, Any] = {}
    obs_mode = "state" if args.model == "oracle" else "pixels"
    if obs_mode == "pixels":
        from vin_gym.experiments.pipeline import vin_env_kwargs

        with flags_in_errors("model"):  # the library names its parameter
            env_kwargs.update(vin_env_kwargs(models.checkpoint_path(args.model), task_kwargs))
    env_kwargs.update(task_kwargs)
    if args.n_objects is not None:
        env_kwargs["n_objects"] = args.n_objects
    if args.video is not None:
        env_kwargs.update(render_mode="rgb_array", render_size=256)
    limit = {} if args.max_episode_steps is None else {"max_episode_steps": args.max_episode_steps}
    return gym.make(args.env, obs_mode=obs_mode, **limit, **env_kwargs)


def _first_episode_reel(env: Any, frames: list, episode: dict[str, Any]) -> np.ndarray:
    """The GIF's frames: the first episode with its goal ring, seed and outcome drawn."""
    from vin_gym.experiments.pipeline import episode_reel

    env.reset(seed=episode["seed"])  # the goal of the episode's seed
    base = env.unwrapped
    goal = np.asarray(base.goal)
    return episode_reel(
        [frames], [episode], [goal], base.task.goal_radius, base.sim_params.table_size
    )


def run(args: argparse.Namespace) -> int:
    import vin_gym  # noqa: F401  (registers the environments)
    from planners import MPCConfig
    from vin_gym.experiments import models
    from vin_gym.experiments.episodes import MPCPolicy, run_episodes, summarize
    from vin_gym.experiments.pipeline import make_agent
    from vin_gym.registration import check_env_id
    from vin_gym.utils import atomic_write
    from vin_model.device import get_device, set_threads

    if args.episodes < 1:
        raise ValueError(f"--episodes must be >= 1, got {args.episodes}")
    if args.max_episode_steps is not None and args.max_episode_steps < 1:
        raise ValueError(f"--max-episode-steps must be >= 1, got {args.max_episode_steps}")
    set_threads(args.threads)
    device = get_device(args.device)
    check_env_id(args.env)
    task_kwargs = env_kwargs_from(args)
    env = _make_env(args, task_kwargs)
    overrides, mpc = planner_settings(args), mpc_settings(args)
    with flags_in_errors("model", "allow_mismatch", "disagreement"):  # the library's names
        model = models.load_world_model(
            args.model, env, device, args.allow_mismatch, args.disagreement
        )
    horizon = mpc.pop("horizon", MPCConfig.horizon)
    with planner_errors():
        agent = make_agent(
            model,
            args.planner,
            overrides,
            horizon,
            args.planner_seed,
            args.video is not None,
            **mpc,
        )
    optimizer = agent.optimizer

    from vin_gym.provenance import load_average, machine_info

    load_start = load_average()  # ms_per_decision is a timing: record the machine's load
    episodes, videos = run_episodes(
        env,
        MPCPolicy(env, agent),
        range(args.seed, args.seed + args.episodes),
        f"plan {args.planner}/{args.model}",
        keep_frames=int(args.video is not None),  # the first episode's
        progress=not args.no_progress,
        final_distance=False,
    )
    reel = _first_episode_reel(env, videos[0], episodes[0]) if videos[0] else None
    env.close()

    summary = summarize(episodes)
    results = {
        "env": args.env,
        "env_kwargs": task_kwargs,
        "model": args.model,
        "disagreement": args.disagreement,
        "planner": args.planner,
        "seed": args.seed,
        "planner_seed": args.planner_seed,
        "max_episode_steps": args.max_episode_steps,
        "horizon": agent.config.horizon,
        "mpc_config": {k: v for k, v in vars(agent.config).items() if k != "record_prediction"},
        "device": str(device),
        "planner_config": vars(optimizer.config).copy(),
        **summary,
        "machine": machine_info(load_start=load_start),
        "per_episode": episodes,
    }
    if reel is not None:
        import imageio.v3 as iio

        atomic_write(
            args.video, lambda tmp: iio.imwrite(tmp, reel, extension=".gif", duration=100, loop=0)
        )
        results["video"] = str(args.video)
    row = {"planner": args.planner, "model": args.model, **{k: summary[k] for k in _COLUMNS}}
    report(results, [row], args.json)
    return 0
