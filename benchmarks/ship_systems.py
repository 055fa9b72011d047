"""Ship the VINs of a ``prediction_systems.py`` run as ``pretrained:SYSTEM``, with the gallery.

For every system in ``--json`` whose run directory is under ``--runs`` (the run's
``--out``), this copies the newest checkpoint's ``model.safetensors`` and ``config.json``
to ``vin_model/pretrained/systems/SYSTEM`` (``/`` in a name becomes ``_``), after checking
that it is the checkpoint the JSON measured (same step count, the system's env record),
writes ``card.json`` beside it (the commands that made and shipped it, and its figures on
test episodes from the JSON), writes ``systems/README.md`` (one table of them all) and
draws ``--gallery``: one 100-step rollout per system, predicted (dashed) over true (solid),
on the first test episode (seed 100000, not picked).

    python benchmarks/prediction_systems.py --out runs/prediction_full   # trains, measures
    python benchmarks/ship_systems.py --runs runs/prediction_full        # ships, draws
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import shlex
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = "benchmarks/ship_systems.py"
#: The figures a card keeps of each predictor, from the benchmark's summaries.
CARD_PREDICTORS = ("vin", "simulator_bound", "constant_position", "table_centre")


def benchmark_module():
    """``benchmarks/prediction_systems.py``, which defines the systems and the episodes."""
    path = ROOT / "benchmarks" / "prediction_systems.py"
    spec = importlib.util.spec_from_file_location("prediction_systems", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--runs", type=Path, required=True, help="the benchmark run's --out")
    p.add_argument(
        "--json",
        type=Path,
        default=Path("benchmarks/results/prediction_systems.json"),
        help="the benchmark's results",
    )
    p.add_argument("--systems", nargs="+", default=None, help="default: every one in --json")
    p.add_argument(
        "--dest",
        type=Path,
        default=Path("vin_model/pretrained/systems"),
        help="where the shipped checkpoints go",
    )
    p.add_argument(
        "--gallery",
        type=Path,
        default=Path("docs/gallery/prediction_rollouts.png"),
        help="the PNG of one rollout per system",
    )
    p.add_argument("--steps", type=int, default=100, help="rollout steps drawn")
    p.add_argument("--no-gallery", action="store_true", help="ship only")
    return p.parse_args(argv)


def check(args: argparse.Namespace, results: dict[str, Any]) -> str | None:
    """The line that says why nothing can be shipped, or ``None``."""
    from vin_model.checkpoint import list_checkpoints

    if "test_seeds" not in results.get("config", {}):
        return f"--json {args.json}: not measured on test episodes; ship what the README reports"
    unknown = [s for s in args.systems if s not in results["systems"]]
    if unknown:
        return f"--systems: {unknown[0]!r} is not in {args.json}"
    for name in args.systems:
        run = args.runs / name.replace("/", "_")
        if not list_checkpoints(run):
            return f"--runs {args.runs}: no checkpoint of system {name} in {run}"
    if args.steps < 1:
        return f"--steps {args.steps}: expected an integer >= 1"
    return None


def checked_checkpoint(name: str, run: Path, measured: dict[str, Any], bench) -> Path:
    """The newest checkpoint of ``run``, once shown to be the one ``measured``."""
    from vin_model.checkpoint import read_config, resolve_checkpoint

    ckpt = resolve_checkpoint(run)
    config = read_config(ckpt)
    if config.get("step") != measured["training"]["steps"]:
        raise ValueError(
            f"{ckpt} is step {config.get('step')}, the benchmark measured step "
            f"{measured['training']['steps']}: not the measured model"
        )
    found = bench.system_mismatch(config, name)
    if found:
        raise ValueError(f"{ckpt} did not learn {name}: {found}")
    return ckpt


def card(
    name: str, measured: dict[str, Any], ckpt: Path, runs: Path, command: str
) -> dict[str, Any]:
    """What a shipped VIN is: its system, the commands that made it, its test figures."""
    from vin_model.checkpoint import read_config

    summary = measured["summary"]
    made_by = measured["command"]
    if "--out" not in shlex.split(made_by):
        made_by += f" --out {shlex.quote(str(runs))}"
    return {
        "system": name,
        "env_id": measured["env_id"],
        "env_kwargs": measured["env_kwargs"],
        "made_by": made_by,
        "shipped_by": command,
        "training_steps": measured["training"]["steps"],
        "weights_sha256": read_config(ckpt).get("weights_sha256"),
        "test_seeds": measured.get("test_seeds"),
        "figures": {k: summary[k] for k in CARD_PREDICTORS},
        "plausibility": measured.get("plausibility"),
    }


def ship(name: str, ckpt: Path, info: dict[str, Any], dest: Path) -> Path:
    """Copy the checkpoint and write its card into ``dest/FOLDER``, replacing it whole."""
    from vin_model.pretrained import system_folder
    from vin_model.shipping import ship_checkpoint

    return ship_checkpoint(ckpt, info, dest / system_folder(name))


def readme(cards: list[dict[str, Any]]) -> str:
    """``systems/README.md``: one row per shipped VIN, with the commands."""
    from vin_gym.utils import format_table

    rows = []
    for c in cards:
        f = c["figures"]
        rows.append(
            {
                "pretrained:": c["system"],
                "VIN mean 1-8": f["vin"]["mean 1-8"],
                "VIN @50": f["vin"]["step 50"],
                "bound @50": f["simulator_bound"]["step 50"],
                "VIN @100": f["vin"]["step 100"],
                "const. position @100": f["constant_position"]["step 100"],
            }
        )
    commands = sorted({c["made_by"] for c in cards}) + sorted({c["shipped_by"] for c in cards})
    return (
        "# The VINs of the paper's systems\n\n"
        "One VIN per system, trained on passive data (zero actions, 500 episodes of 100 "
        "frames, 32x32, no goal drawn) with one recipe for a fixed number of steps by "
        "`benchmarks/prediction_systems.py`, and shipped by `benchmarks/ship_systems.py`. "
        "`vin-gym plan --model pretrained:SYSTEM`, `vin-gym evaluate --checkpoint "
        "pretrained:SYSTEM` and `vin_model.pretrained.load(system=SYSTEM)` load them. Each "
        "folder's `card.json` holds its commands and its figures.\n\n"
        "Mean squared position error per coordinate on the 100 test episodes (seeds 100000 "
        "to 100099) of `benchmarks/results/prediction_systems.json`; the bound is the true "
        "simulator started with the VIN's own step-1 error:\n\n"
        + format_table(rows)
        + "\n\nMade by:\n\n```bash\n"
        + "\n".join(commands)
        + "\n```\n"
    )


def gallery(cards: list[dict[str, Any]], args: argparse.Namespace, bench) -> Path:
    """One rollout per system on the first test episode, predicted (dashed) over true."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from vin_model.checkpoint import load_model
    from vin_model.pretrained import system_folder

    names = [c["system"] for c in cards]
    cols = 4
    rows = -(-len(names) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 3.4 * rows), squeeze=False)
    for ax, info in zip(axes.flat, cards, strict=False):
        name = info["system"]
        env_id, extra = bench.SYSTEMS[name]
        episode = bench.play_test_episodes(
            env_id, bench.COMMON | extra, 1, bench.VISIBLE + args.steps
        )
        model = load_model(args.dest / system_folder(name), "cpu").eval()
        pred = bench.vin_rollout(model, episode["frames"], args.steps, "cpu")[0]
        true = episode["states"][0, bench.VISIBLE :]
        size = episode["params"].table_size
        for k in range(true.shape[1]):
            colour = f"C{k}"
            hidden = not episode["visible"][0, k]
            ax.plot(*true[:, k, :2].T, color=colour, lw=1.2, alpha=0.5 if hidden else 1)
            ax.plot(*pred[:, k, :2].T, color=colour, lw=1.2, ls="--")
            ax.plot(*true[0, k, :2], "o", color=colour, ms=4)
        mse = info["figures"]["vin"]["step 50"]
        ax.set_title(f"{name}\nstep-50 MSE {mse:.3g} (100 episodes)", fontsize=8)
        ax.set_xlim(0, size)
        ax.set_ylim(0, size)
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
    for ax in list(axes.flat)[len(cards) :]:
        ax.axis("off")
    fig.suptitle(
        f"{args.steps}-step VIN rollouts from 6 frames: true (solid, faint: not drawn in the "
        "frames) and predicted (dashed); test episode seed 100000",
        fontsize=9,
    )
    fig.tight_layout()
    args.gallery.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.gallery.with_name(f".{args.gallery.stem}.tmp.png")
    fig.savefig(tmp, dpi=90)
    plt.close(fig)
    tmp.replace(args.gallery)
    return args.gallery


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        results = json.loads(args.json.read_text())
    except (OSError, ValueError) as exc:
        print(f"ship_systems.py: error: --json {args.json}: {exc}", file=sys.stderr)
        return 2
    args.systems = args.systems or list(results["systems"])
    problem = check(args, results)
    if problem is not None:
        print(f"ship_systems.py: error: {problem}", file=sys.stderr)
        return 2
    from vin_gym.utils import atomic_write_bytes

    bench = benchmark_module()
    command = shlex.join(["python", SCRIPT, *(sys.argv[1:] if argv is None else argv)])
    cards = []
    for name in args.systems:
        measured = results["systems"][name] | {"test_seeds": results["config"]["test_seeds"]}
        ckpt = checked_checkpoint(name, args.runs / name.replace("/", "_"), measured, bench)
        cards.append(card(name, measured, ckpt, args.runs, command))
        print(f"shipped {name} to {ship(name, ckpt, cards[-1], args.dest)}")
    every = [json.loads(c.read_text()) for c in sorted(args.dest.glob("*/card.json"))]
    atomic_write_bytes(args.dest / "README.md", readme(every).encode())
    if not args.no_gallery:
        print(f"wrote {gallery(every, args, bench)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
