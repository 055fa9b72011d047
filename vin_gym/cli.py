"""The ``vin-gym`` command: one entry point, one module per subcommand.

Each subcommand lives in ``vin_gym/commands/<name>.py`` and exposes ``HELP`` (its line
in ``vin-gym --help``), ``add_parser(sub)`` (its argparse parser, whose flags may come
from config dataclasses and so import model code) and ``run(args) -> int``. Only the
subcommand on the command line builds its parser; the others are listed by ``HELP``, so
that ``vin-gym collect`` does not import torch. This module
is the one place allowed to reach all three packages, through those commands.
"""

from __future__ import annotations

import argparse
import importlib
import sys

#: subcommand -> module; the order is the order of ``vin-gym --help``.
COMMANDS: dict[str, str] = {
    "demo": "vin_gym.commands.demo",
    "collect": "vin_gym.commands.collect",
    "inspect": "vin_gym.commands.inspect",
    "import-mat": "vin_gym.commands.import_mat",
    "export-minari": "vin_gym.commands.export_minari",
    "train": "vin_gym.commands.train",
    "evaluate": "vin_gym.commands.evaluate",
    "plan": "vin_gym.commands.plan",
    "mbrl": "vin_gym.commands.mbrl",
    "baseline": "vin_gym.commands.baseline",
    "baseline-summary": "vin_gym.commands.baseline_summary",
    "compare": "vin_gym.commands.compare",
    "bench": "vin_gym.commands.bench",
}

#: subcommand -> the pip extra it needs (:mod:`vin_gym.extras`); the others need none.
COMMAND_EXTRAS: dict[str, str] = {
    "demo": "model",
    "import-mat": "model",
    "export-minari": "minari",
    "train": "model",
    "evaluate": "model",
    "plan": "model",
    "mbrl": "model",
    "baseline": "sb3",
    "baseline-summary": "model",
    "compare": "model",
}


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The parser of the subcommand named in ``argv`` (every one when ``argv`` is
    ``None``; none, only their ``HELP``, when it names none)."""
    from vin_gym import __version__
    from vin_gym.commands.common import CommandParser

    parser = argparse.ArgumentParser(
        prog="vin-gym",
        description="Pixel physics environments, Visual Interaction Network world models "
        "and sampling-based MPC planners.",
    )
    parser.add_argument("--version", action="version", version=f"vin-gym {__version__}")
    sub = parser.add_subparsers(
        dest="command", metavar="COMMAND", required=True, parser_class=CommandParser
    )
    chosen = _command_in(argv)
    for name, module_name in COMMANDS.items():
        module = importlib.import_module(module_name)
        if argv is None or name == chosen:
            module.add_parser(sub, name)
        else:
            sub.add_parser(name, help=module.HELP, add_help=False)
    return parser


def _command_in(argv: list[str] | None) -> str | None:
    """The first argument naming a subcommand (options before it take no values)."""
    return next((a for a in argv or [] if a in COMMANDS), None)


def main(argv: list[str] | None = None) -> int:
    from vin_gym.commands.common import check_outputs

    argv = sys.argv[1:] if argv is None else list(argv)
    command = _command_in(argv)
    try:
        parser = build_parser(argv)  # a command's flags may need an extra (torch)
    except ImportError as exc:
        return _missing_extra(command or "", exc)
    args = parser.parse_args(argv)
    try:
        check_outputs(args)  # before the run, so that its results are not lost at the end
        return int(args.run(args) or 0)
    except ImportError as exc:
        return _missing_extra(args.command, exc)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except (ValueError, OSError) as exc:
        # Bad input, or a path that cannot be read or written (missing, permissions, a
        # read-only file system): a clear message naming it, not a traceback.
        print(f"vin-gym {args.command}: error: {exc}", file=sys.stderr)
        return 2


def _missing_extra(command: str, exc: ImportError) -> int:
    """One line naming the pip extra that ``command`` lacks, exit code 2; an import error
    that no extra would fix is raised again."""
    from vin_gym.extras import missing_extra, needs_line

    extra = missing_extra(exc, COMMAND_EXTRAS.get(command))
    if extra is None:
        raise exc
    print(needs_line(command, extra, getattr(exc, "detail", None)), file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
