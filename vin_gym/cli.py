"""The ``vin-gym`` command: one entry point, one module per subcommand.

Each subcommand lives in ``vin_gym/commands/<name>.py`` and exposes ``add_parser(sub)``
(building its argparse parser, importing nothing heavy) and ``run(args) -> int``
(importing what it needs, torch and model code included, only when it runs). This module
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
    "compare": "vin_gym.commands.compare",
    "bench": "vin_gym.commands.bench",
}


def build_parser() -> argparse.ArgumentParser:
    from vin_gym import __version__

    parser = argparse.ArgumentParser(
        prog="vin-gym",
        description="Pixel physics environments, Visual Interaction Network world models "
        "and sampling-based MPC planners.",
    )
    parser.add_argument("--version", action="version", version=f"vin-gym {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, module_name in COMMANDS.items():
        importlib.import_module(module_name).add_parser(sub, name)
    return parser


def main(argv: list[str] | None = None) -> int:
    from vin_gym.commands.common import check_outputs

    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        check_outputs(args)  # before the run, so that its results are not lost at the end
        return int(args.run(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except (ValueError, OSError) as exc:
        # Bad input, or a path that cannot be read or written (missing, permissions, a
        # read-only file system): a clear message naming it, not a traceback.
        print(f"vin-gym {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
