"""``vin-gym train``: train a Visual Interaction Network on collected datasets."""

from __future__ import annotations

import argparse
from pathlib import Path

from vin_gym.commands.common import add_data_arg, add_device_args, add_json_arg, report
from vin_gym.dataclass_args import add_dataclass_args, flags_in, flags_in_errors, given

#: One line for ``vin-gym --help``.
HELP = "train a Visual Interaction Network on datasets"


def add_parser(sub: argparse._SubParsersAction, name: str) -> None:
    from vin_gym.experiments.training import DATA_FIELDS, RUNTIME_FIELDS
    from vin_model.config import ACTION_SLOTS, VINConfig
    from vin_model.training import TrainConfig

    p = sub.add_parser(
        name,
        help=HELP,
        description=__doc__ + " Checkpoints go to OUT/checkpoints, TensorBoard "
        "scalars to OUT/tb. Under torchrun, trains with DDP. If the loss or the weights "
        "become NaN or infinite, training stops with exit code 3, keeping the checkpoints "
        "written before.",
    )
    add_data_arg(p)
    p.add_argument("--out", type=Path, required=True, metavar="RUN", help="run directory")
    p.add_argument(
        "--resume",
        action="store_true",
        help="continue the newest checkpoint in RUN (an error if RUN holds none); the "
        "settings must be the run's, except --steps, --max-minutes and where it runs",
    )
    p.add_argument(
        "--allow-changes",
        action="store_true",
        help="with --resume: accept changed settings (e.g. a lower --lr after a "
        "divergence), recording each change in the checkpoints' config",
    )
    p.add_argument("--val-fraction", type=float, default=0.1, help="episodes held out")
    p.add_argument(
        "--init",
        default=None,
        metavar="CHECKPOINT",
        help="fine-tune: start from this VIN checkpoint's weights ('pretrained': the shipped "
        "VIN), whose model settings the run takes",
    )
    training = p.add_argument_group("training")
    add_dataclass_args(
        training,
        TrainConfig,
        skip=RUNTIME_FIELDS,
        aliases={"rollout_start": ["--rollout"], "curriculum_fraction": ["--curriculum"]},
    )
    model = p.add_argument_group("model (objects, frame size and action size come from the data)")
    add_dataclass_args(model, VINConfig, skip=DATA_FIELDS, choices={"action_slots": ACTION_SLOTS})
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    add_device_args(p)
    add_json_arg(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import dataclasses
    import os
    import sys
    from contextlib import nullcontext

    from vin_gym.experiments.training import RUNTIME_FIELDS, train_on_data
    from vin_gym.locking import hold_directory
    from vin_model.config import VINConfig
    from vin_model.training import TrainConfig, TrainingDiverged

    with flags_in_errors(TrainConfig, VINConfig):
        cfg = TrainConfig(
            **given(TrainConfig, args, skip=RUNTIME_FIELDS),
            device=args.device,
            threads=args.threads,
            progress=not args.no_progress,
        )
        VINConfig(**given(VINConfig, args))  # checked now, built from the data below
    rank0 = int(os.environ.get("RANK", "0")) == 0  # under torchrun, rank 0 holds the run
    try:
        lock = hold_directory(args.out, "run") if rank0 else nullcontext()
        # the library names fields and parameters, the command their flags (a one-word
        # field such as steps is left alone: "frames 1 steps apart" is no flag)
        named = [f.name for f in dataclasses.fields(TrainConfig) if "_" in f.name]
        with lock, flags_in_errors("allow_changes", "init", *named):
            _, summary = train_on_data(
                args.data,
                args.out,
                cfg,
                model=given(VINConfig, args),
                val_fraction=args.val_fraction,
                resume=args.resume,
                allow_changes=args.allow_changes,
                init=args.init,
            )
    except TrainingDiverged as exc:  # not bad input (exit 2): the run itself failed
        text = flags_in(str(exc), "lr", "resume", "allow_changes")
        print(f"vin-gym train: error: {text}", file=sys.stderr)
        return 3
    row = {k: summary[k] for k in ("step", "minutes", "steps_per_s", "train/loss")}
    row |= {k: v for k, v in summary.items() if k.startswith("val/pos")}
    if rank0:  # under torchrun, one process reports
        report(summary, [row], args.json)
    return 0
