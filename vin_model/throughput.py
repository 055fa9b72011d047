"""How fast a VIN world model rolls out action sequences: the timing shared by the
planning and rollout-throughput benchmarks.

A rollout's cost does not depend on the weights, only on the config (objects, widths) and
the population: an untrained VIN of the same config times the same as a trained one.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import torch

from vin_model.config import VINConfig
from vin_model.vin import VIN
from vin_model.world_model import VINWorldModel


def sync(device: torch.device) -> None:
    """Wait for the device's queued work (CUDA runs asynchronously; a CPU is in step)."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def ready_world_model(
    model: VINWorldModel | VINConfig | None, device: torch.device
) -> VINWorldModel:
    """A world model that has observed its visible frames (random pixels, or zero states
    for an IN from state), ready to roll out: ``model`` itself, or an untrained VIN of the
    given config (default: the default :class:`VINConfig`)."""
    if not isinstance(model, VINWorldModel):
        model = VINWorldModel(VIN(model or VINConfig()), device=device)
    cfg = model.config
    n = cfg.n_objects
    frames = np.random.default_rng(0).integers(
        0, 255, (cfg.visible, cfg.frame_size, cfg.frame_size, 3)
    )
    for frame in frames.astype(np.uint8):
        model.observe(frame, {"states": np.zeros((n, 4)), "masses": np.ones(n)})
    return model


def rollout_rate(
    model: VINWorldModel, populations: tuple[int, ...], horizon: int, repeats: int
) -> list[dict[str, Any]]:
    """The best of ``repeats`` timed rollouts of ``population`` zero-action sequences of
    ``horizon`` steps, after one untimed warm-up, per population: milliseconds, model
    steps per second (sequences times steps) and object-steps per second."""
    if horizon < 1 or repeats < 1 or min(populations, default=1) < 1:
        raise ValueError(
            f"populations {populations}, horizon {horizon} and repeats {repeats} must be >= 1"
        )
    device, n = model.device, model.config.n_objects
    rows = []
    for population in populations:
        actions = torch.zeros(population, horizon, model.config.action_dim, device=device)
        model.rollout(actions)
        best = float("inf")
        for _ in range(repeats):
            sync(device)
            start = time.perf_counter()
            model.rollout(actions)
            sync(device)
            best = min(best, time.perf_counter() - start)
        rows.append(
            {
                "population": population,
                "horizon": horizon,
                "ms": 1000 * best,
                "model_steps_per_s": population * horizon / best,
                "object_steps_per_s": population * horizon * n / best,
            }
        )
    return rows
