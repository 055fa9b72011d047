"""The VIN on every paper system: long rollouts against baselines and the perfect-simulator bound.

For each system (default: every paper system with 3 objects, and Billiards, Springs and
Gravity with 6 as extra entries ``ID/6``), in the paper's prediction setting (objects
moving, no actions, 32x32 frames, no goal drawn):

1. collects passive training data (zero actions) on development seeds;
2. trains one VIN with one recipe for exactly ``--steps`` optimiser steps (never a
   wall-clock budget; CPU, ``--threads 1`` by default, so the same seed gives the same
   model);
3. plays ``--test-episodes`` test episodes (episode ``i`` resets with seed
   ``vin_gym.seeds.TEST_SEED_BASE + i``; no training episode uses one of those seeds) and
   measures the mean squared position error per coordinate at every rollout step 1..100
   (the whole curve is kept) of the VIN, constant position, constant velocity, the
   table-centre guess and the **perfect-simulator bound** (the true simulator rolled from
   the true step-1 state perturbed by Gaussian noise of the VIN's own measured step-1
   position and velocity error, see :mod:`vin_model.prediction_metrics`);
4. measures the plausibility of the VIN's rollouts at steps 100 and 300 (kinetic energy
   against the truth, objects outside the table, and, where objects collide, the
   collision rate against the truth; definitions in
   :func:`vin_model.prediction_metrics.plausibility`).

Results go to ``--json`` after each system, atomically; a system already there with the
same config is skipped, so an interrupted run resumes where it stopped (a JSON written
with another config is refused: choose another ``--json``). Two runs on different
``--systems`` may share one ``--json``: each adds its systems under a file lock.

    python benchmarks/prediction_systems.py                       # the full run
    python benchmarks/prediction_systems.py --systems Springs-v0 Gravity-v0/6 --steps 500
    python benchmarks/prediction_systems.py --quick --systems Springs-v0  # seconds
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

#: The paper's systems: name -> (env id, kwargs beyond :data:`COMMON`).
MOVING_BILLIARDS = {"initial_speed": 2.0, "damping": 0.0}  # Billiards-v0's docstring
PAPER = {
    "Billiards-v0": ("Billiards-v0", MOVING_BILLIARDS),
    "Springs-v0": ("Springs-v0", {}),
    "Gravity-v0": ("Gravity-v0", {}),
    "MagneticBilliards-v0": ("MagneticBilliards-v0", {}),
    "Drift-v0": ("Drift-v0", {}),
    "InvisibleSprings-v0": ("InvisibleSprings-v0", {}),
    "VariableMassBilliards-v0": ("VariableMassBilliards-v0", {}),
    "VariableMassSprings-v0": ("VariableMassSprings-v0", {}),
}
SIX = {
    f"{name}/6": (env_id, kwargs | {"n_objects": 6})
    for name, (env_id, kwargs) in PAPER.items()
    if name in ("Billiards-v0", "Springs-v0", "Gravity-v0")
}
#: The inference control: the variable-mass systems with each mass shown as the object's
#: size (``mass_mode="visible"``), against which the hidden-mass VIN is read.
MASS_SHOWN = {
    f"{name}/mass-shown": (env_id, kwargs | {"mass_mode": "visible"})
    for name, (env_id, kwargs) in PAPER.items()
    if name.startswith("VariableMass")
}
#: Every system this benchmark knows; the default list is all but SeedBilliards-v0.
SYSTEMS = PAPER | SIX | MASS_SHOWN | {"SeedBilliards-v0": ("SeedBilliards-v0", {})}
DEFAULT_SYSTEMS = [*PAPER, *MASS_SHOWN, *SIX]
#: The models this benchmark trains: the VIN from frames, and the paper's references
#: from true states, the IN (``in``) and the IN given the true masses (``in-true-masses``).
MODELS = {
    "vin": {},
    "in": {"state_input": True},
    "in-true-masses": {"state_input": True, "mass_input": True},
}
#: The paper's prediction setting, for every system.
COMMON = {"obs_size": 32, "show_goal": False}
VISIBLE = 6
SCRIPT = "benchmarks/prediction_systems.py"
#: The issue's budget: training steps that take about 20 minutes per system on one core.
FULL_STEPS = 3500


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="systems: " + ", ".join(SYSTEMS),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument(
        "--systems",
        nargs="+",
        default=DEFAULT_SYSTEMS,
        metavar="SYSTEM",
        help="systems to run: by default the paper's 8 with 3 objects, the two variable-mass "
        "ones with masses shown, and 3 with 6 objects",
    )
    p.add_argument(
        "--steps",
        type=int,
        default=FULL_STEPS,
        help="training steps per system (the default, the issue's budget, takes about 20 "
        "minutes per system on one core of the project's machine)",
    )
    p.add_argument(
        "--model",
        choices=list(MODELS),
        default="vin",
        help="the VIN from frames, or an IN from true states (given the true masses)",
    )
    p.add_argument("--batch-size", type=int, default=100, help="training clips per step")
    p.add_argument("--rollout-max", type=int, default=48, help="training rollout at the end")
    p.add_argument("--train-episodes", type=int, default=500, help="passive training episodes")
    p.add_argument("--episode-steps", type=int, default=99, help="steps per training episode")
    p.add_argument("--test-episodes", type=int, default=100, help="test episodes per system")
    p.add_argument("--horizon", type=int, default=100, help="rollout steps of the MSE curves")
    p.add_argument(
        "--long-steps",
        type=int,
        nargs="+",
        default=[100, 300],
        help="rollout steps of the plausibility figures",
    )
    p.add_argument("--seed", type=int, default=0, help="seed of data, training and noise")
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    p.add_argument("--device", default="cpu", help="where to train and predict")
    p.add_argument("--out", type=Path, default=None, help="keep run directories here")
    p.add_argument(
        "--checkpoint",
        default=None,
        metavar="VIN",
        help="measure this VIN (a run or checkpoint directory, or pretrained:SYSTEM) on its "
        "one system instead of training one",
    )
    p.add_argument(
        "--episode-set",
        choices=("test", "dev"),
        default="test",
        help="episodes measured: test (for reporting) or development (for choosing a recipe)",
    )
    p.add_argument(
        "--first-test-episode",
        type=int,
        default=0,
        help="episode of the set to start from (1000 on the test set: seeds 101000 on, which "
        "nothing else uses)",
    )
    p.add_argument("--quick", action="store_true", help="tiny data and budget (seconds)")
    p.add_argument("--json", type=Path, default=Path("benchmarks/results/prediction_systems.json"))
    args = p.parse_args(argv)
    if args.quick:
        args.steps, args.batch_size, args.rollout_max = 20, 10, 8
        args.train_episodes, args.episode_steps, args.test_episodes = 6, 29, 3
    return args


def check_args(args: argparse.Namespace) -> str | None:
    """The one line that says what is wrong with the arguments, or ``None``."""
    from vin_gym.seeds import TEST_SEED_BASE, episode_set

    bad = [s for s in args.systems if s not in SYSTEMS]
    if bad:
        return f"--systems: unknown system {bad[0]!r}; expected some of {', '.join(SYSTEMS)}"
    if len(set(args.systems)) != len(args.systems):
        return f"--systems: a system is named twice in {args.systems}"
    for flag in (
        "steps",
        "batch_size",
        "train_episodes",
        "episode_steps",
        "test_episodes",
        "horizon",
        "rollout_max",
    ):
        if getattr(args, flag) < 1:
            return f"--{flag.replace('_', '-')} {getattr(args, flag)}: expected an integer >= 1"
    if args.episode_steps + 1 < VISIBLE + args.rollout_max:
        need = VISIBLE + args.rollout_max - 1
        return (
            f"--episode-steps {args.episode_steps}: episodes must hold {VISIBLE} visible "
            f"frames plus --rollout-max {args.rollout_max}; expected at least {need}"
        )
    if any(s < 1 for s in args.long_steps):
        return f"--long-steps {args.long_steps}: expected integers >= 1"
    if args.first_test_episode < 0:
        return f"--first-test-episode {args.first_test_episode}: expected an integer >= 0"
    try:  # a development range must stay below the test episodes
        episode_set(args.episode_set, args.test_episodes, args.first_test_episode)
    except ValueError as exc:
        return f"--episode-set {args.episode_set}: {exc}"
    if args.checkpoint is not None and args.model != "vin":
        return f"--model {args.model}: not with --checkpoint, whose config says what it is"
    if args.checkpoint is not None and len(args.systems) != 1:
        return f"--checkpoint {args.checkpoint}: expected exactly one of --systems, its system"
    if args.seed < 0 or args.seed >= TEST_SEED_BASE:
        return f"--seed {args.seed}: expected a development seed from 0 to {TEST_SEED_BASE - 1}"
    return None


def run_config(args: argparse.Namespace) -> dict[str, Any]:
    """Everything that decides a system's figures (a resumed run must match it)."""
    from dataclasses import asdict

    if args.checkpoint is None:
        cfg = asdict(train_recipe(args))
        for runtime in ("device", "threads", "progress"):
            cfg.pop(runtime)
    else:  # no training: the VIN's weights decide the figures
        from vin_gym.experiments.models import checkpoint_path
        from vin_model.checkpoint import read_config

        cfg = {"checkpoint": args.checkpoint}
        cfg["weights_sha256"] = read_config(checkpoint_path(args.checkpoint, "--checkpoint")).get(
            "weights_sha256"
        )
    from vin_gym.seeds import episode_set

    seeds = episode_set(args.episode_set, args.test_episodes, args.first_test_episode)
    config = {
        "quick": args.quick,
        "common_env_kwargs": COMMON,
        "train_episodes": args.train_episodes,
        "episode_steps": args.episode_steps,
        "data_policy": "zero",
        "test_episodes": args.test_episodes,
        f"{args.episode_set}_seeds": [seeds[0], seeds[-1]],
        "horizon": args.horizon,
        "long_steps": sorted(args.long_steps),
        "seed": args.seed,
        "train": cfg,
    }
    if args.model != "vin":  # (a VIN's config names no model: those of earlier runs)
        config["model"] = args.model
    return config


def train_recipe(args: argparse.Namespace):
    from vin_gym.experiments.training import train_config

    return train_config(
        steps=args.steps,
        batch_size=args.batch_size,
        seed=args.seed,
        rollout_max=args.rollout_max,
        device=args.device,
        threads=args.threads,
        checkpoint_every=max(args.steps, 1),
        progress=not args.quick,
    )


def training_data(env_id: str, kwargs: dict, args: argparse.Namespace, root: Path) -> Path:
    """Passive episodes of a dataset with base seed ``--seed`` (a development seed), refusing
    any episode that would reset with a test episode's seed."""
    from vin_gym.data import CollectConfig, collect
    from vin_gym.data.collection import episode_seeds
    from vin_gym.seeds import episode_set

    measured = set(episode_set(args.episode_set, args.test_episodes, args.first_test_episode))
    clash = [e for e in range(args.train_episodes) if episode_seeds(args.seed, e)[0] in measured]
    if clash:
        raise ValueError(f"training episode {clash[0]} would reset with a measured episode's seed")
    cfg = CollectConfig(
        env_id,
        kwargs,
        policy="zero",
        episodes=args.train_episodes,
        steps=args.episode_steps,
        seed=args.seed,
        progress=not args.quick,
    )
    collect(cfg, root)
    return root


def play_test_episodes(
    env_id: str, kwargs: dict, n: int, length: int, first: int = 0, which: str = "test"
) -> dict[str, np.ndarray]:
    """``n`` passive test episodes: the first :data:`VISIBLE` frames ``[E, V, H, W, 3]``
    and ``length`` true states ``[E, length, N, 4]``, with masses, radii and which objects
    are drawn ``[E, N]``."""
    import gymnasium as gym

    import vin_gym  # noqa: F401  (registers the environments)
    from vin_gym.seeds import episode_set

    env = gym.make(env_id, disable_env_checker=True, **kwargs).unwrapped
    frames, states, masses, radii, visible = [], [], [], [], []
    zero = np.zeros(2, np.float32)
    for seed in episode_set(which, n, first):
        obs, info = env.reset(seed=seed)
        f, s = [obs], [info["states"].copy()]
        for t in range(1, length):
            if t < VISIBLE:  # frames only where the model reads them
                obs, _, _, _, info = env.step(zero)
                f.append(obs)
                s.append(info["states"].copy())
            else:  # a zero push changes nothing: step the simulator, no drawing
                s.append(env.sim.step().copy())
        frames.append(np.stack(f))
        states.append(np.stack(s))
        masses.append(env.sim.masses)
        radii.append(env.sim.radii)
        visible.append(np.asarray(info["visible"], bool))
    out = {
        "frames": np.stack(frames),
        "states": np.stack(states),
        "masses": np.stack(masses),
        "radii": np.stack(radii),
        "visible": np.stack(visible),
    }
    out["params"], out["force_law"] = env.sim.params, env.sim.force_law
    env.close()
    return out


def model_context(model, episodes: dict[str, np.ndarray]) -> np.ndarray:
    """What ``model`` reads of the test episodes: the visible frames, or for an IN from
    state the visible true states (with the true masses as a fifth channel where it
    reads them)."""
    if not model.config.state_input:
        return episodes["frames"]
    states = episodes["states"][:, :VISIBLE].astype(np.float32)
    if not model.config.mass_input:
        return states
    masses = np.broadcast_to(episodes["masses"][:, None, :, None], (*states.shape[:3], 1))
    return np.concatenate([states, masses.astype(np.float32)], axis=-1)


def vin_rollout(model, frames: np.ndarray, steps: int, device: str) -> np.ndarray:
    """The VIN's predicted states ``[E, steps, N, 4]`` from the visible frames (or what
    :func:`model_context` gives)."""
    import torch

    out = []
    with torch.no_grad():
        for i in range(0, len(frames), 50):
            context = torch.from_numpy(frames[i : i + 50]).to(device)
            actions = torch.zeros(len(context), steps, model.config.action_dim, device=device)
            out.append(model.predict(context, actions).double().cpu().numpy())
    return np.concatenate(out)


def measure(model, episodes: dict, args: argparse.Namespace, dt: float) -> dict[str, Any]:
    """Curves, summaries, the step-1 error and plausibility of one trained model."""
    from vin_model import prediction_metrics as pm

    params, h = episodes["params"], args.horizon
    truth = episodes["states"][:, VISIBLE:]  # rollout steps 1..T
    pred = vin_rollout(model, model_context(model, episodes), truth.shape[1], args.device)
    if not np.isfinite(pred).all():
        raise ValueError("the VIN predicts NaN or infinite states: a diverged run")
    err = pm.step1_errors(pred, truth)
    rng = np.random.default_rng(np.random.SeedSequence(args.seed, spawn_key=(7,)))
    bound = pm.simulator_bound(
        truth[:, 0],
        episodes["masses"],
        episodes["radii"],
        h,
        params,
        episodes["force_law"],
        err["position"],
        err["velocity"],
        rng,
    )
    preds = {"vin": pred[:, :h]}
    base = pm.baseline_predictions(episodes["states"][:, VISIBLE - 1], h, dt, params.table_size)
    preds |= base | {"simulator_bound": bound}
    curves = {k: pm.position_mse(v, truth[:, :h]).tolist() for k, v in preds.items()}
    return {
        "step1_error": err,
        "curves": curves,
        "summary": {k: pm.step_summary(v) for k, v in curves.items()},
        "by_visibility": by_visibility(preds, truth[:, :h], episodes["visible"]),
        "bound_reaches_centre_at": pm.first_step_at_or_above(
            curves["simulator_bound"], curves["table_centre"]
        ),
        "plausibility": pm.plausibility(
            pred,
            truth,
            episodes["masses"],
            episodes["radii"],
            params.table_size,
            steps=sorted(args.long_steps),
            collide=params.collide,
        ),
    }


def by_visibility(
    preds: dict[str, np.ndarray], truth: np.ndarray, visible: np.ndarray
) -> dict[str, Any] | None:
    """Every predictor's curve and summary over the drawn and over the hidden objects
    (the paper's invisible-object inference); ``None`` where every object is drawn."""
    from vin_model import prediction_metrics as pm

    if visible.all():
        return None
    out: dict[str, Any] = {}
    for group, mask in (("visible", visible), ("hidden", ~visible)):
        curves = {k: pm.position_mse(v, truth, mask).tolist() for k, v in preds.items()}
        out[group] = {
            "curves": curves,
            "summary": {k: pm.step_summary(v) for k, v in curves.items()},
        }
    return out


def train_system(name: str, env_id: str, kwargs: dict, args: argparse.Namespace, tmp: Path):
    """Collect passive data and train the recipe's VIN: the model, the training record
    and the data's frame interval."""
    from vin_model import VINConfig
    from vin_model.training import fit, open_clips

    safe = name.replace("/", "_")
    data = training_data(env_id, kwargs, args, tmp / safe / "train")
    clips = open_clips([data], VISIBLE, args.rollout_max, "all")
    t0 = time.perf_counter()
    run_dir = (args.out or tmp / "runs") / safe
    config = VINConfig.for_data(clips.meta, **MODELS[args.model])
    # the data's meta goes into every checkpoint: the env record the VIN learned
    model, summary = fit(
        run_dir, clips, None, config, train_recipe(args), extra={"meta": clips.meta}
    )
    training = {
        "steps": summary["step"],
        "minutes": (time.perf_counter() - t0) / 60,
        "steps_per_s": summary["steps_per_s"],
        "final_loss": summary.get("train/loss"),
    }
    return model, training, float(clips.meta.get("dt", 0.1))


def system_mismatch(config: dict[str, Any], name: str) -> str | None:
    """How a checkpoint's ``config`` did not learn system ``name`` (its env id, objects,
    frames or physics), or ``None`` where it did."""
    import gymnasium as gym

    import vin_gym  # noqa: F401  (registers the environments)
    from vin_gym.env_record import EnvRecord, describe

    env_id, extra = SYSTEMS[name]
    env = gym.make(env_id, disable_env_checker=True, **(COMMON | extra))
    diff = EnvRecord.from_checkpoint(config).diff(EnvRecord.from_env(env))
    env.close()
    return describe(diff, "checkpoint", "system") if diff else None


def check_checkpoint(args: argparse.Namespace) -> str | None:
    """The line that says why ``--checkpoint`` cannot be measured on its system, or
    ``None`` (a missing checkpoint, or one that learned another env or physics)."""
    from vin_gym.experiments.models import checkpoint_path
    from vin_model.checkpoint import read_config

    name = args.systems[0]
    try:
        config = read_config(checkpoint_path(args.checkpoint, "--checkpoint"))
    except (FileNotFoundError, ValueError) as exc:
        return str(exc)
    found = system_mismatch(config, name)
    if found:
        return f"--checkpoint {args.checkpoint} did not learn system {name} ({found})"
    return None


def shipped_model(args: argparse.Namespace):
    """The ``--checkpoint`` VIN (checked by :func:`check_checkpoint`): the model, what it
    is, and its data's frame interval."""
    from vin_gym.experiments.models import checkpoint_path
    from vin_model.checkpoint import load_model, read_config

    path = checkpoint_path(args.checkpoint, "--checkpoint")
    config = read_config(path)
    model = load_model(path, args.device)
    training = {"checkpoint": args.checkpoint, "steps": config.get("step")}
    return model, training, float(config.get("meta", {}).get("dt", 0.1))


def run_system(name: str, args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    from vin_gym.provenance import load_average, machine_info

    load_start = load_average()
    env_id, extra = SYSTEMS[name]
    kwargs = COMMON | extra
    if args.checkpoint is None:
        model, training, dt = train_system(name, env_id, kwargs, args, tmp)
    else:
        model, training, dt = shipped_model(args)
    length = VISIBLE + max(args.horizon, *args.long_steps)
    episodes = play_test_episodes(
        env_id, kwargs, args.test_episodes, length, args.first_test_episode, args.episode_set
    )
    result = measure(model.eval(), episodes, args, dt)
    return {
        "model": args.model if args.checkpoint is None else "checkpoint",
        "env_id": env_id,
        "env_kwargs": kwargs,
        "n_objects": int(episodes["states"].shape[2]),
        "collide": bool(episodes["params"].collide),
        "training": training,
        **result,
        "machine": machine_info(load_start=load_start),
    }


def load_previous(path: Path, config: dict[str, Any]) -> tuple[dict | None, str | None]:
    """The results already in ``path`` (``None``: none) or the line saying why they
    cannot be resumed."""
    if not path.exists():
        return None, None
    try:
        old = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        return None, f"--json {path}: cannot read it ({exc}); choose another --json"
    if old.get("benchmark") != "prediction_systems" or old.get("config") != config:
        return None, (
            f"--json {path} holds results of another config; choose another --json "
            "or move that file away"
        )
    return old, None


def save_system(path: Path, record: dict[str, Any], name: str) -> dict[str, Any]:
    """Add system ``name`` of ``record`` to ``path`` under a lock, keeping what other runs
    with the same config wrote there since this one started (two runs on different
    systems may share one ``--json``); returns the systems now in the file."""
    from filelock import FileLock

    from vin_gym.utils import write_json

    with FileLock(path.parent / f".{path.name}.lock"):
        now, problem = load_previous(path, record["config"])
        if problem is not None:
            raise RuntimeError(problem)
        systems = dict((now or {}).get("systems", {})) | {name: record["systems"][name]}
        write_json(path, record | {"systems": systems})
    return systems


def table_rows(results: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for name, r in results.items():
        s = r["summary"]
        rows.append(
            {
                "system": name,
                **{
                    f"{k} @50": s[k].get("step 50")
                    for k in ("vin", "simulator_bound", "constant_position")
                },
                "vin mean 1-8": s["vin"]["mean 1-8"],
            }
        )
    return rows


def budget(args: argparse.Namespace) -> str:
    """``full`` (the issue's training budget), ``reduced``, or ``checkpoint`` (no training:
    a given VIN measured)."""
    if args.checkpoint is not None:
        return "checkpoint"
    return "full" if args.steps >= FULL_STEPS and not args.quick else "reduced"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    problem = check_args(args)
    if problem is None and args.checkpoint is not None:
        problem = check_checkpoint(args)
    config = run_config(args) if problem is None else None
    if problem is None:
        previous, problem = load_previous(args.json, config)
    if problem is not None:
        print(f"prediction_systems.py: error: {problem}", file=sys.stderr)
        return 2
    from vin_gym.provenance import load_average, machine_info, package_versions
    from vin_gym.utils import format_table, progress_bar
    from vin_model import set_threads

    load_start = load_average()
    set_threads(args.threads)
    systems = dict((previous or {}).get("systems", {}))
    record = {
        "benchmark": "prediction_systems",
        "command": shlex.join(["python", SCRIPT, *(sys.argv[1:] if argv is None else argv)]),
        "config": config,
        "budget": budget(args),
        "versions": package_versions(),
        "machine": machine_info(load_start=load_start),
        "systems": systems,
    }
    todo = [s for s in args.systems if s not in systems]
    with tempfile.TemporaryDirectory(prefix="vin_prediction_systems_") as tmp:
        for name in progress_bar(todo, desc="systems", unit="system"):
            now, _ = load_previous(args.json, config)
            if name in (now or {}).get("systems", {}):  # another run sharing --json did it
                systems[name] = now["systems"][name]
                continue
            systems[name] = {"command": record["command"], **run_system(name, args, Path(tmp))}
            vin = systems[name]["summary"]["vin"]
            minutes = systems[name]["training"].get("minutes")
            trained = "" if minutes is None else f"; {minutes:.1f} min of training"
            print(
                f"{name}: VIN step 1 {vin['step 1']:.4g}, mean 1-8 {vin['mean 1-8']:.4g}" + trained,
                flush=True,
            )
            record["machine"] = machine_info(load_start=load_start)
            record["systems"] = systems = save_system(args.json, record, name)
    print(format_table(table_rows({k: systems[k] for k in args.systems})))
    print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
