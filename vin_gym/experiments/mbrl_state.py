"""The online loop's run directory (:mod:`vin_gym.experiments.mbrl`): its state file
``mbrl.json``, read back and checked against the config or started, and the record of
each dataset it names."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from vin_gym.data.storage import now
from vin_gym.experiments.mbrl_config import MBRLConfig, check_state, with_legacy_augment
from vin_gym.locking import HOLDER_FILE, LOCK_FILE, check_new_or_resume
from vin_gym.utils import write_json

STATE_FILE = "mbrl.json"
STATE_FORMAT = "vin-gym-mbrl-1"


def data_dir(run: Path, iteration: int) -> Path:
    """The dataset of ``iteration`` (0: the seed data)."""
    return run / "data" / ("seed" if iteration == 0 else f"iter-{iteration:04d}")


def as_recorded_now(config: dict[str, Any]) -> dict[str, Any]:
    """A run's recorded ``config`` as a run would record it now: the fields it predates
    with the values it ran with (no ``init``, no disagreement penalty, no augmentation).

    >>> as_recorded_now({"seed": 1})
    {'training': {'augment': 'none'}, 'init': None, 'disagreement': 0.0, 'seed': 1}
    """
    out = {"training": {}, "init": None, "disagreement": 0.0} | config
    return out | {"training": with_legacy_augment(out["training"])}


def open_state(run: Path, config: MBRLConfig, resume: bool) -> dict[str, Any]:
    """The run's state: read back (checked against ``config``) or new (and written)."""
    import json

    from vin_model.checkpoint import list_checkpoints

    path = run / STATE_FILE
    check_new_or_resume(run, resume, STATE_FILE)
    if path.exists():
        try:
            state = json.loads(path.read_text())
        except (ValueError, UnicodeDecodeError) as exc:
            raise ValueError(f"{path} is not valid JSON ({exc})") from None
        if not isinstance(state, dict) or state.get("format") != STATE_FORMAT:
            raise ValueError(f"{path} is not an mbrl state file (format {STATE_FORMAT})")
        steps = [int(p.name.split("_")[-1]) for p in list_checkpoints(run / "model")]
        check_state(state, path, steps)
        mine, theirs = config.identity(), as_recorded_now(state["config"])
        diff = sorted(k for k in set(mine) | set(theirs) if mine.get(k) != theirs.get(k))
        if diff:
            details = ", ".join(
                f"{k}: {theirs.get(k)!r} in the run vs {mine.get(k)!r} now" for k in diff
            )
            raise ValueError(
                f"{run} was started with another configuration ({details}); repeat the "
                "original command to resume it, or choose another output directory"
            )
        for record in state["datasets"]:
            if dataset_record(run, record["iteration"]) != record:
                raise ValueError(
                    f"the dataset {run / record['path']} changed since the run recorded it "
                    "(its manifest differs); the run cannot be resumed"
                )
        return state
    if run.exists() and any(p.name not in (LOCK_FILE, HOLDER_FILE) for p in run.iterdir()):
        raise ValueError(
            f"{run} is not empty and holds no {STATE_FILE}: choose an empty or new output directory"
        )
    state = {
        "format": STATE_FORMAT,
        "config": config.identity(),
        "iterations_planned": config.iterations + 1,
        "created": now(),
        "updated": now(),
        "datasets": [],
        "iterations": [],
    }
    write_json(path, state)
    return state


def dataset_record(run: Path, iteration: int) -> dict[str, Any]:
    """What the state records of a dataset: where, how many episodes, its manifest's hash."""
    import hashlib
    import json

    path = data_dir(run, iteration)
    text = (path / "manifest.json").read_bytes()
    return {
        "iteration": iteration,
        "path": str(path.relative_to(run)),
        "episodes": int(json.loads(text)["num_episodes"]),
        "manifest_sha256": hashlib.sha256(text).hexdigest(),
    }
