"""Which directory a comparison's VIN cell trains in (or reuses): the same data, the same
training settings.

A VIN run directory is reused only if it was trained on the same data: its
``data_fingerprint.json`` (written before training) records the dataset's
:func:`data_fingerprint`, and the data meta its checkpoint records (``extra["meta"]`` of
``pipeline.train_vin``) must be the dataset's, physics fingerprint included. (The
fingerprint goes beside the checkpoint because ``train_vin`` takes no ``extra`` yet; once
it does, it belongs in the checkpoint's config.) Its checkpoint's training settings must
be the cell's too (batch, rollout, ``lr_final``: a run of other settings could not be
resumed). A run from other data is left alone and the cell trains into
``..._<fingerprint>`` beside it; a run of other settings, into
``..._<fingerprint>_<settings>``.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from vin_gym.utils import write_json

#: File in a VIN run directory recording the fingerprint of the data it was trained on.
DATA_RECORD = "data_fingerprint.json"


def data_fingerprint(manifest: dict[str, Any]) -> str:
    """16 hex digits hashing what a dataset holds: its collection config, episode count
    and length, and the physics fingerprint it was collected on.

    >>> m = {"config": {"seed": 0}, "num_episodes": 5, "episode_length": 13,
    ...      "meta": {"physics": "abc"}}
    >>> data_fingerprint(m) == data_fingerprint({**m, "meta": {"physics": "abd"}})
    False
    """
    record = {
        "config": manifest.get("config"),
        "num_episodes": manifest.get("num_episodes"),
        "episode_length": manifest.get("episode_length"),
        "physics": manifest.get("meta", {}).get("physics"),
    }
    return _hash(record)


def _hash(record: dict[str, Any]) -> str:
    text = json.dumps(record, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def vin_run_dir(
    base: Path, manifest: dict[str, Any], data: Path, train: dict[str, Any] | None = None
) -> Path:
    """The run directory to train (or reuse) a VIN on the dataset ``data`` in, with the
    cell's training settings ``train`` (a spec's ``train``: ``batch_size``, ``rollout``,
    ``lr_final``): ``base`` unless it holds a run on other data or settings, then
    ``base_<fingerprint>``, then ``base_<fingerprint>_<settings>``. Records the data's
    fingerprint in the directory chosen (``DATA_RECORD``) before any training."""
    fingerprint = data_fingerprint(manifest)
    named = f"{base.name}_{fingerprint}"
    candidates = [base, base.with_name(named)]
    if train is not None:
        candidates.append(base.with_name(f"{named}_{_hash(_settings(train))[:8]}"))
    for run_dir in candidates:
        if not _has_checkpoints(run_dir) or (
            _trained_on(run_dir, manifest) and _trained_with(run_dir, train)
        ):
            write_json(
                run_dir / DATA_RECORD,
                {
                    "data_fingerprint": fingerprint,
                    "data": str(data),
                    "physics": manifest["meta"].get("physics"),
                    "config": manifest.get("config"),
                },
            )
            return run_dir
        print(f"VIN run {run_dir} was trained on other data or settings: not reused")
    raise ValueError(
        f"{', '.join(map(str, candidates))} all hold VIN runs on other data than {data} "
        f"(fingerprint {fingerprint}) or with other settings: move them away"
    )


def _settings(train: dict[str, Any]) -> dict[str, Any]:
    """The training settings a run directory must share with the cell."""
    return {k: train.get(k) for k in ("batch_size", "rollout", "lr_final")}


def _has_checkpoints(run_dir: Path) -> bool:
    from vin_model.checkpoint import list_checkpoints

    return bool(list_checkpoints(run_dir))


def _trained_on(run_dir: Path, manifest: dict[str, Any]) -> bool:
    """Whether the VIN run in ``run_dir`` was trained on the dataset ``manifest``: its data
    fingerprint (runs from before it was recorded have none), the env it learned and the
    data meta it records (policy, seed, steps...; the episode count is in the directory's
    name) must match."""
    from vin_gym.env_record import EnvRecord
    from vin_model.checkpoint import read_config

    record = run_dir / DATA_RECORD
    if record.is_file():
        if json.loads(record.read_text()).get("data_fingerprint") != data_fingerprint(manifest):
            return False
    config = read_config(run_dir)
    if EnvRecord.from_checkpoint(config).diff(EnvRecord.from_meta(manifest["meta"])):
        return False  # another env
    meta = config.get("meta", {})
    return all(meta.get(k) == v for k, v in manifest["meta"].items() if k != "sources")


def _trained_with(run_dir: Path, train: dict[str, Any] | None) -> bool:
    """Whether the VIN run in ``run_dir`` has the training settings ``train`` (``None``:
    any): its rollout and ``lr_final``, and its batch (or less: a dataset with fewer clips
    than the batch trains on all of them)."""
    from vin_model.checkpoint import read_config

    saved = read_config(run_dir).get("train")
    if train is None or not isinstance(saved, dict):
        return True
    return (
        saved.get("rollout_max") == train["rollout"]
        and saved.get("lr_final") == train.get("lr_final", saved.get("lr_final"))
        and 1 <= saved.get("batch_size", 0) <= train["batch_size"]
    )
