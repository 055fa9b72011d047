"""Storage: damaged, missing, incomplete and mismatched datasets give clear errors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from vin_gym.data import CollectConfig, DatasetError, collect, open_dataset, verify_dataset
from vin_gym.data.summary import summarise
from vin_gym.data.verification import read_npy_header


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("pristine")
    collect(
        CollectConfig(
            "Billiards-v0",
            {"obs_size": 32},
            policy="random",
            episodes=4,
            steps=5,
            episodes_per_shard=2,
            progress=False,
        ),
        root,
    )
    return root


@pytest.fixture
def copy(pristine, tmp_path) -> Path:
    root = tmp_path / "ds"
    shutil.copytree(pristine, root)
    return root


def test_manifest_records_shapes_sizes_and_checksums(pristine):
    manifest = verify_dataset(pristine)
    assert manifest["complete"] and manifest["num_shards"] == 2
    assert manifest["arrays"]["frames"] == {"dtype": "uint8", "shape": [6, 32, 32, 3]}
    assert {"numpy", "gymnasium", "pymunk", "vin_gym"} <= set(manifest["versions"])
    record = manifest["shards"][1]["files"]["frames.npy"]
    path = pristine / "shard-00001" / "frames.npy"
    assert record["bytes"] == path.stat().st_size and len(record["sha256"]) == 64
    assert read_npy_header(path) == ((2, 6, 32, 32, 3), np.dtype("uint8"))


def expect_damage(root: Path, pattern: str) -> None:
    """Opening the dataset and inspecting it both refuse it, naming the damage."""
    for read in (open_dataset, summarise):
        with pytest.raises(DatasetError, match=pattern):
            read(root)


def test_truncated_shard(copy):
    path = copy / "shard-00001" / "states.npy"
    path.write_bytes(path.read_bytes()[:-7])
    expect_damage(copy, r"shard-00001/states\.npy has \d+ bytes, expected \d+")


def test_corrupted_byte(copy):
    path = copy / "shard-00000" / "frames.npy"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    expect_damage(copy, r"shard-00000/frames\.npy fails its sha256 checksum")
    # A size-and-header check alone does not see it; checksums do.
    assert verify_dataset(copy, checksums=False)["complete"]


def test_missing_shard(copy):
    shutil.rmtree(copy / "shard-00001")
    expect_damage(copy, r"shard-00001/\w+\.npy is missing")


def test_header_rewritten_with_other_shape(copy):
    path = copy / "shard-00000" / "rewards.npy"
    np.save(path, np.zeros((3, 6), dtype=np.float32))  # same byte count, wrong shape
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["shards"][0]["files"]["rewards.npy"]["bytes"] = path.stat().st_size
    (copy / "manifest.json").write_text(json.dumps(manifest))
    expect_damage(copy, r"rewards\.npy holds float32 \(3, 6\), expected float32 \(2, 6\)")


def test_mismatched_and_incomplete_manifest(copy):
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["num_episodes"] = 5
    (copy / "manifest.json").write_text(json.dumps(manifest))
    expect_damage(copy, "shards hold 4 episodes, manifest says 5")
    manifest["num_episodes"], manifest["complete"] = 4, False
    (copy / "manifest.json").write_text(json.dumps(manifest))
    expect_damage(copy, "incomplete")
    (copy / "manifest.json").write_text("{not json")
    expect_damage(copy, "not valid JSON")


def test_not_a_dataset(tmp_path):
    with pytest.raises(DatasetError, match=r"manifest\.json is missing"):
        open_dataset(tmp_path)
    with pytest.raises(DatasetError, match="does not exist"):
        open_dataset(tmp_path / "nowhere")


def test_incompatible_datasets(pristine, tmp_path):
    other = tmp_path / "other"
    collect(
        CollectConfig(
            "Billiards-v0", {"obs_size": 48}, "zero", episodes=1, steps=5, progress=False
        ),
        other,
    )
    with pytest.raises(DatasetError, match="obs_size=48"):
        open_dataset([pristine, other])


def test_a_directory_written_atomically_is_whole_or_absent(tmp_path) -> None:
    from vin_gym.utils import atomic_directory

    final = tmp_path / "d"
    with atomic_directory(final) as tmp:
        (tmp / "a").write_text("old")
    with pytest.raises(RuntimeError), atomic_directory(final) as tmp:
        (tmp / "a").write_text("new")
        raise RuntimeError("killed halfway")
    assert (final / "a").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d"]  # no temporary left
    with atomic_directory(final) as tmp:
        (tmp / "b").write_text("new")
    assert sorted(p.name for p in final.iterdir()) == ["b"]
