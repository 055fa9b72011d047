"""``vin-gym collect``: record episodes under a policy into a sharded dataset directory.

Running the same command again resumes an interrupted collection: complete shards are
kept, missing or partial ones redone; a different configuration is refused.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from vin_gym.commands.common import add_env_kwargs_arg, add_json_arg, report
from vin_gym.dataclass_args import add_dataclass_args, flags_in_errors, given

if TYPE_CHECKING:
    from vin_gym.data import CollectConfig

#: One line for ``vin-gym --help``.
HELP = "record episodes under a policy into a dataset directory"

#: CollectConfig fields the command sets from other flags (``--env-kwargs``,
#: ``--obs-size``, ``--show-goal``).
_SET_BY_COMMAND = ("env_kwargs",)


def parse_shard(text: str) -> tuple[int, int]:
    """``"I/N"`` -> ``(I, N)``, for ``--shard``."""
    try:
        i, n = (int(v) for v in text.split("/"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected I/N (e.g. 0/4), got {text!r}") from None
    if not 0 <= i < n:
        raise argparse.ArgumentTypeError(f"I/N needs 0 <= I < N, got {text!r}")
    return i, n


def add_parser(sub: argparse._SubParsersAction, name: str) -> None:
    from vin_gym.data import CollectConfig
    from vin_gym.data.policies import POLICIES

    p = sub.add_parser(name, help=HELP, description=__doc__)
    p.add_argument("--out", type=Path, required=True, help="dataset directory")
    add_dataclass_args(
        p,
        CollectConfig,
        skip=_SET_BY_COMMAND,
        flags={"env_id": "--env"},
        choices={"policy": POLICIES},
        parse={"shard": parse_shard},
        metavars={"shard": "I/N"},
        shown={"shard": "0/1"},
    )
    p.add_argument("--obs-size", type=int, default=32, help="frame size in pixels (default: 32)")
    p.add_argument(
        "--show-goal",
        action="store_true",
        help="draw the goal ring in the frames (off by default: it is a "
        "distractor for a world model; the goal is stored either way)",
    )
    add_env_kwargs_arg(p)
    add_json_arg(p)
    p.set_defaults(run=run, config=_config_from)


def _config_from(args: argparse.Namespace) -> CollectConfig:
    """What to collect, from the parsed flags; a bad value is a ``ValueError`` naming its
    flag."""
    from vin_gym.data import CollectConfig
    from vin_gym.env_kwargs import parse_env_kwargs

    chosen = given(CollectConfig, args, skip=_SET_BY_COMMAND)
    env_kwargs = {
        "obs_size": args.obs_size,
        "show_goal": bool(args.show_goal),
        **parse_env_kwargs(chosen.get("env_id", CollectConfig.env_id), args.env_kwargs),
    }
    with flags_in_errors(CollectConfig, flags={"env_id": "--env"}):
        return CollectConfig(env_kwargs=env_kwargs, **chosen)


def run(args: argparse.Namespace) -> int:
    import time

    from vin_gym.data import collect
    from vin_gym.locking import hold_directory

    config = _config_from(args)
    start = time.perf_counter()
    with hold_directory(args.out, "dataset"), flags_in_errors("out"):
        manifest = collect(config, args.out)
    seconds = time.perf_counter() - start
    frames = manifest["num_episodes"] * manifest["episode_length"]
    size = sum(f["bytes"] for s in manifest["shards"] for f in s["files"].values())
    results = {
        "env": config.env_id,
        "policy": config.policy,
        "episodes": manifest["num_episodes"],
        "frames": frames,
        "shards": manifest["num_shards"],
        "workers": config.workers,
        "seconds": round(seconds, 3),
        "frames_per_s": round(frames / seconds, 1),
        "megabytes": round(size / 1e6, 2),
        "out": str(args.out),
    }
    report(results, [results], args.json)
    return 0
