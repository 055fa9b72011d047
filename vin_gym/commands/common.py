"""Arguments and output shared by the subcommands, and the help that people read."""

from __future__ import annotations

import argparse
import json
import re
import textwrap
from pathlib import Path
from typing import Any

from vin_gym.utils import check_writable, format_table, write_json


def plain_text(text: str) -> str:
    """Docstring markup as plain text: double backquotes dropped, a reST role
    (``:mod:`x.y```, ``:class:`~x.Y```) as the last part of its target."""
    text = re.sub(r":\w+:`~?(?:[\w.]+\.)?([\w-]+)`", r"\1", text)
    return text.replace("``", "")


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Help for people: the description's prose paragraphs filled to the terminal's width
    (lists, examples and other indented paragraphs kept as written), markup as plain text,
    and every flag's default shown one way, ``(default: VALUE)``, where it has one."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        paragraphs = re.split(r"\n[ \t]*\n", plain_text(text).strip("\n"))
        out = []
        for para in paragraphs:
            lines = para.splitlines()
            if any(re.match(r"\s|[*-] |\d+\. ", line) for line in lines):
                out.append("\n".join(indent + line for line in lines))
            else:
                out.append(
                    textwrap.fill(
                        " ".join(para.split()),
                        width,
                        initial_indent=indent,
                        subsequent_indent=indent,
                        break_on_hyphens=False,
                    )
                )
        return "\n\n".join(out)

    def _split_lines(self, text: str, width: int) -> list[str]:
        # a command name (vin-gym mbrl) is never split at its hyphen
        return textwrap.wrap(" ".join(text.split()), width, break_on_hyphens=False)

    def _get_help_string(self, action: argparse.Action) -> str:
        text = plain_text(action.help or "")
        default = action.default
        shown = "%(default)" in text or "(default" in text
        if shown or action.required or action.nargs == 0 or default in (None, [], ()):
            return text
        if default is argparse.SUPPRESS:
            return text
        from vin_gym.dataclass_args import show_value

        return f"{text} (default: {show_value(default).replace('%', '%%')})"


class CommandParser(argparse.ArgumentParser):
    """A subcommand's parser: its help is written by :class:`HelpFormatter`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["formatter_class"] = HelpFormatter
        super().__init__(*args, **kwargs)


def add_json_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--json",
        type=Path,
        metavar="PATH",
        default=None,
        help="also write the results as JSON to PATH",
    )


def add_data_arg(parser: argparse.ArgumentParser) -> None:
    """``--data DIR [DIR ...]``: datasets read as one."""
    parser.add_argument(
        "--data",
        type=Path,
        nargs="+",
        required=True,
        metavar="DIR",
        help="dataset directories (from `vin-gym collect`), read as one",
    )


def add_env_kwargs_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--env-kwargs",
        "--env-kwarg",
        nargs="+",
        action="extend",
        default=[],
        metavar="KEY=VALUE",
        help="environment arguments for gym.make, e.g. damping=0.5 show_goal=false "
        "(numbers, true/false, none, strings; unknown keys are refused); recorded in the results",
    )


def env_kwargs_from(args: argparse.Namespace) -> dict[str, Any]:
    """``--env-kwargs`` of ``args.env`` as typed keyword arguments."""
    from vin_gym.env_kwargs import parse_env_kwargs

    return parse_env_kwargs(args.env, args.env_kwargs)


def add_device_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--device",
        default="auto",
        help="torch device: auto (CUDA when available), cpu, cuda, cuda:N",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch CPU threads (small networks on few cores are often "
        "fastest with 1; 0 keeps torch's default)",
    )


def report(
    results: dict[str, Any],
    rows: list[dict[str, Any]] | None,
    json_path: Path | None,
    columns: list[str] | None = None,
) -> None:
    """Print a table (or the results) and write JSON when asked; the JSON records the
    command line that made it (``"command"``) unless the results carry their own."""
    from vin_gym.provenance import command_line

    if rows:
        print(format_table(rows, columns))
    else:
        print(json.dumps(results, indent=2, default=str))
    if json_path is not None:
        if "command" not in results and "provenance" not in results:
            results = {"command": command_line(), **results}
        write_json(json_path, results)
        print(f"wrote {json_path}")


#: Options naming an output file, checked before a command runs (:func:`check_outputs`).
OUTPUT_FILES = ("json", "video")


def check_outputs(args: argparse.Namespace) -> None:
    """Check ``--env`` and the output files a command will write (``--json``,
    ``--video``) before it runs, so that a long run's results are never lost at the end.

    Raises:
        ValueError: An unknown env id (listing the registered ones); an output path that
            is a directory, lies under a file, or in a directory that cannot be written.
    """
    env_id = getattr(args, "env", None) or getattr(args, "env_id", None)  # generated: env_id
    if isinstance(env_id, str):  # an unknown id: the registered ones, before any work
        from vin_gym.registration import check_env_id

        check_env_id(env_id)
    for name in OUTPUT_FILES:
        path = getattr(args, name, None)
        if path is None:
            continue
        path, option = Path(path), "--" + name
        if path.is_dir():
            raise ValueError(f"{option} {path} is a directory; expected a file path")
        parent = path.parent
        while not parent.exists() and parent != parent.parent:
            parent = parent.parent
        if not parent.is_dir():
            raise ValueError(f"{option} {path}: {parent} is a file, not a directory")
        try:
            check_writable(parent)
        except OSError as exc:
            raise ValueError(
                f"{option} {path}: the directory {parent} is not writable ({exc.strerror})"
            ) from None


#: The planners, in the order their defaults are listed in the help.
PLANNER_NAMES = ("cem", "icem", "mppi", "random")
#: MPCConfig fields a command sets itself rather than from flags.
_MPC_SET_BY_COMMAND = ("action_dim", "record_prediction")


def add_planner_args(parser: argparse.ArgumentParser, planner: str | None = None) -> None:
    """``--planner``, the MPC agent's flags (``MPCConfig``) and every planner config's
    flags, generated from those dataclasses (their docs are the help, their defaults the
    defaults)."""
    from planners import MPCConfig
    from vin_gym.dataclass_args import add_dataclass_args
    from vin_gym.experiments.episodes import DEFAULT_PLANNER

    parser.add_argument(
        "--planner",
        default=planner or DEFAULT_PLANNER,
        choices=PLANNER_NAMES,
        help="optimizer (default: %(default)s)",
    )
    mpc = parser.add_argument_group("MPC agent")
    add_dataclass_args(mpc, MPCConfig, skip=_MPC_SET_BY_COMMAND)
    add_planner_settings_args(parser)


def add_planner_settings_args(parser: argparse.ArgumentParser) -> None:
    """Every planner config's flags (``--population``, ``--elites``, ...), generated from
    the planners' config dataclasses; :func:`planner_settings` reads them back."""
    from planners import PLANNERS
    from vin_gym.dataclass_args import add_dataclass_args

    group = parser.add_argument_group(
        "planner settings (a flag applies to the planners its default names)"
    )
    configs = [PLANNERS[name][1] for name in PLANNER_NAMES]
    labels = {PLANNERS[name][1]: name for name in PLANNER_NAMES}
    add_dataclass_args(group, *configs, labels=labels, metavars=_PLANNER_METAVARS)


#: Short names for the planner settings' values, so that each help starts beside its flag.
_PLANNER_METAVARS = {
    "population": "N",
    "elites": "N",
    "iterations": "N",
    "alpha": "A",
    "init_std": "X",
    "min_std": "X",
    "beta": "B",
    "population_decay": "X",
    "keep_elites": "F",
    "temperature": "T",
    "noise_std": "X",
}


def mpc_settings(args: argparse.Namespace) -> dict[str, Any]:
    """The ``MPCConfig`` fields given on the command line."""
    from planners import MPCConfig
    from vin_gym.dataclass_args import given

    return given(MPCConfig, args)


def planner_settings(args: argparse.Namespace, planner: str | None = None) -> dict[str, Any]:
    """The planner config fields given on the command line, refusing one that the chosen
    ``--planner`` (``planner`` when the flag was left out) does not have (it would
    otherwise be ignored)."""
    from dataclasses import fields

    from planners import PLANNERS
    from vin_gym.dataclass_args import flag_name, given

    out: dict[str, Any] = {}
    for name in PLANNER_NAMES:
        out |= given(PLANNERS[name][1], args)
    planner = args.planner or planner
    own = {f.name for f in fields(PLANNERS[planner][1])}
    foreign = sorted(set(out) - own)
    if foreign:
        flags = ", ".join(flag_name(k) for k in foreign)
        raise ValueError(
            f"{flags} do(es) not apply to --planner {planner} (its settings: "
            f"{', '.join(flag_name(k) for k in sorted(own))})"
        )
    return out


def planner_errors():
    """Name the flags, not the config fields, in the planner's and MPC's ValueErrors."""
    from planners import PLANNERS, MPCConfig
    from vin_gym.dataclass_args import flags_in_errors

    return flags_in_errors(MPCConfig, *(c for _, c in PLANNERS.values()))
