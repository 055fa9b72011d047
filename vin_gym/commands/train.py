"""``vin-gym train``: train a Visual Interaction Network on collected datasets."""

from __future__ import annotations

import argparse
from pathlib import Path

from vin_gym.commands.common import add_device_args, add_json_arg, report


def add_parser(sub: argparse._SubParsersAction, name: str) -> None:
    p = sub.add_parser(
        name,
        help="train a Visual Interaction Network on datasets",
        description=__doc__ + " Checkpoints go to OUT/checkpoints, TensorBoard "
        "scalars to OUT/tb. Under torchrun, trains with DDP. If the loss or the weights "
        "become NaN or infinite, training stops with exit code 3, keeping the checkpoints "
        "written before.",
    )
    p.add_argument(
        "--data",
        type=Path,
        nargs="+",
        required=True,
        metavar="DIR",
        help="dataset directories (from `vin-gym collect`), read as one",
    )
    p.add_argument("--out", type=Path, required=True, metavar="RUN", help="run directory")
    p.add_argument(
        "--steps",
        type=int,
        default=10_000,
        help="optimiser steps; the learning-rate and rollout schedules follow them",
    )
    p.add_argument("--batch-size", type=int, default=100, help="clips per step (per process)")
    p.add_argument(
        "--max-minutes",
        type=float,
        default=None,
        help="safety cap: stop after this much training time (reported when it triggers; "
        "the schedules still follow --steps)",
    )
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
    p.add_argument(
        "--seed",
        type=int,
        default=0,
        help="seed of initialisation, batch order and the train/validation split",
    )
    p.add_argument("--lr", type=float, default=1e-3, help="peak learning rate (Adam)")
    p.add_argument("--rollout", type=int, default=8, help="rollout steps at the start")
    p.add_argument(
        "--rollout-max", type=int, default=48, help="rollout steps at the end of the curriculum"
    )
    p.add_argument(
        "--curriculum",
        type=float,
        default=0.5,
        help="fraction of training over which the rollout grows",
    )
    p.add_argument(
        "--code-noise",
        type=float,
        default=0.0,
        help="std of noise on the codes the dynamics read back",
    )
    p.add_argument(
        "--tail-from",
        type=int,
        default=8,
        help="rollout steps trained on the whole batch; later steps on a share",
    )
    p.add_argument(
        "--tail-fraction",
        type=float,
        default=0.25,
        help="share of the batch trained beyond --tail-from steps (1: all)",
    )
    p.add_argument(
        "--contact-weight",
        type=float,
        default=0.0,
        help="extra weight of rollout steps from a contact on (0: none)",
    )
    p.add_argument(
        "--contact-threshold",
        type=float,
        default=0.5,
        help="velocity change per step of a non-cue object that marks a contact",
    )
    p.add_argument("--discount", type=float, default=0.95, help="rollout step discount")
    p.add_argument("--checkpoint-every", type=int, default=500, metavar="K")
    p.add_argument("--val-fraction", type=float, default=0.1, help="episodes held out")
    p.add_argument("--code-size", type=int, default=16, help="state code size per object")
    p.add_argument("--hidden", type=int, default=64, help="MLP width")
    p.add_argument("--conv-channels", type=int, default=8, help="first conv layer's channels")
    p.add_argument("--no-relations", action="store_true", help="ablation: no relation nets")
    p.add_argument(
        "--action-slots",
        default="cue",
        choices=("cue", "all"),
        help="slots that read the action: the cue's (slot 0) only, or every slot's",
    )
    p.add_argument(
        "--ensemble",
        type=int,
        default=1,
        metavar="E",
        help="dynamics members sharing the encoder (planning uses their mean and spread)",
    )
    p.add_argument(
        "--state-input",
        action="store_true",
        help="ablation: encode true states instead of frames (IN from state)",
    )
    p.add_argument("--compile", action="store_true", help="torch.compile the model")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    add_device_args(p)
    add_json_arg(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import os
    import sys

    from vin_model.config import VINConfig
    from vin_model.train import TrainConfig, TrainingDiverged, open_clips, split_record, train

    cfg = TrainConfig(
        steps=args.steps,
        batch_size=args.batch_size,
        lr=args.lr,
        rollout_start=args.rollout,
        rollout_max=max(args.rollout, args.rollout_max),
        curriculum_fraction=args.curriculum,
        code_noise=args.code_noise,
        tail_from=args.tail_from,
        tail_fraction=args.tail_fraction,
        discount=args.discount,
        contact_weight=args.contact_weight,
        contact_threshold=args.contact_threshold,
        checkpoint_every=args.checkpoint_every,
        seed=args.seed,
        max_minutes=args.max_minutes,
        device=args.device,
        threads=args.threads,
        compile=args.compile,
        progress=not args.no_progress,
    )
    visible = 6
    split = (args.val_fraction, args.seed)
    train_clips = open_clips(args.data, visible, cfg.rollout_max, "train", *split)
    val_clips = (
        open_clips(args.data, visible, cfg.rollout_max, "val", *split)
        if args.val_fraction > 0
        else None
    )
    meta = train_clips.meta
    model_cfg = VINConfig.for_data(
        meta,
        visible=visible,
        code_size=args.code_size,
        conv_channels=args.conv_channels,
        hidden=args.hidden,
        relations=not args.no_relations,
        action_slots=args.action_slots,
        ensemble=args.ensemble,
        state_input=args.state_input,
    )
    meta_out = {k: v for k, v in meta.items() if k != "sources"}
    try:
        summary = train(
            args.out,
            train_clips,
            val_clips,
            model_cfg,
            cfg,
            resume=args.resume,
            extra={
                "data": [str(d) for d in args.data],
                "meta": meta_out,
                "split": split_record(train_clips, args.val_fraction, args.seed),
            },
            allow_changes=args.allow_changes,
        )
    except TrainingDiverged as exc:  # not bad input (exit 2): the run itself failed
        print(f"vin-gym train: error: {exc}", file=sys.stderr)
        return 3
    row = {k: summary[k] for k in ("step", "minutes", "steps_per_s", "train/loss")}
    row |= {k: v for k, v in summary.items() if k.startswith("val/pos")}
    if int(os.environ.get("RANK", "0")) == 0:  # under torchrun, one process reports
        report(summary, [row], args.json)
    return 0
