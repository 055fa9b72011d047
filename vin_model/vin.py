"""The Visual Interaction Network: encoder, dynamics and decoder composed.

States go in and out normalised by per-coordinate statistics of the training data
(buffers of the model, so they travel with its weights); :meth:`VIN.predict` works in
table units.
"""

from __future__ import annotations

import torch
from torch import nn

from vin_model.config import VINConfig
from vin_model.decoder import StateDecoder
from vin_model.dynamics import Dynamics
from vin_model.encoder import FrameEncoder, StateEncoder


class VIN(nn.Module):
    """Six frames (or true states) and actions in, object states R steps ahead out.

    >>> import torch
    >>> model = VIN(VINConfig(n_objects=3, frame_size=32))
    >>> frames = torch.zeros(2, 6, 32, 32, 3, dtype=torch.uint8)
    >>> model.predict(frames, torch.zeros(2, 10, 2)).shape
    torch.Size([2, 10, 3, 4])
    """

    def __init__(self, config: VINConfig) -> None:
        super().__init__()
        self.config = config
        self.encoder = StateEncoder(config) if config.state_input else FrameEncoder(config)
        self.dynamics = Dynamics(config)
        self.decoder = StateDecoder(config)
        self.register_buffer("state_mean", torch.zeros(4))
        self.register_buffer("state_std", torch.ones(4))

    def set_state_stats(self, mean: torch.Tensor, std: torch.Tensor) -> None:
        """Normalise states by these per-coordinate statistics ``[4]``."""
        mean, std = torch.as_tensor(mean).float(), torch.as_tensor(std).float()
        if mean.shape != (4,) or std.shape != (4,) or not bool((std > 0).all()):
            raise ValueError(f"state stats must be [4] with std > 0, got mean={mean}, std={std}")
        self.state_mean.copy_(mean)
        self.state_std.copy_(std)

    def normalize(self, states: torch.Tensor) -> torch.Tensor:
        return (states - self.state_mean) / self.state_std

    def denormalize(self, states: torch.Tensor) -> torch.Tensor:
        return states * self.state_std + self.state_mean

    def encode(self, context: torch.Tensor) -> torch.Tensor:
        """State codes ``[B, V - 2, N, K]`` of the visible frames ``[B, V, H, W, 3]``
        (uint8 or float in [0, 1]), or of true states ``[B, V, N, 4]`` in table units
        for the state-input ablation."""
        cfg = self.config
        if cfg.state_input:
            width = 5 if cfg.mass_input else 4
            if context.dim() != 4 or context.shape[2:] != (cfg.n_objects, width):
                raise ValueError(
                    f"state input must be [B, V, {cfg.n_objects}, {width}] (x, y, vx, vy"
                    f"{', mass' if cfg.mass_input else ''}), got {tuple(context.shape)}"
                )
            context = context.float()
            if not cfg.mass_input:
                return self.encoder(self.normalize(context))
            masses = context[:, -1, :, 4]
            if not bool((masses > 0).all()):
                raise ValueError("the masses of a mass-input IN must be positive")
            return self.encoder(self.normalize(context[..., :4]), masses.log())
        return self.encoder(context)

    def forward(
        self,
        context: torch.Tensor,
        actions: torch.Tensor,
        code_noise: float = 0.0,
        generator: torch.Generator | None = None,
        tail_from: int | None = None,
        tail_batch: int | None = None,
    ) -> tuple[torch.Tensor, ...]:
        """Normalised states of the encoded frames ``[B, V - 2, N, 4]`` and of the
        rollout ``[B, R, N, 4]`` after the last visible frame, under actions ``[B, R, A]``
        (``actions[:, r]`` applied after the frame before rollout step r).

        With ``tail_from`` and ``tail_batch``, only the first ``tail_batch`` clips are
        rolled beyond step ``tail_from`` (long rollouts for a share of the batch, at a
        share of the cost), and a third tensor ``[tail_batch, R - tail_from, N, 4]``
        holds those steps while the second stops at ``tail_from``.

        For an ensemble of E dynamics members the rollouts carry a leading member
        dimension, ``[E, B, R, N, 4]`` (each member trained on the same clips).
        """
        self._check_actions(actions, context.shape[0])
        codes = self.encode(context)
        dyn = self.dynamics
        if tail_from is None or tail_batch is None or actions.shape[1] <= tail_from:
            rolled = dyn.rollout(codes, actions, noise=code_noise, generator=generator)
            return self.decoder(codes), self.decoder(rolled)
        head = dyn.rollout(codes, actions[:, :tail_from], noise=code_noise, generator=generator)
        if self.config.ensemble == 1:
            history = torch.cat([codes, head], dim=1)[:tail_batch]  # [b, V-2+tail_from, N, K]
        else:  # per member: [E, b, V - 2 + tail_from, N, K]
            shared = codes[None].expand(head.shape[0], *codes.shape)
            history = torch.cat([shared, head], dim=2)[:, :tail_batch]
        tail = dyn.rollout(
            history, actions[:tail_batch, tail_from:], noise=code_noise, generator=generator
        )
        return self.decoder(codes), self.decoder(head), self.decoder(tail)

    def rollout_codes(self, codes: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
        """States in table units ``[B, R, N, 4]`` from codes ``[B, M, N, K]`` (for an
        ensemble, the members' mean)."""
        states = self.rollout_members(codes, actions)
        return states[0] if states.shape[0] == 1 else states.mean(0)

    def rollout_members(self, codes: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
        """Every dynamics member's states in table units ``[E, B, R, N, 4]`` (E = 1 for
        the plain VIN) from codes ``[B, M, N, K]``."""
        rolled = self.dynamics.rollout(codes, actions)
        if self.config.ensemble == 1:
            rolled = rolled[None]
        return self.denormalize(self.decoder(rolled))

    @torch.no_grad()
    def predict(self, context: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
        """Predicted states in table units ``[B, R, N, 4]`` (no gradients)."""
        self._check_actions(actions, context.shape[0])
        return self.rollout_codes(self.encode(context), actions)

    def _check_actions(self, actions: torch.Tensor, batch: int) -> None:
        a = self.config.action_dim
        if actions.dim() != 3 or actions.shape[0] != batch or actions.shape[2] != a:
            raise ValueError(f"actions must be [B={batch}, R, A={a}], got {tuple(actions.shape)}")
