"""The release: license metadata, an environments-only core install, extras named when
missing, and commands that behave outside a source checkout."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

from vin_gym.cli import main

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
PROJECT = PYPROJECT["project"]
#: What only the extras may bring: none of it is needed to make and render an env.
HEAVY = {"torch", "tensorboard", "matplotlib", "stable-baselines3", "minari", "safetensors"}
#: Import names of the modules the ``model``, ``sb3`` and ``minari`` extras install.
EXTRA_MODULES = [
    "torch", "safetensors", "tensorboard", "matplotlib", "scipy", "imageio", "PIL",
    "stable_baselines3", "minari", "h5py",
]  # fmt: skip


def names(requirements: list[str]) -> set[str]:
    return {Requirement(r).name.lower() for r in requirements}


def run_python(
    code: str, *, cwd: Path | None = None, path: Path = ROOT
) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(path)}
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=cwd, env=env, timeout=300
    )


def blocking(modules: list[str]) -> str:
    """Python source that makes importing each of ``modules`` fail, as if not installed."""
    return f"import sys\nfor m in {modules!r}:\n    sys.modules[m] = None\n"


def test_license_file_and_spdx_metadata():
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License")
    assert "Copyright (c) 2026 vin-gym contributors" in text
    assert PROJECT["license"] == "MIT"  # an SPDX expression (PEP 639), not a table
    assert PROJECT["license-files"] == ["LICENSE"]
    classifiers = PROJECT["classifiers"]
    assert not [c for c in classifiers if c.startswith("License ::")]  # PEP 639 forbids both
    assert "Topic :: Scientific/Engineering :: Artificial Intelligence" in classifiers
    assert "Programming Language :: Python :: 3.11" in classifiers
    setuptools = next(
        Requirement(r) for r in PYPROJECT["build-system"]["requires"] if r.startswith("setuptools")
    )
    assert Version("77.0.2") not in setuptools.specifier  # license-files needs 77.0.3+
    assert Version("77.0.3") in setuptools.specifier


def test_core_install_is_the_environments_only():
    from vin_gym.cli import COMMAND_EXTRAS, COMMANDS
    from vin_gym.extras import EXTRAS, MODULE_EXTRAS

    core = names(PROJECT["dependencies"])
    assert not core & HEAVY
    assert {"numpy", "gymnasium", "pymunk", "pygame", "numba", "filelock"} <= core
    extras = PROJECT["optional-dependencies"]
    assert {"torch", "safetensors", "tensorboard", "matplotlib"} <= names(extras["model"])
    assert "stable-baselines3" in names(extras["sb3"])
    assert "vin-gym[model]" in extras["sb3"]  # SB3's baselines need the model's torch too
    assert "minari" in names(extras["minari"])
    assert Requirement(extras["all"][0]).extras == set(EXTRAS)
    assert "vin-gym[all]" in extras["dev"]
    assert {"pytest", "pytest-xdist", "ruff", "import-linter"} <= names(extras["dev"])
    assert set(EXTRAS) <= set(extras)
    assert set(COMMAND_EXTRAS) <= set(COMMANDS) and set(COMMAND_EXTRAS.values()) <= set(EXTRAS)
    assert set(MODULE_EXTRAS) == set(EXTRA_MODULES)


def test_long_description_reads_outside_the_repository():
    assert PROJECT["readme"] == "docs/package.md"
    text = (ROOT / PROJECT["readme"]).read_text()
    assert "pip install vin-gym" in text and "vin-gym[model]" in text
    # every link is absolute: a relative one points at a file the package does not carry
    links = [part.split(")")[0] for part in text.split("](")[1:]]
    assert all(link.startswith("https://") for link in links), links


def test_every_env_without_the_extras():
    code = blocking(EXTRA_MODULES) + (
        "import gymnasium as gym\n"
        "import vin_gym\n"
        "for env_id in vin_gym.ENVIRONMENTS:\n"
        "    env = gym.make(env_id, render_mode='rgb_array')\n"
        "    env.reset(seed=0)\n"
        "    env.step(env.action_space.sample())\n"
        "    assert env.render().ndim == 3\n"
        "    env.close()\n"
        "assert not [m for m in sys.modules if m.split('.')[0] in "
        f"{EXTRA_MODULES!r} and sys.modules[m] is not None]\n"
        "print('ok', len(vin_gym.ENVIRONMENTS))\n"
    )
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    import vin_gym

    assert result.stdout.split() == ["ok", str(len(vin_gym.ENVIRONMENTS))]
    assert len(vin_gym.ENVIRONMENTS) == 13  # the 9 paper ids and 4 skill tasks


@pytest.mark.parametrize(
    ("argv", "blocked", "extra"),
    [
        (["train", "--data", "d", "--out", "o"], ["torch"], "world-model"),
        (["plan", "--help"], ["torch"], "world-model"),
        (["baseline", "--algo", "ppo", "--out", "o"], ["torch", "stable_baselines3"], "SB3"),
    ],
)
def test_a_command_without_its_extra_names_it(argv, blocked, extra, tmp_path):
    code = blocking(blocked) + f"from vin_gym.cli import main\nsys.exit(main({argv!r}))\n"
    result = run_python(code, cwd=tmp_path)
    key = {"world-model": "model", "SB3": "sb3"}[extra]
    assert result.returncode == 2, result.stderr
    assert result.stderr == (
        f'vin-gym {argv[0]} needs the {extra} extra: pip install "vin-gym[{key}]"\n'
    )
    assert list(tmp_path.iterdir()) == []  # refused before any file is written


def test_a_core_command_needs_no_extra(tmp_path):
    code = (
        blocking(EXTRA_MODULES)
        + "from vin_gym.cli import main\nsys.exit(main(['collect', '--help']))\n"
    )
    result = run_python(code, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "usage: vin-gym collect" in result.stdout


def test_bench_from_an_installed_package_exits_2(tmp_path):
    """An installed package: ``site-packages/vin_gym`` without the checkout's
    ``pyproject.toml``, beside another project's ``benchmarks`` folder."""
    site = tmp_path / "site-packages"
    shutil.copytree(
        ROOT / "vin_gym", site / "vin_gym", ignore=shutil.ignore_patterns("__pycache__")
    )
    (site / "benchmarks").mkdir()
    (site / "benchmarks" / "theirs.py").write_text("open('ran', 'w').write('1')\n")
    for argv in (["bench"], ["bench", "theirs"]):
        code = f"import sys\nfrom vin_gym.cli import main\nsys.exit(main({argv!r}))\n"
        result = run_python(code, cwd=tmp_path, path=site)
        assert result.returncode == 2, result.stderr
        assert "source checkout" in result.stderr and len(result.stderr.splitlines()) == 1
        assert "theirs" not in result.stdout
    assert not (tmp_path / "ran").exists() and not (site / "ran").exists()


def test_compare_writes_beside_its_work_by_default(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    tiny = [
        "compare", "--methods", "random", "--episodes", "2", "--seeds", "0",
        "--max-episode-steps", "4", "--no-progress", "--work", "work",
    ]  # fmt: skip
    assert main(tiny) == 0
    assert (tmp_path / "work" / "results" / "compare.json").is_file()
    assert not (tmp_path / "docs").exists()


def test_documented_compare_commands_write_docs_results():
    for doc in (ROOT / "README.md", ROOT / "docs" / "results" / "README.md"):
        commands = [
            block.split("```")[0]
            for block in doc.read_text().split("vin-gym compare ")[1:]
            if block.startswith("--methods")
        ]
        assert commands, doc
        assert all("--out docs/results" in c for c in commands), doc
