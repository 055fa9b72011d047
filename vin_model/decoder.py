"""The state decoder: one linear map from each slot's code to (x, y, vx, vy)."""

from __future__ import annotations

import torch
from torch import nn

from vin_model.config import VINConfig


class StateDecoder(nn.Module):
    """Codes ``[..., N, K]`` to normalised states ``[..., N, 4]`` (the same linear map
    applied to every slot)."""

    def __init__(self, config: VINConfig) -> None:
        super().__init__()
        self.linear = nn.Linear(config.code_size, 4)

    def forward(self, codes: torch.Tensor) -> torch.Tensor:
        return self.linear(codes)
