"""Where a result came from: package versions, the machine, the command and the physics.

One helper for every record a result carries: dataset manifests, SB3 run configs, the
SB3 summary, ``vin-gym compare`` and the benchmarks.

>>> record = provenance(command="vin-gym compare", physics="0123456789abcdef")
>>> sorted(record), {"python", "vin_gym", "numpy"} <= set(record["versions"])
(['command', 'machine', 'physics', 'versions'], True)
"""

from __future__ import annotations

import os
import platform
import shlex
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

#: Distributions recorded when installed, under these keys (not imported to read them).
OPTIONAL = {"torch": "torch", "stable_baselines3": "stable-baselines3"}


def package_versions() -> dict[str, str]:
    """Versions of Python and the packages a result depends on: vin_gym, numpy, gymnasium,
    pymunk, and torch and stable_baselines3 when installed."""
    import gymnasium
    import numpy as np
    import pymunk

    versions = {
        "python": platform.python_version(),
        "vin_gym": version("vin-gym"),
        "numpy": np.__version__,
        "gymnasium": gymnasium.__version__,
        "pymunk": pymunk.version,
    }
    for key, dist in OPTIONAL.items():
        try:
            versions[key] = version(dist)
        except PackageNotFoundError:
            pass
    return versions


def load_average() -> tuple[float, float, float]:
    """The system's load average over 1, 5 and 15 minutes (:func:`os.getloadavg`)."""
    return os.getloadavg()


def cpu_name() -> str:
    """The processor's name, with its family and model on Linux (``/proc/cpuinfo``), or the
    platform's processor string elsewhere.

    >>> isinstance(cpu_name(), str) and cpu_name() != ""
    True
    """
    fields: dict[str, str] = {}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if not line.strip():
                break  # the first processor's block is enough
            key, _, value = line.partition(":")
            fields.setdefault(key.strip(), value.strip())
    except OSError:
        pass
    name = fields.get("model name") or platform.processor() or platform.machine()
    if "cpu family" in fields and "model" in fields:
        name += f" (family {fields['cpu family']}, model {fields['model']})"
    return name


def torch_cpu_capability() -> str | None:
    """The instruction set torch's CPU kernels use here (``"AVX2"``, ``"AVX512"``, ...),
    when torch is already imported: kernels for different sets may round differently, so
    a run that does not reproduce elsewhere can be traced to it."""
    torch = sys.modules.get("torch")
    if torch is None:
        return None
    try:
        return str(torch.backends.cpu.get_cpu_capability())
    except AttributeError:  # a torch without it
        return None


def machine_info(load_start: tuple[float, float, float] | None = None) -> dict[str, Any]:
    """Where a measurement ran: core count, platform, processor (its name and, when torch
    is imported, the instruction set of torch's kernels), Python, load average.

    A timing passes ``load_start``, the :func:`load_average` read before it started: the
    record then holds the load at the start and at the end (now), so a reader sees how
    busy the machine was while it was measured (an *idle* machine has a load well under
    its ``cpu_count`` at both ends).

    >>> start = load_average()
    >>> info = machine_info(load_start=start)
    >>> info["load_start"] == list(start), len(info["load_end"])
    (True, 3)
    >>> "load_start" in machine_info()
    False
    """
    now = load_average()
    info: dict[str, Any] = {
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu": cpu_name(),
        "python": platform.python_version(),
        "load_average": now,
    }
    capability = torch_cpu_capability()
    if capability is not None:
        info["torch_cpu_capability"] = capability
    if load_start is not None:
        info["load_start"] = list(load_start)
        info["load_end"] = list(now)
    return info


def command_line(argv: list[str] | None = None, prog: str = "vin-gym") -> str | None:
    """The shell command that is running (``prog`` and its arguments), or ``None`` when
    this process is not ``prog`` (a test, a notebook).

    >>> command_line(["vin-gym", "compare", "--out", "a b"])
    "vin-gym compare --out 'a b'"
    >>> command_line(["pytest"]) is None
    True
    """
    argv = sys.argv if argv is None else argv
    if not argv or Path(argv[0]).name != prog:
        return None
    return shlex.join([prog, *argv[1:]])


def provenance(command: str | None = None, physics: str | None = None) -> dict[str, Any]:
    """The record a result carries: ``command`` (default: :func:`command_line`), package
    versions, the machine and, when given, the physics fingerprint
    (:func:`vin_gym.fingerprint.physics_fingerprint`)."""
    record: dict[str, Any] = {
        "command": command if command is not None else command_line(),
        "versions": package_versions(),
        "machine": machine_info(),
    }
    if physics is not None:
        record["physics"] = physics
    return record
