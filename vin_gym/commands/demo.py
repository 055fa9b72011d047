"""``vin-gym demo``: the whole pipeline on small budgets, in minutes on two CPU cores.

By default (``--start pretrained``) the demo starts from the VIN shipped for ``--env``
(``pretrained``: learned online on Billiards-v0 by ``vin-gym mbrl`` from 31,200 steps;
``pretrained:TASK_ID`` for the other skill tasks), because a VIN learned from scratch in
a few minutes on two CPU cores does not plan well yet:

1. fine-tune it online (``vin-gym mbrl`` with ``init=pretrained``): random pushes, then
   ``--online-iterations`` rounds of episodes collected by its own MPC agent, training
   on after each;
2. plan: MPC (iCEM, horizon 25 by default) over the fine-tuned VIN on ``--plan-episodes``
   fixed evaluation episodes (episode i resets with seed 1000 + i, as in ``vin-gym
   compare``);
3. score uniform random actions on the same episodes, for reference;
4. write OUT/demo.gif (every episode in order, none picked, with the goal ring and the
   VIN's predicted path of the green ball drawn in yellow), OUT/summary.json and a table.

``--start scratch`` instead collects coloured-noise random pushes (which see nothing the
agent does not) and trains a new VIN on them for ``--train-steps`` steps, with the
episode length, batch, rollout and learning rates of the VIN recipe for control (the run
that made the shipped VIN) unless flags say otherwise.
Everything lands under ``--out``; run it again and the data and the models are reused.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

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
from vin_gym.experiments import recipe
from vin_gym.experiments.models import checkpoint_path, shipped_env_steps, shipped_model
from vin_gym.experiments.recipe import check_clip_fits
from vin_gym.utils import plural

#: One line for ``vin-gym --help``.
HELP = "fine-tune the shipped VIN online (or learn one), plan with it and write a GIF"


def add_parser(sub: argparse._SubParsersAction, name: str) -> None:
    p = sub.add_parser(
        name,
        help=HELP,
        description=__doc__,
    )
    p.add_argument("--env", default="Billiards-v0", help="environment id")
    add_env_kwargs_arg(p)
    p.add_argument(
        "--start",
        default="pretrained",
        choices=("pretrained", "scratch"),
        help="fine-tune the shipped VIN online, or learn one from scratch",
    )
    online = p.add_argument_group("--start pretrained: online fine-tuning")
    online.add_argument(
        "--online-iterations", type=int, default=2, help="rounds of the agent's own episodes"
    )
    online.add_argument(
        "--online-episodes", type=int, default=5, help="episodes the agent collects per round"
    )
    online.add_argument(
        "--online-train-steps",
        type=int,
        default=300,
        help="training steps after the random pushes and after each round",
    )
    online.add_argument(
        "--online-seed-episodes", type=int, default=50, help="episodes of random pushes first"
    )
    online.add_argument("--online-lr", type=float, default=3e-4, help="peak learning rate")
    scratch = p.add_argument_group("--start scratch: collect and train")
    headline = recipe.HEADLINE  # read now: the recipe's values are the flags' defaults
    scratch.add_argument("--episodes", type=int, default=300, help="data: episodes to collect")
    scratch.add_argument(
        "--steps", type=int, default=headline.episode_steps, help="data: env steps per episode"
    )
    scratch.add_argument(
        "--obs-size", type=int, default=headline.obs_size, help="frame size the VIN sees"
    )
    scratch.add_argument("--train-steps", type=int, default=6000, help="training steps")
    scratch.add_argument(
        "--train-minutes",
        type=float,
        default=None,
        help="safety cap on training time (reported when it stops training early)",
    )
    scratch.add_argument(
        "--batch-size", type=int, default=headline.batch_size, help="training clips per step"
    )
    scratch.add_argument(
        "--rollout", type=int, default=headline.rollout_max, help="training rollout steps (max)"
    )
    scratch.add_argument(
        "--lr-final",
        type=float,
        default=headline.lr_final,
        help="learning rate at the end of the cosine schedule",
    )
    p.add_argument("--plan-episodes", type=int, default=5, help="planning episodes")
    p.add_argument("--max-episode-steps", type=int, default=100, help="planning episode step limit")
    p.add_argument("--seed", type=int, default=0, help="seed of data, training and planner")
    p.add_argument("--size", type=int, default=128, help="GIF frame size in pixels")
    p.add_argument("--out", type=Path, default=Path("demo_out"), help="output directory")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    add_planner_args(p)
    add_device_args(p)
    add_json_arg(p)
    p.set_defaults(run=run)


def _check(args: argparse.Namespace) -> None:
    for name in ("episodes", "steps", "plan_episodes", "max_episode_steps", "online_episodes"):
        if getattr(args, name) < 1:
            raise ValueError(f"--{name.replace('_', '-')} must be >= 1, got {getattr(args, name)}")
    if args.train_steps < 1:
        raise ValueError(f"--train-steps must be >= 1, got {args.train_steps}")
    if args.train_minutes is not None and not args.train_minutes > 0:
        raise ValueError(f"--train-minutes must be positive, got {args.train_minutes}")
    if not args.lr_final >= 0:
        raise ValueError(f"--lr-final must be >= 0, got {args.lr_final}")
    check_clip_fits(args.steps, args.rollout, "--steps", "--rollout")
    for name in ("online_iterations", "online_train_steps", "online_seed_episodes"):
        if getattr(args, name) < 1:
            raise ValueError(f"--{name.replace('_', '-')} must be >= 1, got {getattr(args, name)}")
    if args.start == "pretrained":
        try:
            shipped_model(args.env)
        except ValueError as exc:
            raise ValueError(f"--start pretrained: {exc}; --start scratch learns one") from None


def fine_tune_config(args: argparse.Namespace, task_kwargs: dict) -> Any:
    """The online fine-tuning run of ``--start pretrained``, as an ``MBRLConfig``."""
    from planners import MPCConfig
    from vin_gym.env_record import EnvRecord
    from vin_gym.experiments.mbrl_config import MBRLConfig
    from vin_model.checkpoint import read_config

    episode_steps = recipe.HEADLINE.episode_steps
    horizon = mpc_settings(args).get("horizon", MPCConfig.horizon)
    model = shipped_model(args.env)
    learned = EnvRecord.from_checkpoint(read_config(checkpoint_path(model)))
    return MBRLConfig(
        env_id=args.env,
        env_kwargs=task_kwargs,
        obs_size=int(learned.frame_size),
        show_goal=bool(learned.show_goal),
        seed=args.seed,
        env_steps=episode_steps
        * (args.online_seed_episodes + args.online_iterations * args.online_episodes),
        episode_steps=episode_steps,
        seed_episodes=args.online_seed_episodes,
        agent_episodes=args.online_episodes,
        seed_train_steps=args.online_train_steps,
        train_steps=args.online_train_steps,
        lr=args.online_lr,
        lr_final=args.online_lr / 10,
        init=model,
        planner=args.planner,
        planner_kwargs=planner_settings(args),
        horizon=horizon,
        eval_episodes=0,
        device=args.device,
        threads=args.threads,
    )


def run(args: argparse.Namespace) -> int:
    import time

    import vin_gym  # noqa: F401  (registers the environments)
    from vin_gym.experiments.episodes import summarize
    from vin_model.device import get_device, set_threads

    _check(args)
    set_threads(args.threads)
    device = get_device(args.device)
    task_kwargs = env_kwargs_from(args)
    timings: dict[str, float] = {}

    t = time.perf_counter()
    if args.start == "pretrained":
        model_dir, data, train = _fine_tune(args, task_kwargs)
    else:
        model_dir, data, train = _from_scratch(args, task_kwargs)
    timings["learn_s"] = time.perf_counter() - t

    on = plural(args.plan_episodes, "episode")
    print(f"[2/4] plan with {args.planner.upper()} over the VIN on {on}")
    t = time.perf_counter()
    env, agent, seeds, episodes, videos = _plan(args, task_kwargs, model_dir, device)
    timings["plan_s"] = time.perf_counter() - t

    print(f"[3/4] uniform random actions on the same {plural(args.plan_episodes, 'episode')}")
    random = _random_actions(args, task_kwargs, seeds)

    print("[4/4] the GIF of every episode and the summary")
    gif = _write_gif(args.out / "demo.gif", env, seeds, videos, episodes)
    summary = summarize(episodes)
    timings["total_s"] = sum(timings.values())
    results = {
        "env": args.env,
        "env_kwargs": task_kwargs,
        "data": data,
        "train": {k: train[k] for k in ("step", "minutes", "stopped_by") if k in train}
        | {k: v for k, v in train.items() if k.startswith("val/pos")},
        "planner": {
            "name": args.planner,
            **vars(agent.optimizer.config),
            **{k: v for k, v in vars(agent.config).items() if k != "record_prediction"},
        },
        **summary,
        "random_success_rate": random["success_rate"],
        "gif": str(gif),
        "gif_episodes": [e["seed"] for e in episodes],
        "timings": timings,
        "per_episode": episodes,
    }
    _report(args, results, episodes, random, gif)
    return 0


def _fine_tune(args: argparse.Namespace, task_kwargs: dict) -> tuple[Path, dict, dict]:
    """Step 1 of ``--start pretrained``: the shipped VIN fine-tuned online; its model
    directory, the data it saw and its training summary."""
    from vin_gym.experiments.mbrl import STATE_FILE, run_mbrl

    out: Path = args.out
    config = fine_tune_config(args, task_kwargs)
    print(
        f"[1/4] fine-tune the shipped VIN online -> {out / 'online'}: "
        f"{config.seed_episodes} episodes of random pushes, then "
        f"{config.iterations} x {config.agent_episodes} of its own MPC agent, "
        f"{config.total_train_steps} training steps ({config.env_steps} env steps)"
    )
    with planner_errors():
        online = run_mbrl(
            config,
            out / "online",
            resume=(out / "online" / STATE_FILE).exists(),
            progress=not args.no_progress,
        )
    data = {
        "start": f"{config.init} (vin_model/pretrained), fine-tuned online",
        "policy": f"random pushes, then the MPC agent with exploration noise {config.explore_std}",
        "episodes": config.seed_episodes + config.iterations * config.agent_episodes,
        "env_steps": config.env_steps,
        "pretrained_env_steps": shipped_env_steps(config.init),
    }
    return out / "online" / "model", data, {"step": online["train_step"]}


def _from_scratch(args: argparse.Namespace, task_kwargs: dict) -> tuple[Path, dict, dict]:
    """Step 1 of ``--start scratch``: coloured-noise data collected and a VIN trained on
    it; its model directory, the data and the training summary."""
    from vin_gym.experiments import pipeline as pipe

    out: Path = args.out
    progress = not args.no_progress
    env_kwargs = {**task_kwargs, "obs_size": args.obs_size, "show_goal": False}
    size = f"{plural(args.episodes, 'episode')} x {plural(args.steps, 'step')}"
    print(f"[1/4] collect {size} -> {out / 'data'}")
    pipe.collect_data(
        out / "data", args.env, env_kwargs, args.episodes, args.steps, args.seed, progress
    )
    print(f"      train a VIN for {args.train_steps} steps -> {out / 'vin'}")
    train = pipe.train_vin(
        [out / "data"],
        out / "vin",
        minutes=args.train_minutes,
        steps=args.train_steps,
        batch_size=args.batch_size,
        rollout_max=args.rollout,
        lr_final=args.lr_final,
        seed=args.seed,
        device=args.device,
        threads=args.threads,
        progress=progress,
    )
    data = {
        "start": "scratch",
        "policy": "colored",
        "episodes": args.episodes,
        "steps": args.steps,
        "env_steps": args.episodes * args.steps,
    }
    return out / "vin", data, train


def _plan(args: argparse.Namespace, task_kwargs: dict, model_dir: Path, device: Any) -> tuple:
    """Step 2: MPC over the VIN of ``model_dir`` on the fixed evaluation episodes; the
    env (kept open for the GIF), the agent, the seeds, the episodes and their frames."""
    import gymnasium as gym

    from planners import MPCConfig
    from vin_gym.baselines.callbacks import eval_seeds
    from vin_gym.experiments import pipeline as pipe

    env = gym.make(
        args.env,
        obs_mode="pixels",
        render_mode="rgb_array",
        render_size=args.size,
        max_episode_steps=args.max_episode_steps,
        **pipe.vin_env_kwargs(model_dir, task_kwargs),
    )
    model = pipe.load_vin(model_dir, device, env)
    planner, mpc = planner_settings(args), mpc_settings(args)
    horizon = mpc.pop("horizon", MPCConfig.horizon)
    with planner_errors():
        agent = pipe.make_agent(
            model, args.planner, planner, horizon, args.seed, record_prediction=True, **mpc
        )
    seeds = eval_seeds(args.plan_episodes)
    episodes, videos = pipe.plan_episodes(
        env,
        agent,
        seeds,
        f"plan {args.planner}/vin",
        keep_frames=True,
        progress=not args.no_progress,
    )
    return env, agent, seeds, episodes, videos


def _random_actions(args: argparse.Namespace, task_kwargs: dict, seeds: list[int]) -> dict:
    """Step 3: the summary of uniform random actions on the same episodes."""
    import gymnasium as gym
    import numpy as np

    from vin_gym.experiments import pipeline as pipe
    from vin_gym.experiments.episodes import summarize

    random_env = gym.make(
        args.env, obs_mode="state", max_episode_steps=args.max_episode_steps, **task_kwargs
    )
    random = summarize(pipe.random_episodes(random_env, seeds, np.random.default_rng(args.seed)))
    random_env.close()
    return random


def _write_gif(gif: Path, env: Any, seeds: list[int], videos: list, episodes: list) -> Path:
    """Step 4: the GIF of every episode in order, whatever its outcome (a picked episode
    shows nothing); closes ``env``."""
    import imageio.v3 as iio
    import numpy as np

    from vin_gym.experiments import pipeline as pipe
    from vin_gym.utils import atomic_write

    base = env.unwrapped
    goals = []
    for seed in seeds:
        env.reset(seed=seed)
        goals.append(np.asarray(base.goal))
    env.close()
    reel = pipe.episode_reel(
        videos, episodes, goals, base.task.goal_radius, base.sim_params.table_size
    )
    atomic_write(gif, lambda tmp: iio.imwrite(tmp, reel, extension=".gif", duration=100, loop=0))
    return gif


def _report(
    args: argparse.Namespace, results: dict, episodes: list, random: dict, gif: Path
) -> None:
    """The table, the JSON files and the closing line."""
    from vin_gym.utils import write_json

    rows = [
        {
            "seed": e["seed"],
            "success": e["success"],
            "steps": e["steps"],
            "return": e["return"],
            "final_distance": e["final_distance"],
        }
        for e in episodes
    ]
    report(results, rows, args.json)
    results_path = write_json(args.out / "summary.json", results)
    wins = sum(e["success"] for e in episodes)
    print(
        f"VIN-MPC succeeded in {wins} of {plural(len(episodes), 'episode')} "
        f"(uniform random actions: {round(random['success_rate'] * len(episodes))} of "
        f"{len(episodes)} on the same episodes); "
        f"{gif} shows every episode in order; "
        f"{results['timings']['total_s'] / 60:.1f} min in all; summary in {results_path}"
    )
