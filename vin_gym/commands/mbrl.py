"""``vin-gym mbrl``: online model learning, a VIN trained on its own planner's episodes.

Seeds a dataset with random pushes, trains a VIN, then iterates: MPC over the VIN (with
exploration noise) collects episodes in the real env, they join the dataset, the VIN
trains on, and the agent is evaluated on fixed seeds. Budgets are counts (environment
steps, training steps), never minutes. Every iteration is checkpointed in RUN; after a
kill, the same command with --resume continues, losing at most the iteration in
progress. Success against environment steps goes to RUN/tb (TensorBoard) and to the
table printed as the run goes.

Example (the skill task):

  vin-gym mbrl --env Billiards-v0 --env-kwargs initial_speed=0 damping=1.0 \\
      --out runs/mbrl --env-steps 30000
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import MISSING, fields
from pathlib import Path
from typing import Any

from vin_gym.commands.common import add_json_arg, report
from vin_gym.experiments.mbrl import SEED_POLICIES, MBRLConfig

#: Config fields whose flag is not ``--field-name``.
_FLAG_NAMES = {"env_id": "--env"}
#: Fields with a fixed set of values.
_CHOICES = {"seed_policy": SEED_POLICIES, "planner": ("cem", "icem", "mppi", "random")}
#: Dict fields, given as ``--flag key=value ...``.
_DICT_FIELDS = ("env_kwargs", "model", "training", "planner_kwargs")
#: Columns of the table printed as the run goes.
COLUMNS = (
    "iteration",
    "env_steps",
    "train_step",
    "success_rate",
    "success_low",
    "success_high",
    "data_success",
    "val_pos_mse",
    "ms_per_decision",
    "collect_s",
    "train_s",
    "eval_s",
)


def add_parser(sub: argparse._SubParsersAction, name: str) -> None:
    p = sub.add_parser(
        name,
        help="online model learning: a VIN trained on its own MPC agent's episodes",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--out", type=Path, required=True, metavar="RUN", help="run directory")
    p.add_argument("--resume", action="store_true", help="continue the run in RUN (same settings)")
    docs = _field_docs(MBRLConfig)
    for f in fields(MBRLConfig):
        flag = _FLAG_NAMES.get(f.name, "--" + f.name.replace("_", "-"))
        default = f.default if f.default is not MISSING else f.default_factory()  # type: ignore[misc]
        text = docs.get(f.name, "").replace("%", "%%")
        if f.name in _DICT_FIELDS:
            p.add_argument(
                flag,
                dest=f.name,
                nargs="*",
                default=None,
                metavar="KEY=VALUE",
                type=parse_key_value,
                help=f"{text} (default: {_show(default)})",
            )
        elif isinstance(default, bool):
            p.add_argument(
                flag,
                dest=f.name,
                action=argparse.BooleanOptionalAction,
                default=None,
                help=f"{text} (default: {default})",
            )
        else:
            kind = type(default) if default is not None else int
            p.add_argument(
                flag,
                dest=f.name,
                type=kind,
                default=None,
                choices=_CHOICES.get(f.name),
                help=f"{text} (default: {default})",
            )
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    add_json_arg(p)
    p.set_defaults(run=run)


def parse_key_value(text: str) -> tuple[str, Any]:
    """``key=value``, the value read as JSON when it parses (``1.0``, ``true``, ``[1,2]``)
    and as a string otherwise.

    >>> parse_key_value("damping=1.0"), parse_key_value("background=noise")
    (('damping', 1.0), ('background', 'noise'))
    """
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    try:
        return key, json.loads(value)
    except ValueError:
        return key, value


def config_from_args(args: argparse.Namespace) -> MBRLConfig:
    """The run's config: the flags given, the dataclass's defaults for the rest."""
    given: dict[str, Any] = {}
    for f in fields(MBRLConfig):
        value = getattr(args, f.name)
        if value is None:
            continue
        if f.name == "env_kwargs":  # checked against the env's arguments, as everywhere
            from vin_gym.env_kwargs import parse_env_kwargs

            env_id = args.env_id or MBRLConfig().env_id
            value = parse_env_kwargs(env_id, [f"{k}={v}" for k, v in value])
        elif f.name in _DICT_FIELDS:
            value = dict(value)
            if f.name == "planner_kwargs":  # on top of the defaults, not instead of them
                value = {**MBRLConfig().planner_kwargs, **value}
        given[f.name] = value
    return MBRLConfig(**given)


def run(args: argparse.Namespace) -> int:
    from tqdm.auto import tqdm

    from vin_gym.experiments.mbrl import run_mbrl

    config = config_from_args(args)
    print(
        f"mbrl: {config.iterations} iterations of {config.agent_episodes} episodes after "
        f"{config.seed_episodes} seed episodes ({config.env_steps} env steps at most), "
        f"{config.total_train_steps} training steps",
        file=sys.stderr,
    )
    header = _row_line({c: c for c in COLUMNS})
    printed = [False]

    def log(row: dict[str, Any]) -> None:
        if not printed[0]:
            tqdm.write(header)
            printed[0] = True
        tqdm.write(_row_line(row))

    summary = run_mbrl(config, args.out, resume=args.resume, progress=not args.no_progress, log=log)
    report(summary, summary["iterations"], args.json, list(COLUMNS))
    return 0


def _row_line(row: dict[str, Any]) -> str:
    def cell(v: Any) -> str:
        if v is None:
            return "-"
        if isinstance(v, float):
            return f"{v:.4g}"
        return str(v)

    return " ".join(cell(row.get(c)).rjust(max(9, len(c))) for c in COLUMNS)


def _field_docs(cls: type) -> dict[str, str]:
    """Field name -> its text in the class docstring's ``Attributes:`` section."""
    doc = (cls.__doc__ or "").split("Attributes:", 1)[-1]
    docs: dict[str, str] = {}
    for m in re.finditer(r"^\s{8}(\w+): (.*?)(?=^\s{8}\w+: |\Z)", doc, re.M | re.S):
        text = " ".join(m.group(2).split()).replace("``", "")
        docs[m.group(1)] = re.sub(r":\w+:`~?(?:[\w.]+\.\s?)?(\w+)`", r"\1", text)
    return docs


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return " ".join(f"{k}={json.dumps(v)}" for k, v in value.items()) or "none"
    return str(value)
