"""The data commands (collect, inspect, import-mat, export-minari) on the command line:
exit codes, the one error line, and what they print; what the data holds is tested
through the library in tests/data."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

import vin_gym  # noqa: F401  (registers the environments)
from vin_gym.cli import main
from vin_gym.data import CollectConfig, collect

COLLECT = ["collect", "--episodes", "2", "--steps", "3", "--no-progress"]


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("data")
    collect(CollectConfig("Billiards-v0", {"obs_size": 32}, "random", episodes=3, steps=10,
                          seed=7, episodes_per_shard=3, progress=False), root)  # fmt: skip
    return root


def test_collect_and_inspect(tmp_path, capsys):
    out, js = tmp_path / "d", tmp_path / "r.json"
    argv = ["collect", "--env", "SeedBilliards-v0", "--episodes", "2", "--steps", "7"]
    assert main([*argv, "--out", str(out), "--no-progress", "--json", str(js)]) == 0
    assert json.loads(js.read_text())["frames"] == 16
    assert main(["inspect", str(out)]) == 0
    assert "SeedBilliards-v0" in capsys.readouterr().out
    with pytest.raises(SystemExit) as stop:  # refused by the parser
        main(["collect", "--out", str(out), "--shard", "3/2"])
    assert stop.value.code == 2
    assert "--shard" in capsys.readouterr().err
    assert os.path.exists(out / "manifest.json")


def test_collect_into_a_file_or_an_impossible_directory_is_a_clear_error(tmp_path, capsys):
    afile = tmp_path / "afile"
    afile.write_text("x")
    assert main([*COLLECT, "--out", str(afile)]) == 2
    assert "is an existing file, not a directory" in capsys.readouterr().err
    assert main([*COLLECT, "--out", str(afile / "sub")]) == 2
    assert "cannot be created" in capsys.readouterr().err


def test_unknown_env_ids_list_the_registered_ones(tmp_path, capsys):
    assert main([*COLLECT, "--env", "Nope-v0", "--out", str(tmp_path / "d")]) == 2
    err = capsys.readouterr().err
    assert "unknown environment id 'Nope-v0'" in err and "Billiards-v0" in err
    assert main(["plan", "--env", "Nope-v0", "--episodes", "1"]) == 2
    assert "SeedBilliards-v0" in capsys.readouterr().err
    for argv in (["compare"], ["baseline", "--algo", "ppo"], ["demo"]):
        out = tmp_path / argv[0]
        assert main([*argv, "--env", "Nope-v0", "--out", str(out)]) == 2
        assert "unknown environment id 'Nope-v0'" in capsys.readouterr().err
        assert not out.exists()  # refused before any work


def test_inspect_of_a_damaged_dataset_is_one_line_naming_it(dataset, tmp_path, capsys):
    import shutil

    copy = tmp_path / "ds"
    shutil.copytree(dataset, copy)
    path = copy / "shard-00000" / "states.npy"
    path.write_bytes(path.read_bytes()[:-7])
    assert main(["inspect", str(copy)]) == 2
    err = capsys.readouterr().err
    assert err.count("vin-gym inspect: error:") == 1 and "states.npy" in err
    assert "Traceback" not in err


def test_inspect_names_a_manifest_field_of_the_wrong_type(dataset, tmp_path, capsys):
    import shutil

    copy = tmp_path / "ds"
    shutil.copytree(dataset, copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    (copy / "manifest.json").write_text(json.dumps(manifest | {"episode_length": "5"}))
    assert main(["inspect", str(copy)]) == 2
    assert "episode_length" in capsys.readouterr().err


# -- import-mat ------------------------------------------------------------------------
def _mat(path: Path) -> Path:
    """A .mat file as the seed wrote them: 2 episodes of 8 frames."""
    scipy_io = pytest.importorskip("scipy.io")
    from vin_fakes import seed_episodes

    x, y, _ = seed_episodes(2, 8)
    scipy_io.savemat(path, {"X": x, "y": y})
    return path


def test_import_mat_resumes_and_refuses_other_settings(tmp_path, capsys):
    path, out = _mat(tmp_path / "a.mat"), tmp_path / "imported"
    assert main(["import-mat", str(path), "--out", str(out)]) == 0
    assert main(["import-mat", str(path), "--out", str(out)]) == 0  # resumes: nothing to do
    assert main(["import-mat", str(path), "--out", str(out), "--dt", "0.05"]) == 2
    assert "dt: 0.1 on disk vs 0.05 now" in capsys.readouterr().err


def test_import_mat_of_an_empty_or_foreign_file_is_a_clear_error(tmp_path, capsys):
    pytest.importorskip("scipy.io")
    (tmp_path / "empty.mat").write_bytes(b"")
    (tmp_path / "text.mat").write_text("garbage, not MATLAB\n")
    for name in ("empty.mat", "text.mat"):
        assert main(["import-mat", str(tmp_path / name), "--out", str(tmp_path / name)]) == 2
        err = capsys.readouterr().err
        assert name in err and "Traceback" not in err


def test_import_mat_refuses_a_ball_larger_than_the_table(tmp_path, capsys):
    path = _mat(tmp_path / "a.mat")
    assert main(["import-mat", str(path), "--out", str(tmp_path / "a"), "--radius", "50"]) == 2
    assert "radius must be in (0, 5)" in capsys.readouterr().err


# -- export-minari ---------------------------------------------------------------------
NAME = "vin-gym/billiards/random-v0"


def test_export_minari(dataset, tmp_path, capsys):
    pytest.importorskip("minari")
    out = tmp_path / "r.json"
    argv = ["export-minari", str(dataset), "--out", NAME, "--root", str(tmp_path), "--json"]
    assert main([*argv, str(out)]) == 0
    assert json.loads(out.read_text())["episodes"] == 3
    assert main([*argv, str(out)]) == 2  # the name is taken
    assert "already exists" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["random", "a/../b-v0", "x-v"])
def test_export_minari_refuses_a_bad_name(dataset, tmp_path, name, capsys):
    pytest.importorskip("minari")
    assert main(["export-minari", str(dataset), "--out", name, "--root", str(tmp_path)]) == 2
    assert "not a Minari dataset name" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_export_minari_without_minari_names_the_extra(dataset, tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "minari", None)
    assert main(["export-minari", str(dataset), "--out", NAME, "--root", str(tmp_path)]) == 2
    assert "vin-gym[minari]" in capsys.readouterr().err
