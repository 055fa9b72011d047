"""Device and thread helpers."""

from __future__ import annotations

import torch


def get_device(device: str | torch.device = "auto") -> torch.device:
    """The torch device for ``device``: ``"auto"`` picks CUDA when available, else CPU.

    >>> get_device("cpu")
    device(type='cpu')
    """
    if isinstance(device, torch.device):
        return device
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(device)
    except RuntimeError as exc:
        raise ValueError(
            f"device must be 'auto', 'cpu', 'cuda' or 'cuda:N', got {device!r}"
        ) from exc
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"device {device!r} requested but CUDA is not available; use 'auto' or 'cpu'"
        )
    if dev.type == "cuda" and dev.index is not None and dev.index >= torch.cuda.device_count():
        raise ValueError(
            f"device {device!r}: this machine has {torch.cuda.device_count()} CUDA device(s)"
        )
    if dev.type not in ("cpu", "cuda") and not _available(dev.type):
        raise ValueError(
            f"device {device!r} is not available on this machine; use 'auto', 'cpu' or 'cuda'"
        )
    return dev


def _available(kind: str) -> bool:
    """Whether torch can run on a device type other than CPU and CUDA (``mps``...)."""
    backend = getattr(torch.backends, kind, None)
    if backend is not None and hasattr(backend, "is_available"):
        return bool(backend.is_available())
    module = getattr(torch, kind, None)
    return bool(module is not None and hasattr(module, "is_available") and module.is_available())


def set_threads(n: int) -> None:
    """Use ``n`` CPU threads for torch ops (``0`` keeps torch's default).

    Small networks on few cores are often fastest with one thread.
    """
    if n < 0:
        raise ValueError(f"threads must be >= 0, got {n}")
    if n > 0:
        torch.set_num_threads(n)
