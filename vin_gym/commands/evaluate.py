"""``vin-gym evaluate``: position error of trained VINs per rollout step, with baselines."""

from __future__ import annotations

import argparse
from pathlib import Path

from vin_gym.commands.common import add_data_arg, add_device_args, add_json_arg, report
from vin_gym.dataclass_args import flags_in_errors

#: One line for ``vin-gym --help``.
HELP = "position error of a trained VIN per rollout step"


def add_parser(sub: argparse._SubParsersAction, name: str) -> None:
    p = sub.add_parser(
        name,
        help=HELP,
        description=__doc__ + " Writes a table, JSON (the squared and the Euclidean "
        "position error per step, and the baselines'), a PNG plot and a GIF of true vs "
        "predicted trajectories.",
    )
    p.add_argument(
        "--checkpoint",
        required=True,
        metavar="RUN",
        help="run directory (newest checkpoint), checkpoint directory, 'pretrained' (the "
        "skill task's shipped VIN) or 'pretrained:SYSTEM' (a paper system's)",
    )
    add_data_arg(p)
    p.add_argument(
        "--horizon",
        type=int,
        default=100,
        help="rollout steps after 6 frames (capped by the episode length)",
    )
    p.add_argument(
        "--ablation",
        type=Path,
        nargs="*",
        default=[],
        metavar="RUN",
        help="more checkpoints evaluated on the same clips",
    )
    p.add_argument(
        "--split",
        choices=("train", "val", "all"),
        default="val",
        help="episodes to use (val: the ones training held out, as its checkpoint records "
        "them; all: a separate test dataset)",
    )
    p.add_argument(
        "--val-fraction",
        type=float,
        default=None,
        help="held-out share of the split (default: the checkpoint's, else 0.1)",
    )
    p.add_argument(
        "--seed",
        type=int,
        default=None,
        help="seed of the train/val split (default: the checkpoint's, else 0)",
    )
    p.add_argument("--max-clips", type=int, default=1000, help="clips evaluated at most")
    p.add_argument(
        "--batch-size", type=int, default=100, help="clips per forward pass (memory, not results)"
    )
    p.add_argument(
        "--out",
        type=Path,
        default=None,
        help="directory for the PNG and GIF (default: RUN/eval; eval/NAME for a shipped VIN)",
    )
    p.add_argument("--no-gif", action="store_true", help="skip the trajectory GIF")
    p.add_argument(
        "--allow-mismatch",
        action="store_true",
        help="evaluate on data of another env id than the checkpoint learned (a warning)",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    add_device_args(p)
    add_json_arg(p)
    p.set_defaults(run=run)


def _name(path: Path, config) -> str:
    if config.state_input:
        return "IN from state"
    if not config.relations:
        return "VIN without relations"
    return path.name or str(path)


def run(args: argparse.Namespace) -> int:
    import sys

    from vin_gym.data import open_dataset
    from vin_model.checkpoint import load_model, recorded_split
    from vin_model.device import get_device, set_threads
    from vin_model.evaluate import (
        check_data,
        evaluate,
        plot_errors,
        recorded_radius,
        summary_rows,
        trajectory_gif,
    )
    from vin_model.training import open_clips

    if args.out is not None and args.out.exists() and not args.out.is_dir():
        raise ValueError(f"--out {args.out} is an existing file; expected a directory")
    for flag in ("horizon", "max_clips", "batch_size"):
        if getattr(args, flag) < 1:
            name = "--" + flag.replace("_", "-")
            raise ValueError(f"{name} must be >= 1, got {getattr(args, flag)}")
    from vin_gym.experiments.models import checkpoint_path, is_pretrained

    given = args.checkpoint
    args.checkpoint = checkpoint_path(given, "--checkpoint")  # or FileNotFoundError
    if args.out is None and is_pretrained(given):  # never into the installed package
        args.out = Path("eval") / given.replace(":", "_").replace("/", "_")
    set_threads(args.threads)
    device = get_device(args.device)
    models = {"VIN": load_model(args.checkpoint, device)}
    for path in args.ablation:
        m = load_model(path, device)
        name = _name(path, m.config)
        models[name if name not in models else str(path)] = m
    visible = models["VIN"].config.visible
    for name, m in models.items():
        if m.config.visible != visible:
            raise ValueError(f"{name} reads {m.config.visible} frames, the VIN {visible}")
    episodes = open_dataset([str(d) for d in args.data])
    with flags_in_errors("allow_mismatch", "gif"):  # the library names its parameters
        check_data([args.checkpoint, *args.ablation], episodes.meta, args.allow_mismatch)
        radius = None if args.no_gif else recorded_radius(episodes)
    horizon = min(args.horizon, episodes.episode_length - visible)
    if horizon < 1:
        raise ValueError(
            f"episodes of {episodes.episode_length} frames leave no rollout after "
            f"{visible} visible frames"
        )
    if horizon < args.horizon:
        print(
            f"note: episodes have {episodes.episode_length} frames, so the horizon is "
            f"{horizon} (asked {args.horizon})",
            file=sys.stderr,
        )
    val_fraction, seed = recorded_split(args.checkpoint, args.val_fraction, args.seed)
    clips = open_clips(args.data, visible, horizon, args.split, val_fraction, seed)
    meta = clips.meta
    result = evaluate(
        models,
        clips,
        horizon,
        dt=float(meta.get("dt", 0.1)),
        batch_size=args.batch_size,
        max_clips=args.max_clips,
        device=device,
        progress=not args.no_progress,
    )
    sample = result.pop("_sample")
    out = args.out or (Path(args.checkpoint) / "eval")
    result["plot"] = str(plot_errors(result, out / "error_vs_step.png"))
    plot_errors(result, out / "euclid_vs_step.png", metric="euclid")
    if not args.no_gif:
        result["gif"] = str(
            trajectory_gif(sample, out / "trajectories.gif", meta, list(models), radius=radius)
        )
    result["checkpoint"] = given
    result["data"] = [str(d) for d in args.data]
    result["mse_per_step"] = result["models"]["VIN"]["mse_per_step"]
    result["euclid_per_step"] = result["models"]["VIN"]["euclid_per_step"]
    rows = summary_rows(result, "mse") + summary_rows(result, "euclid")
    report(result, rows, args.json)
    return 0
