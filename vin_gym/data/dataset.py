"""Read datasets back: one or several dataset directories as one sequence of episodes.

Arrays are memory-mapped lazily (and again in each DataLoader worker process), so a
dataset larger than memory reads only what is used.

>>> import tempfile
>>> from vin_gym.data import CollectConfig, collect
>>> root = tempfile.mkdtemp()
>>> _ = collect(CollectConfig("Billiards-v0", {"obs_size": 32}, "zero", episodes=3, steps=4,
...                           progress=False), root)
>>> ds = open_dataset(root)
>>> ds.num_episodes, ds.episode_length, ds.meta["n_objects"], ds.meta["obs_size"]
(3, 5, 3, 32)
>>> ds.array("frames", 2).shape, ds.array("states", 2).dtype
((5, 32, 32, 3), dtype('float32'))
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from vin_gym.data import storage
from vin_gym.data.storage import DatasetError
from vin_gym.data.verification import verify_dataset

#: Meta fields that must agree for several directories to be read as one dataset.
COMPATIBLE = ("n_objects", "obs_size", "action_dim", "table_size", "dt")
# Checksummed files, keyed by (path, size, mtime), so re-opening in one process is free.
_VERIFIED: set[tuple[str, int, int]] = set()


class EpisodeDataset:
    """Episodes of one or more dataset directories (see :func:`open_dataset`).

    Attributes:
        roots: The dataset directories, in order.
        num_episodes: Episodes in all of them.
        episode_length: Frames per episode (steps + 1).
        meta: The first directory's meta (env id and kwargs, ``n_objects``, ``obs_size``,
            ``table_size``, ``dt``, ``action_dim``, policy, ...), with ``sources`` listing
            every directory's own meta.
    """

    def __init__(self, roots: Sequence[Path], manifests: Sequence[dict[str, Any]]) -> None:
        self.roots = [Path(r) for r in roots]
        self.manifests = list(manifests)
        self.episode_length = int(self.manifests[0]["episode_length"])
        self.meta = dict(self.manifests[0]["meta"])
        self.meta["sources"] = [
            {"path": str(r), **m["meta"]} for r, m in zip(self.roots, self.manifests, strict=True)
        ]
        # Shard table: (root index, shard dir, episodes); episode e lives in the shard
        # whose cumulative range holds it.
        self._shards: list[Path] = []
        counts = []
        for root, manifest in zip(self.roots, self.manifests, strict=True):
            for record in manifest["shards"]:
                self._shards.append(root / record["name"])
                counts.append(int(record["episodes"]))
        self._ends = np.cumsum(counts)
        self.num_episodes = int(self._ends[-1]) if counts else 0
        self._maps: dict[tuple[int, str], np.ndarray] = {}

    def __len__(self) -> int:
        return self.num_episodes

    def locate(self, episode: int) -> tuple[int, int]:
        """(shard number, index within the shard) of global episode ``episode``."""
        if not 0 <= episode < self.num_episodes:
            raise IndexError(f"episode {episode} out of range [0, {self.num_episodes})")
        shard = int(np.searchsorted(self._ends, episode, side="right"))
        start = int(self._ends[shard - 1]) if shard else 0
        return shard, episode - start

    def shard_path(self, shard: int) -> Path:
        """The directory of shard ``shard``."""
        return self._shards[shard]

    def shard_array(self, shard: int, name: str) -> np.ndarray:
        """Array ``name`` of shard ``shard``, memory-mapped read-only."""
        key = (shard, name)
        arr = self._maps.get(key)
        if arr is None:
            path = self._shards[shard] / f"{name}.npy"
            try:
                arr = np.load(path, mmap_mode="r", allow_pickle=False)
            except (OSError, ValueError) as exc:
                raise DatasetError(f"cannot read {path}: {exc}") from None
            self._maps[key] = arr
        return arr

    def array(self, name: str, episode: int) -> np.ndarray:
        """Array ``name`` (e.g. ``"frames"``, ``"states"``) of one episode, a read-only view."""
        shard, local = self.locate(episode)
        return self.shard_array(shard, name)[local]

    def episode(self, episode: int) -> dict[str, np.ndarray]:
        """Every array of one episode."""
        return {name: self.array(name, episode) for name in self.manifests[0]["arrays"]}

    def all_states(self, episodes: Sequence[int] | None = None) -> np.ndarray:
        """States ``(E, F, N, 4)`` of ``episodes`` (all by default), read into memory."""
        if episodes is None:
            episodes = range(self.num_episodes)
        return np.stack([np.asarray(self.array("states", e)) for e in episodes])

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state["_maps"] = {}  # memory maps are reopened in the receiving process
        return state


def open_dataset(
    paths: str | os.PathLike | Sequence[str | os.PathLike], verify: bool = True
) -> EpisodeDataset:
    """Open one dataset directory, or several read as one dataset.

    Args:
        paths: A dataset directory or a list of them (e.g. the ``--shard i/n`` parts).
        verify: Check every shard file's sha256 checksum (once per process and file).
            Sizes and ``.npy`` headers are always checked.

    Raises:
        DatasetError: A directory is missing, incomplete, damaged (naming the file), listed
            twice, or incompatible with the others.
    """
    if isinstance(paths, str | os.PathLike):
        paths = [paths]
    roots = [Path(p) for p in paths]
    if not roots:
        raise DatasetError("open_dataset needs at least one dataset directory")
    seen: dict[Path, Path] = {}
    for root in roots:
        real = root.resolve()
        if real in seen:
            raise DatasetError(f"dataset {root} is listed twice (as {seen[real]})")
        seen[real] = root
    manifests = [_verified_manifest(root, verify) for root in roots]
    first = manifests[0]
    identities: dict[str, Path] = {}
    for root, manifest in zip(roots, manifests, strict=True):
        for key in COMPATIBLE:
            if manifest["meta"].get(key) != first["meta"].get(key):
                raise DatasetError(
                    f"dataset {root} has {key}={manifest['meta'].get(key)!r} but {roots[0]} has "
                    f"{first['meta'].get(key)!r}: they cannot be read as one dataset"
                )
        if manifest["episode_length"] != first["episode_length"]:
            raise DatasetError(
                f"dataset {root} has episodes of {manifest['episode_length']} frames but "
                f"{roots[0]} has {first['episode_length']}"
            )
        ident = repr(sorted(manifest.get("config", manifest["meta"]).items()))
        if ident in identities:
            raise DatasetError(
                f"datasets {identities[ident]} and {root} were made with the same "
                "configuration and seed, so they hold the same episodes; collect the parts "
                "with --shard i/n (or different seeds)"
            )
        identities[ident] = root
    return EpisodeDataset(roots, manifests)


def _verified_manifest(root: Path, verify: bool) -> dict[str, Any]:
    manifest = verify_dataset(root, checksums=False)
    if verify:
        for record in manifest["shards"]:
            for file, info in record["files"].items():
                path = root / record["name"] / file
                stat = path.stat()
                key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
                if key in _VERIFIED:
                    continue
                if storage.file_sha256(path) != info["sha256"]:
                    raise DatasetError(
                        f"{path} fails its sha256 checksum (expected "
                        f"{info['sha256'][:16]}...): the file is corrupted"
                    )
                _VERIFIED.add(key)
    return manifest
