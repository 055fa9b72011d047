"""Verifying a dataset on disk against its manifest: every shard file present, with the
recorded size, ``.npy`` header and sha256 checksum (the format: :mod:`vin_gym.data.storage`)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from vin_gym.data.storage import (
    MANIFEST,
    SHARD_RECORD,
    DatasetError,
    file_sha256,
    read_manifest,
)


def verify_dataset(root: str | os.PathLike, checksums: bool = True) -> dict[str, Any]:
    """Check that every shard file exists with the recorded size, ``.npy`` header and
    (when ``checksums``) sha256.

    Returns:
        The manifest.

    Raises:
        DatasetError: naming the first damaged file and what was expected.
    """
    root = Path(root)
    manifest = read_manifest(root)
    if not manifest["complete"]:
        done = sum(1 for p in root.glob("shard-*") if (p / SHARD_RECORD).exists())
        raise DatasetError(
            f"dataset {root} is incomplete ({done} of {manifest.get('num_shards', '?')} "
            "shards written): run the same command again to finish it"
        )
    total = 0
    for record in manifest["shards"]:
        n = record["episodes"]
        total += n
        for file, info in record["files"].items():
            path = root / record["name"] / file
            _check_file(path, info, n, manifest["arrays"].get(file.removesuffix(".npy")), checksums)
    if total != manifest["num_episodes"]:
        raise DatasetError(
            f"{root / MANIFEST}: shards hold {total} episodes, manifest says "
            f"{manifest['num_episodes']}"
        )
    return manifest


def _check_file(path: Path, info: dict, episodes: int, spec: dict | None, checksums: bool) -> None:
    if not path.exists():
        raise DatasetError(f"{path} is missing (expected {info['bytes']} bytes)")
    size = path.stat().st_size
    if size != info["bytes"]:
        raise DatasetError(
            f"{path} has {size} bytes, expected {info['bytes']} (truncated or replaced)"
        )
    if spec is not None:
        shape, dtype = read_npy_header(path)
        want = (episodes, *spec["shape"])
        if shape != want or dtype != np.dtype(spec["dtype"]):
            raise DatasetError(f"{path} holds {dtype} {shape}, expected {spec['dtype']} {want}")
    if checksums and file_sha256(path) != info["sha256"]:
        raise DatasetError(
            f"{path} fails its sha256 checksum (expected {info['sha256'][:16]}...): "
            "the file is corrupted"
        )


def read_npy_header(path: Path) -> tuple[tuple[int, ...], np.dtype]:
    """Shape and dtype from a ``.npy`` header; :class:`DatasetError` if it is unreadable."""
    try:
        with open(path, "rb") as f:
            major, _ = np.lib.format.read_magic(f)
            read = (
                np.lib.format.read_array_header_1_0
                if major == 1
                else np.lib.format.read_array_header_2_0
            )
            shape, fortran, dtype = read(f)
    except (ValueError, OSError, SyntaxError) as exc:
        raise DatasetError(f"{path} has a damaged .npy header ({exc})") from None
    if fortran:
        raise DatasetError(f"{path} is in Fortran order; expected C order")
    return tuple(shape), np.dtype(dtype)
