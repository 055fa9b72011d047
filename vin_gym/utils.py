"""Small shared helpers: atomic file and directory writes, checksums, plain-text tables,
progress bars, the error of a missing optional dependency."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

#: The suffix of every temporary file or directory of the project's atomic writes, so
#: that a killed writer's leftovers are recognised (``vin_gym.locking``) and nothing else.
TEMP_SUFFIX = ".vin-gym.tmp"


def atomic_write(path: str | os.PathLike, write: Callable[[str], None]) -> Path:
    """Call ``write(tmp_path)`` on a temporary file beside ``path``, then rename it into
    place, so that a crash leaves either the old file or the new one, never half of one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMP_SUFFIX, dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual mode
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


@contextlib.contextmanager
def atomic_directory(
    path: str | os.PathLike, prefix: str | None = None, mode: int | None = None
) -> Iterator[Path]:
    """Yield a temporary directory beside ``path`` to fill; when the block ends without
    an error, rename it into place (replacing what ``path`` held), else remove it. A crash
    leaves either the old directory or the new one, never half of one.

    Args:
        path: The directory to write.
        prefix: Of the temporary directory's name (default ``.<name>.``; it ends with
            :data:`TEMP_SUFFIX`).
        mode: Its permission bits (default: a new directory's, by the umask).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    prefix = f".{path.name}." if prefix is None else prefix
    tmp = Path(tempfile.mkdtemp(prefix=prefix, suffix=TEMP_SUFFIX, dir=path.parent))
    try:
        yield tmp
        os.chmod(tmp, 0o777 & ~_umask() if mode is None else mode)  # mkdtemp makes 0700
        if path.exists():  # an older, incomplete or replaced copy
            shutil.rmtree(path)
        os.replace(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def file_sha256(path: str | os.PathLike) -> str:
    """The sha256 checksum of a file, as 64 hex digits."""
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def check_writable(directory: str | os.PathLike) -> None:
    """Prove ``directory`` writable by writing (and removing) a probe file in it: the
    permission bits can say yes where a write fails (a pseudo-file system such as procfs
    as root, a read-only mount, a full disk).

    Raises:
        OSError: The probe cannot be written (its ``strerror`` says why).
    """
    fd, probe = tempfile.mkstemp(prefix=".write-probe.", suffix=TEMP_SUFFIX, dir=directory)
    try:
        os.write(fd, b"probe")
    finally:
        os.close(fd)
        Path(probe).unlink(missing_ok=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    return atomic_write(path, lambda tmp: Path(tmp).write_bytes(data))


def write_json(path: str | os.PathLike, obj: Any) -> Path:
    """Write ``obj`` as indented JSON, atomically."""
    text = json.dumps(obj, indent=2, sort_keys=False, default=_jsonable) + "\n"
    return atomic_write_bytes(path, text.encode())


def _jsonable(value: Any) -> Any:
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON: {value!r}")


def format_table(rows: Sequence[dict[str, Any]], columns: Sequence[str] | None = None) -> str:
    """A GitHub-flavoured markdown table of ``rows`` (floats to 4 significant digits)."""
    if not rows:
        return "(no rows)"
    columns = list(columns or rows[0].keys())

    def cell(v: Any) -> str:
        if v is None:
            return "-"
        if isinstance(v, float):
            return f"{v:.4g}"
        return str(v)

    body = [[cell(r.get(c, "")) for c in columns] for r in rows]
    widths = [max(len(c), *(len(b[i]) for b in body)) for i, c in enumerate(columns)]

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(x.ljust(w) for x, w in zip(cells, widths, strict=True)) + " |"

    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(columns), sep, *(line(b) for b in body)])


def plural(n: int, word: str, many: str | None = None) -> str:
    """``n`` and ``word``, in the plural unless ``n`` is 1.

    >>> plural(1, "episode"), plural(3, "episode")
    ('1 episode', '3 episodes')
    """
    return f"{n} {word if n == 1 else many or word + 's'}"


def progress_bar(iterable: Any = None, *, disable: bool = False, **kwargs: Any) -> Any:
    """A tqdm bar on stderr, off when ``disable`` or when stderr is not a terminal (no
    carriage-return frames in logs)."""
    from tqdm.auto import tqdm

    tty = hasattr(sys.stderr, "isatty") and sys.stderr.isatty()
    return tqdm(iterable, disable=disable or not tty, **kwargs)
