"""The on-disk dataset format: a JSON manifest and shards of memory-mappable ``.npy`` files.

A dataset is a directory::

    DIR/manifest.json            what the data is and how it was made (see below)
    DIR/shard-00000/frames.npy   uint8   (E, F, H, W, 3)  E episodes, F = steps + 1 frames
    DIR/shard-00000/states.npy   float32 (E, F, N, 4)     x, y, vx, vy (table units, per s)
    DIR/shard-00000/actions.npy  float32 (E, F, A)        actions[t] is applied after frame t
    DIR/shard-00000/rewards.npy  float32 (E, F)           rewards[t]: reward of that step
    DIR/shard-00000/goals.npy    float32 (E, F, 2)        the goal seen at frame t
    DIR/shard-00000/success.npy  bool    (E, F)           info["is_success"] at frame t
    DIR/shard-00000/masses.npy   float32 (E, N)           per episode
    DIR/shard-00000/radii.npy    float32 (E, N)
    DIR/shard-00000/visible.npy  bool    (E, N)
    DIR/shard-00000/seeds.npy    int64   (E,)             the seed given to ``env.reset``
    DIR/shard-00000/episodes.npy int64   (E,)             global episode index
    DIR/shard-00000/shard.json   this shard's record: episode count, file sizes, sha256

The last action and reward of an episode (after its last frame) are zero.

Each shard is written into a temporary directory and renamed into place, so a shard
directory exists only when it is complete; a killed collection loses at most the shards
in progress. The manifest's ``shards`` list repeats every shard's record, so
:func:`vin_gym.data.verification.verify_dataset` can check each file's size, ``.npy``
header and sha256 checksum against what was written.
"""

from __future__ import annotations

import datetime
import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import numpy as np

from vin_gym.provenance import package_versions  # noqa: F401  (manifests record it)
from vin_gym.utils import (  # noqa: F401  (file_sha256: where readers of the format find it)
    TEMP_SUFFIX,
    atomic_directory,
    check_writable,
    file_sha256,
    write_json,
)

FORMAT = "vin-gym-dataset"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SHARD_RECORD = "shard.json"
#: Arrays with one value per frame of an episode, then arrays with one per episode.
PER_FRAME = ("frames", "states", "actions", "rewards", "goals", "success")
PER_EPISODE = ("masses", "radii", "visible", "seeds", "episodes")


class DatasetError(ValueError):
    """A dataset is missing, incomplete, damaged or does not match what was expected."""


def array_specs(
    episode_length: int, obs_size: int, n_objects: int, action_dim: int
) -> dict[str, dict[str, Any]]:
    """Per-episode dtype and shape of every stored array (the leading E axis left out)."""
    f, n = episode_length, n_objects
    specs = {
        "frames": ("uint8", (f, obs_size, obs_size, 3)),
        "states": ("float32", (f, n, 4)),
        "actions": ("float32", (f, action_dim)),
        "rewards": ("float32", (f,)),
        "goals": ("float32", (f, 2)),
        "success": ("bool", (f,)),
        "masses": ("float32", (n,)),
        "radii": ("float32", (n,)),
        "visible": ("bool", (n,)),
        "seeds": ("int64", ()),
        "episodes": ("int64", ()),
    }
    return {k: {"dtype": d, "shape": list(s)} for k, (d, s) in specs.items()}


def allocate(specs: dict[str, dict[str, Any]], episodes: int) -> dict[str, np.ndarray]:
    """Zeroed buffers for ``episodes`` episodes of the arrays in ``specs``."""
    return {k: np.zeros((episodes, *s["shape"]), dtype=s["dtype"]) for k, s in specs.items()}


def shard_name(index: int) -> str:
    return f"shard-{index:05d}"


def write_shard(root: Path, index: int, arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    """Write one shard atomically (temporary directory, then rename) and return its record.

    Args:
        root: The dataset directory.
        index: Shard number.
        arrays: Name to array, every array with the same leading episode axis.

    Returns:
        The shard record: ``{"name", "episodes", "files": {file: {"bytes", "sha256"}}}``.
    """
    name = shard_name(index)
    counts = {len(a) for a in arrays.values()}
    if len(counts) != 1:
        raise ValueError(f"shard arrays disagree on the episode count: {sorted(counts)}")
    with atomic_directory(Path(root) / name) as tmp:
        files = {}
        for key, arr in arrays.items():
            path = tmp / f"{key}.npy"
            np.save(path, np.ascontiguousarray(arr), allow_pickle=False)
            files[path.name] = {"bytes": path.stat().st_size, "sha256": file_sha256(path)}
        record = {"name": name, "episodes": counts.pop(), "files": files}
        (tmp / SHARD_RECORD).write_text(json.dumps(record, indent=1) + "\n")
    return record


def complete_shard(root: Path, index: int, expected_episodes: int) -> dict[str, Any] | None:
    """The record of shard ``index`` if it is on disk and whole (sizes checked, no
    checksums), else ``None``."""
    path = Path(root) / shard_name(index)
    try:
        record = json.loads((path / SHARD_RECORD).read_text())
        if record.get("episodes") != expected_episodes:
            return None
        for file, info in record["files"].items():
            if (path / file).stat().st_size != info["bytes"]:
                return None
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return record


def check_resume(root: Path, manifest: dict[str, Any]) -> None:
    """Raise :class:`DatasetError` if ``root`` holds a dataset whose ``config`` differs
    from ``manifest``'s, or shards without a manifest."""
    root = Path(root)
    path = root / MANIFEST
    if not path.exists():
        if any(root.glob("shard-*")):
            raise DatasetError(
                f"{root} holds shards but no {MANIFEST}: not a dataset this command "
                "can resume; choose an empty out directory"
            )
        return
    old = read_manifest(root)
    mine = json.loads(json.dumps(manifest["config"]))  # as it reads back from JSON
    theirs = old.get("config", {})
    diff = sorted(k for k in set(mine) | set(theirs) if mine.get(k) != theirs.get(k))
    if diff:
        details = ", ".join(f"{k}: {theirs.get(k)!r} on disk vs {mine.get(k)!r} now" for k in diff)
        raise DatasetError(
            f"{path} was made with a different configuration ({details}); use another "
            "output directory or repeat the original command to resume it"
        )
    physics = (old.get("meta", {}).get("physics"), manifest.get("meta", {}).get("physics"))
    if None not in physics and physics[0] != physics[1]:
        raise DatasetError(
            f"{path} was collected with other physics (fingerprint {physics[0]} on disk vs "
            f"{physics[1]} now: the simulator changed since); collect into another "
            "output directory"
        )


def prepare_output_dir(out: str | os.PathLike, option: str = "out") -> Path:
    """Create the output directory ``out`` (named ``option`` in errors: the parameter
    that set it) and check it is writable.

    Raises:
        DatasetError: ``out`` is an existing file, or cannot be created or written.
    """
    root = Path(out)
    if root.exists() and not root.is_dir():
        raise DatasetError(f"{option} {root} is an existing file, not a directory")
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DatasetError(f"{option} {root} cannot be created ({exc.strerror})") from None
    try:
        check_writable(root)
    except OSError as exc:
        raise DatasetError(
            f"{option} {root} is not writable ({exc.strerror}: permissions, a read-only "
            "or pseudo file system)"
        ) from None
    return root


def remove_temporaries(root: Path) -> None:
    """Delete the temporary shard directories a killed run left behind."""
    for tmp in Path(root).glob(".shard-*.tmp"):
        shutil.rmtree(tmp, ignore_errors=True)


def now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")


def write_manifest(root: Path, manifest: dict[str, Any]) -> None:
    write_json(Path(root) / MANIFEST, manifest)


def read_manifest(root: str | os.PathLike) -> dict[str, Any]:
    """The manifest of the dataset at ``root``; :class:`DatasetError` if it is missing or
    not a vin-gym dataset manifest."""
    path = Path(root) / MANIFEST
    if not Path(root).is_dir():
        raise DatasetError(f"dataset directory {root} does not exist")
    try:
        manifest = json.loads(path.read_text())
    except FileNotFoundError:
        raise DatasetError(
            f"{path} is missing: {root} is not a vin-gym dataset (make one with "
            "`vin-gym collect` or `vin-gym import-mat`)"
        ) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise DatasetError(f"{path} is not valid JSON ({exc})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise DatasetError(f"{path} is not a {FORMAT} manifest")
    if manifest.get("version") != FORMAT_VERSION:
        raise DatasetError(
            f"{path} has format version {manifest.get('version')!r}; this vin-gym reads "
            f"version {FORMAT_VERSION}"
        )
    for key, kind in _MANIFEST_FIELDS.items():
        if key not in manifest:
            raise DatasetError(f"{path} lacks the field {key!r}")
        value = manifest[key]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise DatasetError(f"{path}: field {key!r} must be {_KIND_NAMES[kind]}, got {value!r}")
    for key, kinds in _META_FIELDS.items():
        value = manifest["meta"].get(key)
        if key in manifest["meta"] and (not isinstance(value, kinds) or isinstance(value, bool)):
            raise DatasetError(
                f"{path}: field 'meta.{key}' must be {_KIND_NAMES[kinds[0]]}, got {value!r}"
            )
    _check_ranges(path, manifest)
    for i, record in enumerate(manifest["shards"]):
        _check_shard_record(path, i, record)
    return manifest


#: Ranges of the manifest's sizes, ``field -> (low, high)``: a hand-edited manifest is
#: refused before any array of that size is allocated (or a model that ignores actions
#: is trained).
_RANGES: dict[str, tuple[int, int]] = {
    "num_episodes": (0, 10_000_000),
    "episode_length": (2, 1_000_000),
    "meta.n_objects": (1, 64),
    "meta.obs_size": (8, 512),
    "meta.action_dim": (1, 64),
}


def _check_ranges(path: Path, manifest: dict[str, Any]) -> None:
    for key, (low, high) in _RANGES.items():
        parent, _, name = key.rpartition(".")
        record = manifest["meta"] if parent else manifest
        value = record.get(name)
        if value is not None and not low <= value <= high:
            raise DatasetError(
                f"{path}: field {key!r} is {value!r}; expected an integer from {low} to {high}"
            )


#: Manifest fields and their JSON types.
_MANIFEST_FIELDS: dict[str, type] = {
    "complete": bool,
    "meta": dict,
    "arrays": dict,
    "shards": list,
    "num_episodes": int,
    "episode_length": int,
}
#: Meta fields that readers use as numbers or names, and their JSON types.
_META_FIELDS: dict[str, tuple[type, ...]] = {
    "env_id": (str,),
    "n_objects": (int,),
    "obs_size": (int,),
    "action_dim": (int,),
    "table_size": (float, int),
    "dt": (float, int),
}
_KIND_NAMES = {
    bool: "true or false",
    dict: "an object",
    list: "a list",
    int: "an integer",
    float: "a number",
    str: "a string",
}
#: Shard directory names: plain names inside the dataset directory.
_SHARD_NAME = re.compile(r"shard-\d{5,}")


def _check_shard_record(path: Path, i: int, record: Any) -> None:
    """A shard record's fields and types; its name must stay inside the dataset."""
    where = f"{path}: shards[{i}]"
    if not isinstance(record, dict):
        raise DatasetError(f"{where} must be an object, got {record!r}")
    name = record.get("name")
    if not isinstance(name, str) or not _SHARD_NAME.fullmatch(name):
        raise DatasetError(
            f"{where} has the name {name!r}; expected shard-NNNNN, a directory inside the "
            "dataset (a name leaving the dataset directory is refused)"
        )
    episodes = record.get("episodes")
    if not isinstance(episodes, int) or isinstance(episodes, bool) or episodes < 0:
        raise DatasetError(f"{where}: 'episodes' must be an integer >= 0, got {episodes!r}")
    files = record.get("files")
    if not isinstance(files, dict) or not all(
        isinstance(k, str)
        and "/" not in k
        and "\\" not in k
        and k not in (".", "..")
        and isinstance(v, dict)
        and isinstance(v.get("bytes"), int)
        and isinstance(v.get("sha256"), str)
        for k, v in files.items()
    ):
        raise DatasetError(
            f"{where}: 'files' must map plain file names to {{'bytes': int, 'sha256': str}}"
        )
