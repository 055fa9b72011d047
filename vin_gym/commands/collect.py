"""``vin-gym collect``: record episodes under a policy into a sharded dataset directory.

Running the same command again resumes an interrupted collection: complete shards are
kept, missing or partial ones redone; a different configuration is refused.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from vin_gym.commands.common import add_env_kwargs_arg, add_json_arg, env_kwargs_from, report

#: One line for ``vin-gym --help``.
HELP = "record episodes under a policy into a dataset directory"


def add_parser(sub: argparse._SubParsersAction, name: str) -> None:
    p = sub.add_parser(
        name,
        help=HELP,
        description=__doc__,
    )
    p.add_argument("--env", default="Billiards-v0", help="environment id")
    p.add_argument(
        "--policy",
        default="random",
        choices=("zero", "random", "colored", "pushes"),
        help="behaviour policy. zero: passive physics (nothing moves unless the env "
        "sets initial speeds); random: uniform actions; colored: coloured-noise "
        "random pushes (correlated in time, blind to the scene); pushes: PRIVILEGED, "
        "strong pushes aimed using the true states (not for fair comparisons)",
    )
    p.add_argument("--episodes", type=int, default=100, help="episodes to record")
    p.add_argument(
        "--steps",
        type=int,
        default=99,
        help="env steps per episode (each episode stores steps + 1 frames)",
    )
    p.add_argument("--obs-size", type=int, default=32, help="frame size in pixels")
    p.add_argument(
        "--show-goal",
        action="store_true",
        help="draw the goal ring in the frames (off by default: it is a "
        "distractor for a world model; the goal is stored either way)",
    )
    add_env_kwargs_arg(p)
    p.add_argument("--out", type=Path, required=True, help="dataset directory")
    p.add_argument("--workers", type=int, default=1, help="processes, each on whole shards")
    p.add_argument("--seed", type=int, default=0, help="base seed")
    p.add_argument(
        "--shard",
        default="0/1",
        metavar="I/N",
        help="write part I of N: disjoint seeds, so N machines make N datasets that load as one",
    )
    p.add_argument(
        "--episodes-per-shard",
        type=int,
        default=None,
        help="episodes per shard file (default: about 16 MiB of frames)",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    add_json_arg(p)
    p.set_defaults(run=run)


def parse_shard(text: str) -> tuple[int, int]:
    try:
        i, n = (int(v) for v in text.split("/"))
    except ValueError:
        raise ValueError(f"--shard must look like I/N (e.g. 0/4), got {text!r}") from None
    if not 0 <= i < n:
        raise ValueError(f"--shard I/N needs 0 <= I < N, got {text!r}")
    return i, n


def run(args: argparse.Namespace) -> int:
    import time

    from vin_gym.data import CollectConfig, collect
    from vin_gym.locking import hold_directory

    env_kwargs = {
        "obs_size": args.obs_size,
        "show_goal": bool(args.show_goal),
        **env_kwargs_from(args),
    }
    config = CollectConfig(
        env_id=args.env,
        env_kwargs=env_kwargs,
        policy=args.policy,
        episodes=args.episodes,
        steps=args.steps,
        seed=args.seed,
        shard=parse_shard(args.shard),
        episodes_per_shard=args.episodes_per_shard,
        workers=args.workers,
        progress=not args.no_progress,
    )
    start = time.perf_counter()
    with hold_directory(args.out, "dataset"):
        manifest = collect(config, args.out)
    seconds = time.perf_counter() - start
    frames = manifest["num_episodes"] * manifest["episode_length"]
    size = sum(f["bytes"] for s in manifest["shards"] for f in s["files"].values())
    results = {
        "env": args.env,
        "policy": args.policy,
        "episodes": manifest["num_episodes"],
        "frames": frames,
        "shards": manifest["num_shards"],
        "workers": args.workers,
        "seconds": round(seconds, 3),
        "frames_per_s": round(frames / seconds, 1),
        "megabytes": round(size / 1e6, 2),
        "out": str(args.out),
    }
    report(results, [results], args.json)
    return 0
