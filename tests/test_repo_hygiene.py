"""What a fresh clone must not carry: absolute paths of the machine that made a file."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: A path from a filesystem root with at least two levels (a machine folder, a home)
#: standing at the start of a value: after a quote, a space, "(" or "=".
ABSOLUTE = re.compile(r"""(^|[ "'(=])/[a-z]+/[A-Za-z0-9_.-]+/""", re.MULTILINE)
SUFFIXES = {".json", ".md", ".py", ".toml", ".txt", ".cfg", ".yaml", ".yml"}


def tracked_files() -> list[Path]:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    out = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.decode()
    return [ROOT / name for name in out.split("\0") if name]


def test_no_absolute_machine_path_is_committed() -> None:
    offenders = []
    for path in tracked_files():
        if path.suffix not in SUFFIXES or not path.is_file():
            continue
        for match in ABSOLUTE.finditer(path.read_text(errors="replace")):
            line = path.read_text(errors="replace")[: match.start()].count("\n") + 1
            offenders.append(f"{path.relative_to(ROOT)}:{line}: {match.group(0).strip()}")
    assert not offenders, "absolute machine paths committed:\n" + "\n".join(offenders)


def test_no_lock_file_is_committed() -> None:
    """A directory's one-writer lock (``vin_gym.locking``) belongs to the run that held it."""
    from vin_gym.locking import HOLDER_FILE, LOCK_FILE

    locks = [p for p in tracked_files() if p.name in (LOCK_FILE, HOLDER_FILE)]
    assert not locks, "lock files committed: " + ", ".join(str(p.relative_to(ROOT)) for p in locks)


def test_the_package_data_holds_no_absolute_path() -> None:
    """What ``pip install`` ships (the pretrained model's files), checked apart from git."""
    shipped = [p for p in (ROOT / "vin_model" / "pretrained").iterdir() if p.suffix in SUFFIXES]
    assert shipped, "the pretrained model ships its config and README"
    for path in shipped:
        assert not ABSOLUTE.search(path.read_text()), path


def test_only_the_cli_imports_the_command_modules() -> None:
    """Tests, benchmarks, examples and the library import the library, never a command
    module (import-linter checks the packages; this checks the rest of the tree too)."""
    import ast

    offenders = []
    for path in ROOT.glob("**/*.py"):
        rel = path.relative_to(ROOT)
        if rel.parts[0].startswith(".") or rel.parts[:2] == ("vin_gym", "commands"):
            continue
        if rel.parts[0] in {"build", "dist"} or rel == Path("vin_gym/cli.py"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            if any(n == "vin_gym.commands" or n.startswith("vin_gym.commands.") for n in names):
                offenders.append(f"{rel}:{node.lineno}")
    assert not offenders, offenders
