"""Data-parallel training under ``torchrun``: the process group and what depends on it.

Under ``torchrun`` (``WORLD_SIZE`` > 1) each process trains on its own share of every
batch and DDP averages the gradients; the helpers here start the process group (NCCL on
CUDA, else gloo), give this process's rank, world size and device, wrap the model in
``DistributedDataParallel`` and make the processes agree on a value. Without
``torchrun`` there is no process group (``None``) and each helper is a no-op: rank 0 of
a world of 1.
"""

from __future__ import annotations

import os
from types import ModuleType

import torch


def init_distributed() -> ModuleType | None:
    """``torch.distributed`` initialised from ``torchrun``'s variables, or ``None``."""
    if int(os.environ.get("WORLD_SIZE", "1")) <= 1:
        return None
    import torch.distributed as dist

    if not dist.is_initialized():
        backend = "nccl" if torch.cuda.is_available() else "gloo"
        dist.init_process_group(backend=backend)
    return dist


def rank_and_world(dist: ModuleType | None) -> tuple[int, int]:
    """This process's rank and the number of processes (``0, 1`` without ``torchrun``)."""
    return (dist.get_rank(), dist.get_world_size()) if dist else (0, 1)


def process_device(device: torch.device, dist: ModuleType | None) -> torch.device:
    """The device of this process: under DDP on CUDA, the GPU ``LOCAL_RANK`` (made the
    current one); else ``device``."""
    if device.type == "cuda" and dist:
        device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", 0)))
        torch.cuda.set_device(device)
    return device


def wrap_model(
    model: torch.nn.Module, device: torch.device, dist: ModuleType | None
) -> torch.nn.Module:
    """``model`` in ``DistributedDataParallel`` under DDP, else ``model`` itself."""
    if not dist:
        return model
    from torch.nn.parallel import DistributedDataParallel

    return DistributedDataParallel(
        model, device_ids=[device.index] if device.type == "cuda" else None
    )


def max_over_processes(value: float, device: torch.device, dist: ModuleType | None) -> float:
    """The largest ``value`` of all processes, so that they agree (``value`` without DDP)."""
    if not dist:
        return value
    tensor = torch.tensor([value], dtype=torch.float64, device=device)
    dist.all_reduce(tensor, op=dist.ReduceOp.MAX)
    return float(tensor)


def barrier(dist: ModuleType | None) -> None:
    """Wait for every process (nothing without DDP)."""
    if dist:
        dist.barrier()
