"""The package's optional extras, and the one error that names the extra to install.

``pip install vin-gym`` installs the environments only (numpy, Gymnasium, pymunk, pygame,
numba); the world model, the planners and the experiments need the ``model`` extra
(torch, safetensors, TensorBoard, matplotlib, SciPy, imageio, Pillow), the
Stable-Baselines3 baselines the ``sb3`` extra, the Minari export the ``minari`` extra.
The command line turns a missing one into one line naming the extra, with exit code 2::

    vin-gym train needs the world-model extra: pip install "vin-gym[model]"
"""

from __future__ import annotations

#: extra -> how a message names it.
EXTRAS: dict[str, str] = {"model": "world-model", "sb3": "SB3", "minari": "Minari"}

#: extra -> the extras it installs (``sb3`` brings the world model's torch with it).
INCLUDES: dict[str, frozenset[str]] = {
    "model": frozenset({"model"}),
    "sb3": frozenset({"sb3", "model"}),
    "minari": frozenset({"minari"}),
}

#: top-level module -> the extra that installs it.
MODULE_EXTRAS: dict[str, str] = {
    "torch": "model",
    "safetensors": "model",
    "tensorboard": "model",
    "matplotlib": "model",
    "scipy": "model",
    "imageio": "model",
    "PIL": "model",
    "stable_baselines3": "sb3",
    "minari": "minari",
    "h5py": "minari",
}


class MissingExtraError(ImportError):
    """An optional dependency is not installed; ``extra`` names the pip extra with it.

    Args:
        message: What is missing and what to install.
        extra: The extra that installs it, a key of :data:`EXTRAS`.
        detail: Why an installed package does not do, e.g. ``"minari>=0.5.4, found
            0.5.3"``; the command line adds it to its line.
    """

    def __init__(self, message: str, extra: str, detail: str | None = None) -> None:
        if extra not in EXTRAS:
            raise ValueError(f"unknown extra {extra!r}; expected one of {sorted(EXTRAS)}")
        super().__init__(message)
        self.extra = extra
        self.detail = detail


def install_hint(extra: str) -> str:
    """The command that installs ``extra``: ``pip install "vin-gym[model]"``."""
    return f'pip install "vin-gym[{extra}]"'


def missing_extra(exc: ImportError, wanted: str | None = None) -> str | None:
    """The extra that would have prevented ``exc``, or ``None`` if no extra provides it.

    Args:
        exc: The import error, a :class:`MissingExtraError` or a ``ModuleNotFoundError``
            of a module some extra installs.
        wanted: The extra the failing command declares; named instead of the module's
            own extra when it includes that one (``baseline`` without torch: ``sb3``).
    """
    if isinstance(exc, MissingExtraError):
        extra: str | None = exc.extra
    else:
        extra = MODULE_EXTRAS.get((exc.name or "").split(".")[0])
    if extra is not None and wanted is not None and extra in INCLUDES[wanted]:
        return wanted
    return extra


def needs_line(command: str, extra: str, detail: str | None = None) -> str:
    """``vin-gym COMMAND needs the world-model extra: pip install "vin-gym[model]"``, with
    ``detail`` in parentheses after the extra's name when given."""
    why = f" ({detail})" if detail else ""
    return f"vin-gym {command} needs the {EXTRAS[extra]} extra{why}: {install_hint(extra)}"
