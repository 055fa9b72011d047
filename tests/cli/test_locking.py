"""One writer per directory, stale temporaries, new-or-resume, writable output paths."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from contextlib import contextmanager
from pathlib import Path

import pytest

from vin_gym.cli import main
from vin_gym.locking import (
    HOLDER_FILE,
    LOCK_FILE,
    DirectoryInUse,
    check_new_or_resume,
    hold_directory,
    is_temporary,
    remove_stale_temporaries,
)
from vin_gym.utils import atomic_write_bytes

ROOT = Path(__file__).resolve().parents[2]
TINY_COLLECT = "--episodes 1 --steps 3 --obs-size 32 --policy random --no-progress".split()
TINY_MBRL = [
    "--env-steps", "96", "--episode-steps", "12", "--seed-episodes", "4",
    "--agent-episodes", "2", "--seed-train-steps", "2", "--train-steps", "1",
    "--batch-size", "4", "--rollout-max", "4", "--eval-episodes", "1", "--no-progress",
]  # fmt: skip
COMPARE = [
    "compare", "--episodes", "1", "--seeds", "0", "--data-steps", "20",
    "--episode-steps", "12", "--rollout", "4", "--train-steps", "1", "--batch-size", "2",
    "--max-episode-steps", "4", "--population", "4", "--elites", "2", "--iterations", "1",
    "--horizon", "2", "--planner", "cem", "--no-progress", "--methods", "random",
]  # fmt: skip


@contextmanager
def held_by_another_process(*dirs: Path):
    """A separate process holding ``dirs`` (hold_directory) until the block ends."""
    code = textwrap.dedent(
        """
        import sys
        from contextlib import ExitStack
        from vin_gym.locking import hold_directory
        with ExitStack() as stack:
            for d in sys.argv[1:]:
                stack.enter_context(hold_directory(d, "test"))
            print("held", flush=True)
            sys.stdin.read()
        """
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-c", code, *map(str, dirs)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout.readline().strip() == "held"
        yield proc
    finally:
        proc.stdin.close()
        proc.wait(timeout=60)


def _listing(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() if p.is_file() else b""
        for p in sorted(root.rglob("*"))
    }


@pytest.mark.parametrize(
    ("args", "held"),
    [
        (["collect", "--out", "{d}", *TINY_COLLECT], "d"),
        (["train", "--data", "{d}/none", "--out", "{d}", "--steps", "1"], "d"),
        (["mbrl", "--out", "{d}", *TINY_MBRL], "d"),
        (["baseline", "--algo", "ppo", "--obs", "state", "--out", "{d}", "--timesteps", "64"], "d"),
        ([*COMPARE, "--work", "{d}", "--out", "{e}"], "d"),
        ([*COMPARE, "--work", "{e}", "--out", "{d}"], "d"),
        (["import-mat", "{e}/seed.mat", "--out", "{d}"], "d"),
    ],
    ids=["collect", "train", "mbrl", "baseline", "compare-work", "compare-out", "import-mat"],
)
def test_a_second_writer_is_refused_at_once_naming_the_holder(tmp_path, capsys, args, held):
    d, e = tmp_path / "d", tmp_path / "e"
    if args[0] == "baseline":
        pytest.importorskip("stable_baselines3")
    with held_by_another_process(d) as holder:
        before = _listing(d)
        rc = main([a.format(d=d, e=e) for a in args])
        err = capsys.readouterr().err
        assert rc == 2, err
        assert f"another vin-gym process holds {d}" in err
        assert f"pid {holder.pid}" in err  # the holder, named from its sidecar
        assert _listing(d) == before  # nothing written
    assert not (d / HOLDER_FILE).exists()  # the holder's record goes with it


def test_the_lock_goes_with_its_process(tmp_path):
    """An OS lock: a killed holder leaves nothing to clear by hand."""
    with held_by_another_process(tmp_path) as holder:
        with pytest.raises(DirectoryInUse, match="another vin-gym process holds"):
            with hold_directory(tmp_path, "run"):
                pass
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=60)
        with hold_directory(tmp_path, "run"):  # taken at once
            assert (tmp_path / LOCK_FILE).exists()


def test_stale_temporaries_are_removed_and_nothing_else(tmp_path):
    stale = [
        tmp_path / ".latest.zip.k2j4h5g6.vin-gym.tmp",
        tmp_path / "checkpoints" / ".latest_replay_buffer.pkl.abcdefgh.vin-gym.tmp",
        tmp_path / "checkpoints" / ".latest.zip.w_5nq0zt.tmp",  # a killed baseline, before
    ]
    stale_dirs = [
        tmp_path / ".shard-00000.x1y2z3w4.vin-gym.tmp",
        tmp_path / "checkpoints" / ".tmp_a1b2c3d4.vin-gym.tmp",
    ]
    kept = [
        tmp_path / "notes.tmp",
        tmp_path / ".results.zip.k2j4h5g6.tmp",  # not the project's name
        tmp_path / "results.vin-gym.tmp",  # not hidden: not a temporary of ours
        tmp_path / ".hidden",
        tmp_path / "checkpoints" / "latest.zip",
        # a directory another writer holds: its temporaries are its own to clean
        tmp_path / "nested" / LOCK_FILE,
        tmp_path / "nested" / ".model.zip.q1w2e3r4.vin-gym.tmp",
    ]
    for p in stale + kept:
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(b"x")
    for p in stale_dirs:
        p.mkdir(parents=True)
        (p / "part.npy").write_bytes(b"x")
    with hold_directory(tmp_path, "run"):
        pass
    assert not any(p.exists() for p in stale + stale_dirs)
    assert all(p.exists() for p in kept)
    assert remove_stale_temporaries(tmp_path) == []


def test_atomic_writes_use_the_recognisable_temporary_name(tmp_path):
    seen = []

    def write(tmp: str) -> None:
        seen.append(Path(tmp).name)
        Path(tmp).write_bytes(b"x")

    from vin_gym.utils import atomic_write

    atomic_write(tmp_path / "model.zip", write)
    assert len(seen) == 1 and is_temporary(seen[0]) and seen[0].startswith(".model.zip.")


def test_collect_removes_a_killed_writers_temporaries(tmp_path, capsys):
    out = tmp_path / "data"
    out.mkdir()
    stale = out / ".manifest.json.abcd1234.vin-gym.tmp"
    stale.write_text("{}")
    keep = out / "README.tmp"
    keep.write_text("mine")
    assert main(["collect", "--out", str(out), *TINY_COLLECT]) == 0
    assert not stale.exists() and keep.read_text() == "mine"
    assert (out / "manifest.json").is_file()
    assert not (out / HOLDER_FILE).exists()


def test_check_new_or_resume(tmp_path):
    check_new_or_resume(tmp_path / "new", False, "config.json")  # a new run: fine
    with pytest.raises(FileNotFoundError, match="no run to resume"):
        check_new_or_resume(tmp_path / "new", True, "config.json")
    (tmp_path / "config.json").write_text("{}")
    check_new_or_resume(tmp_path, True, "config.json")  # resuming it: fine
    with pytest.raises(ValueError, match=r"already holds a run.*--resume"):
        check_new_or_resume(tmp_path, False, "config.json")


def test_json_on_a_pseudo_file_system_is_refused_before_the_run(tmp_path, capsys, monkeypatch):
    """Root's permission bits say procfs is writable; a probe write says it is not."""
    if not Path("/proc/self").is_dir():
        pytest.skip("no procfs")
    monkeypatch.setattr(os, "access", lambda *a, **k: True)  # as root sees it
    out = tmp_path / "data"
    rc = main(["collect", "--out", str(out), "--json", "/proc/vin-gym.json", *TINY_COLLECT])
    assert rc == 2
    assert "/proc/vin-gym.json" in capsys.readouterr().err
    assert not out.exists()  # refused before the run


def test_an_output_dir_that_cannot_be_written_is_refused(tmp_path, monkeypatch):
    from vin_gym.data.storage import DatasetError, prepare_output_dir

    if not Path("/proc/self").is_dir():
        pytest.skip("no procfs")
    monkeypatch.setattr(os, "access", lambda *a, **k: True)
    with pytest.raises(DatasetError, match="not writable"):
        prepare_output_dir("/proc")
    prepare_output_dir(tmp_path / "fine")
    assert list((tmp_path / "fine").iterdir()) == []  # the probe is gone


def test_holder_record_names_the_process(tmp_path):
    import json

    with hold_directory(tmp_path, "run"):
        record = json.loads((tmp_path / HOLDER_FILE).read_text())
        assert record["pid"] == os.getpid() and record["command"].startswith("vin-gym")
        atomic_write_bytes(tmp_path / "x.bin", b"1")
    assert (tmp_path / "x.bin").read_bytes() == b"1"


def test_mbrl_resume_without_a_run_is_refused(tmp_path, capsys):
    assert main(["mbrl", "--out", str(tmp_path / "none"), "--resume", *TINY_MBRL]) == 2
    assert "no run to resume" in capsys.readouterr().err
    assert not (tmp_path / "none" / "mbrl.json").exists()


def test_a_refused_block_leaves_no_directory_it_made(tmp_path):
    new, old = tmp_path / "new", tmp_path / "old"
    old.mkdir()
    for path in (new, old):
        with pytest.raises(RuntimeError), hold_directory(path, "run"):
            raise RuntimeError("refused before writing")
    assert not new.exists()  # made by the block, empty: removed
    assert old.is_dir()  # the user's own directory stays
    with hold_directory(new, "run"):
        (new / "result.json").write_text("{}")
    assert (new / "result.json").exists()  # a directory with a result is kept
