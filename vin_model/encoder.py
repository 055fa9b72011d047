"""The perceptual front-end: frames to per-object state codes.

A CNN reads each pair of consecutive frames stacked on channels, with two coordinate
channels (x and y in [-1, 1]) appended so that convolutions can tell where things are.
Stride-2 convolutions halve the frame down to 4x4 and a final 4x4 convolution reduces it
to 1x1; the resulting vector is split into N object slots (the pair code). A slot-wise
MLP merges the pair codes of (t-1, t) and (t, t+1) into the state code of frame t+1, so
V frames give V - 1 pair codes and V - 2 state codes.
"""

from __future__ import annotations

import itertools
import math

import torch
from torch import nn

from vin_model.config import VINConfig


def mlp(sizes: list[int], final_activation: bool = False) -> nn.Sequential:
    """Linear layers of the given sizes with ReLU between them."""
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(itertools.pairwise(sizes)):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2 or final_activation:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def frames_to_float(frames: torch.Tensor) -> torch.Tensor:
    """uint8 frames ``[..., H, W, 3]`` to float ``[..., 3, H, W]`` in [0, 1]."""
    if frames.dtype == torch.uint8:
        frames = frames.float().mul_(1.0 / 255.0)
    return frames.movedim(-1, -3)


class PairCNN(nn.Module):
    """Frames to one code per object slot for each pair of consecutive frames.

    The first convolution over a pair ``[frame t, frame t+1, x, y]`` (8 channels) is
    linear, so it is computed as ``conv_a(frame t) + conv_b(frame t+1) + conv_xy(x, y)``:
    one convolution per frame instead of per pair, and the coordinate term, the same for
    every pair, once per call. The result is exactly a convolution over the stacked pair.
    """

    def __init__(self, config: VINConfig) -> None:
        super().__init__()
        size, c = config.frame_size, config.conv_channels
        n_halvings = int(math.log2(size // 4))
        self.first_channels = c
        self.frame_conv = nn.Conv2d(3, 2 * c, 3, stride=2, padding=1)  # [conv_a; conv_b]
        self.coord_conv = nn.Conv2d(2, c, 3, stride=2, padding=1, bias=False)
        layers: list[nn.Module] = []
        in_ch = c
        for i in range(1, n_halvings):
            out_ch = min(c * 2**i, 4 * c)
            layers += [nn.Conv2d(in_ch, out_ch, 3, stride=2, padding=1), nn.ReLU()]
            in_ch = out_ch
        self.convs = nn.Sequential(*layers)
        self.to_slots = nn.Conv2d(in_ch, config.n_objects * config.code_size, 4)  # 4x4 -> 1x1
        self.n_objects, self.code_size = config.n_objects, config.code_size
        lin = torch.linspace(-1.0, 1.0, size)
        coords = torch.stack([lin[None, :].expand(size, size), lin[:, None].expand(size, size)])
        self.register_buffer("coords", coords[None], persistent=False)  # [1, 2, H, W]: x, y

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        """Pair codes ``[B, V - 1, N, K]`` of frames ``[B, V, 3, H, W]`` (float)."""
        b, v = frames.shape[:2]
        c = self.first_channels
        y = self.frame_conv(frames.flatten(0, 1))  # [B*V, 2C, H/2, W/2]
        y = y.view(b, v, 2 * c, *y.shape[-2:])
        xy = self.coord_conv(self.coords.to(frames.dtype))  # [1, C, H/2, W/2]
        h = torch.relu(y[:, :-1, :c] + y[:, 1:, c:] + xy)  # pairs (t, t+1): [B, V-1, C, ...]
        h = self.to_slots(self.convs(h.flatten(0, 1)))  # [B*(V-1), N*K, 1, 1]
        return h.view(b, v - 1, self.n_objects, self.code_size)


class FrameEncoder(nn.Module):
    """Visible frames ``[B, V, H, W, 3]`` to state codes ``[B, V - 2, N, K]``."""

    def __init__(self, config: VINConfig) -> None:
        super().__init__()
        self.config = config
        self.pair_cnn = PairCNN(config)
        k = config.code_size
        self.merge = mlp([2 * k, config.hidden, k])

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        cfg = self.config
        v = frames.shape[1] if frames.dim() == 5 else 0
        if frames.dim() != 5 or frames.shape[2:] != (cfg.frame_size, cfg.frame_size, 3) or v < 3:
            raise ValueError(
                f"frames must have shape [B, V>=3, {cfg.frame_size}, {cfg.frame_size}, 3], "
                f"got {tuple(frames.shape)}"
            )
        codes = self.pair_cnn(frames_to_float(frames))  # [B, V-1, N, K]
        merged = torch.cat([codes[:, :-1], codes[:, 1:]], dim=-1)  # [B, V-2, N, 2K]
        return self.merge(merged)


class StateEncoder(nn.Module):
    """The "IN from state" ablation: normalised true states ``[B, V, N, 4]`` to codes
    ``[B, V - 2, N, K]``, each from the states of frames t-1 and t (slot-wise MLP); with
    ``mass_input``, each object's log mass ``[B, N]`` joins its code's input."""

    def __init__(self, config: VINConfig) -> None:
        super().__init__()
        width = 8 + int(config.mass_input)
        self.net = mlp([width, config.hidden, config.hidden, config.code_size])

    def forward(self, states: torch.Tensor, log_masses: torch.Tensor | None = None) -> torch.Tensor:
        pairs = torch.cat([states[:, 1:-1], states[:, 2:]], dim=-1)  # [B, V-2, N, 8]
        if log_masses is not None:
            m = log_masses[:, None, :, None].expand(*pairs.shape[:3], 1)
            pairs = torch.cat([pairs, m.to(pairs.dtype)], dim=-1)  # [B, V-2, N, 9]
        return self.net(pairs)
