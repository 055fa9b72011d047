"""One writer per directory: a lock held while a command writes a dataset, run or
comparison directory, the stale temporaries of a killed writer cleaned when the next one
starts, and the one rule for starting a run over an existing one.

The lock is an OS lock (``flock`` through the ``filelock`` library) on ``.vin-gym.lock``
in the directory, so it goes with its process: a killed writer leaves no lock to clear.
Beside it, ``.vin-gym.lock.json`` names the holder (pid, host, command, start time) for
the message a second writer gets.
"""

from __future__ import annotations

import datetime
import json
import os
import re
import shlex
import shutil
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from vin_gym.utils import TEMP_SUFFIX, write_json

#: The lock file in a held directory, and the file naming its holder.
LOCK_FILE = ".vin-gym.lock"
HOLDER_FILE = ".vin-gym.lock.json"


class DirectoryInUse(ValueError):
    """Another process holds the directory (a usage error: the command line exits 2)."""


@contextmanager
def hold_directory(path: str | os.PathLike, what: str) -> Iterator[Path]:
    """Hold ``path`` (created if needed) for this process while the block runs, after
    removing the stale temporaries a killed writer left in it.

    Args:
        path: The directory to write.
        what: What it is, for the message (``"dataset"``, ``"run"``, ...).

    Raises:
        DirectoryInUse: Another process holds ``path`` (refused at once, naming it;
            nothing is written).
        ValueError: ``path`` is an existing file, or cannot be created.
    """
    from filelock import FileLock, Timeout

    root = Path(path)
    created = not root.exists()
    if root.exists() and not root.is_dir():
        raise ValueError(f"the {what} directory {root} is an existing file, not a directory")
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ValueError(
            f"the {what} directory {root} cannot be created ({exc.strerror})"
        ) from None
    lock = FileLock(root / LOCK_FILE)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise DirectoryInUse(
            f"another vin-gym process holds {root} ({holder(root)}); wait for it to end, "
            f"or choose another {what} directory"
        ) from None
    failed = True
    try:
        remove_stale_temporaries(root)
        write_json(root / HOLDER_FILE, _holder_record())
        yield root
        failed = False
    finally:
        (root / HOLDER_FILE).unlink(missing_ok=True)
        lock.release()
        if failed and created and {p.name for p in root.iterdir()} <= {LOCK_FILE}:
            # Refused before writing anything (bad input, no run to resume): leave no
            # empty directory behind.
            (root / LOCK_FILE).unlink(missing_ok=True)
            root.rmdir()


def holder(root: Path) -> str:
    """Who holds ``root``, from its holder file (pid, host, start time, command)."""
    try:
        record = json.loads((Path(root) / HOLDER_FILE).read_text())
        return (
            f"pid {record['pid']} on {record['host']} since {record['started']}: "
            f"{record['command']}"
        )
    except (OSError, ValueError, KeyError, TypeError):
        return "a process that has not named itself yet"


def _holder_record() -> dict[str, object]:
    return {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "command": shlex.join(["vin-gym", *sys.argv[1:]]),
        "started": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    }


#: The temporaries of SB3 saves by vin-gym before they were named ``*.vin-gym.tmp``
#: (``.latest.zip.XXXXXXXX.tmp``: mkstemp's 8 characters), a pixel SAC buffer's up to GBs.
_LEGACY = re.compile(
    r"\.(latest\.zip|latest_replay_buffer\.pkl|model(_\d+)?\.zip)\.[a-z0-9_]{8}\.tmp"
)


def is_temporary(name: str) -> bool:
    """Whether ``name`` is a temporary of the project's own atomic writes
    (``.NAME.XXXXXXXX.vin-gym.tmp``, files and directories alike, and the SB3 saves of
    older versions, ``.latest.zip.XXXXXXXX.tmp``).

    >>> [is_temporary(n) for n in (".a.json.k3j_x9q2.vin-gym.tmp", ".latest.zip.ab12cd34.tmp")]
    [True, True]
    >>> [is_temporary(n) for n in ("a.vin-gym.tmp", ".notes.tmp", ".data.zip.ab12cd34.tmp")]
    [False, False, False]
    """
    return (name.startswith(".") and name.endswith(TEMP_SUFFIX)) or bool(_LEGACY.fullmatch(name))


def remove_stale_temporaries(root: str | os.PathLike) -> list[Path]:
    """Delete the temporaries (:func:`is_temporary`) under ``root``, and nothing else;
    return them. Call it only while holding ``root``: a live writer's temporaries look
    the same. A subdirectory with a lock file of its own is its own writer's to clean."""
    removed: list[Path] = []
    for here, dirs, files in os.walk(root):
        for name in [d for d in dirs if is_temporary(d)]:
            shutil.rmtree(Path(here, name), ignore_errors=True)
            removed.append(Path(here, name))
        dirs[:] = [d for d in dirs if not is_temporary(d) and not Path(here, d, LOCK_FILE).exists()]
        for name in files:
            if is_temporary(name):
                Path(here, name).unlink(missing_ok=True)
                removed.append(Path(here, name))
    return sorted(removed)


def check_new_or_resume(
    run: str | os.PathLike, resume: bool, marker: str, holds: bool | None = None
) -> None:
    """Refuse to start a new run over an existing one, and to resume a run that is not
    there: the rule ``train``, ``mbrl`` and ``baseline`` share.

    Args:
        run: The run directory.
        resume: Whether ``--resume`` was given.
        marker: What in ``run`` shows that a run is there (a glob, e.g. ``config.json``).
        holds: Whether a run is there (default: whether ``marker`` matches a path).

    Raises:
        ValueError: A run is there and ``resume`` is false.
        FileNotFoundError: ``resume`` and no run is there.
    """
    run = Path(run)
    if holds is None:
        holds = run.is_dir() and any(run.glob(marker))
    if holds and not resume:
        raise ValueError(
            f"{run} already holds a run ({run / marker}); pass --resume to continue it, "
            "or choose another output directory"
        )
    if resume and not holds:
        raise FileNotFoundError(
            f"--resume: no run to resume in {run}: it holds no {marker}; leave out "
            "--resume to start a new run"
        )
