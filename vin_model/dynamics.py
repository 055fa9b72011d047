"""The dynamics predictor: interaction-network cores that roll state codes forward.

One core per temporal offset d (1, 2, 4 in the paper) reads the code of d frames ago and
proposes the next code; a slot-wise aggregator MLP merges the proposals. Each core is an
interaction network (Battaglia et al. 2016): a relation MLP on every ordered pair of
slots, summed per receiver, plus a self-dynamics MLP, then an affector MLP and an output
MLP. Zero actions give the passive model of the paper.

Where the action enters is :attr:`VINConfig.action_slots`:

* ``"cue"`` (the default): the action is concatenated to the input of slot 0 only, the
  object the push acts on (the cue), and zeros to every other slot's. A push then changes
  the cue's next code directly and every other object's only through the relation
  networks (the cue's messages), as contacts pass motion on in the scene; with
  ``relations=False`` the other objects never see it. The slots are no longer
  interchangeable: slot 0 is the cue.
* ``"all"``: the action is concatenated to every slot's input (the original model, and
  the behaviour of checkpoints saved before the field existed), so permuting the slots
  permutes the output the same way.

The G cores have separate weights but run together: every layer is one batched matmul
over a leading core dimension, which matters on CPUs, where these small networks cost
more in per-op overhead than in arithmetic.

An ensemble (``VINConfig.ensemble`` = E > 1) is E such dynamics, run the same way: E * G
cores in one batched call and E aggregators as one grouped MLP. Member tensors carry a
leading dimension E; :meth:`Dynamics.rollout` returns ``[B, R, N, K]`` codes for E = 1 (the
plain model, unchanged) and ``[E, B, R, N, K]`` for an ensemble.
"""

from __future__ import annotations

import itertools
import math

import torch
from torch import nn

from vin_model.config import VINConfig
from vin_model.encoder import mlp


class GroupedLinear(nn.Module):
    """G independent linear maps applied to ``[G, M, I]`` giving ``[G, M, O]``."""

    def __init__(self, groups: int, in_size: int, out_size: int, bias: bool = True) -> None:
        super().__init__()
        bound = 1.0 / math.sqrt(in_size)  # nn.Linear's default initialisation
        self.weight = nn.Parameter(torch.empty(groups, in_size, out_size).uniform_(-bound, bound))
        self.bias = (
            nn.Parameter(torch.empty(groups, 1, out_size).uniform_(-bound, bound)) if bias else None
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.bias is None:
            return torch.bmm(x, self.weight)
        return torch.baddbmm(self.bias, x, self.weight)


def grouped_mlp(groups: int, sizes: list[int], final_activation: bool = False) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(itertools.pairwise(sizes)):
        layers.append(GroupedLinear(groups, a, b))
        if i < len(sizes) - 2 or final_activation:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def _pair_indices(n: int, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """Receiver and sender indices ``[N (N - 1)]`` of every ordered pair of distinct
    slots, grouped by receiver."""
    recv = torch.arange(n, device=device).repeat_interleave(n - 1)
    send = torch.tensor([j for i in range(n) for j in range(n) if j != i], device=device)
    return recv, send


class InteractionCores(nn.Module):
    """G interaction networks: slot inputs ``[G, B, N, I]`` to proposals ``[G, B, N, K]``."""

    def __init__(
        self, groups: int, in_size: int, code_size: int, hidden: int, relations: bool
    ) -> None:
        super().__init__()
        self.relations = relations
        g = groups
        if relations:
            # The relation MLP's first layer on [receiver, sender] split in two halves,
            # computed per slot and summed per pair: N linear maps instead of N^2.
            self.rel_receiver = GroupedLinear(g, in_size, hidden)
            self.rel_sender = GroupedLinear(g, in_size, hidden, bias=False)
            self.rel_rest = nn.Sequential(nn.ReLU(), GroupedLinear(g, hidden, hidden), nn.ReLU())
        self.self_dynamics = grouped_mlp(g, [in_size, hidden, hidden])
        self.affector = nn.Sequential(nn.ReLU(), grouped_mlp(g, [hidden, hidden], True))
        self.output = grouped_mlp(g, [hidden + in_size, hidden, code_size])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        g, b, n, i = x.shape
        flat = x.reshape(g, b * n, i)
        effect = self.self_dynamics(flat)  # [G, B*N, hidden]
        if self.relations and n > 1:
            hid = effect.shape[-1]
            # Every ordered pair (receiver i, sender j != i), grouped by receiver.
            recv_idx, send_idx = _pair_indices(n, x.device)
            recv = self.rel_receiver(flat).view(g, b, n, hid)[:, :, recv_idx]
            send = self.rel_sender(flat).view(g, b, n, hid)[:, :, send_idx]
            pair = (recv + send).view(g, b * n * (n - 1), hid)
            rel = self.rel_rest(pair).view(g, b, n, n - 1, hid)
            effect = effect + rel.sum(3).view(g, b * n, hid)  # summed over senders
        out = self.output(torch.cat([self.affector(effect), flat], dim=-1))
        return out.view(g, b, n, -1)


class Dynamics(nn.Module):
    """Codes of the last frames ``[B, M, N, K]`` (M >= max offset) and an action
    ``[B, A]`` to the next code ``[B, N, K]``."""

    def __init__(self, config: VINConfig) -> None:
        super().__init__()
        self.config = config
        k, h, g = config.code_size, config.hidden, len(config.offsets)
        e = config.ensemble
        self.cores = InteractionCores(e * g, k + config.action_dim, k, h, config.relations)
        # One member keeps the plain model's layers (and its checkpoints' weight names).
        self.aggregator = mlp([g * k, h, k]) if e == 1 else grouped_mlp(e, [g * k, h, k])
        m = max(config.offsets)
        self.register_buffer(
            "offset_index", torch.tensor([m - d for d in config.offsets]), persistent=False
        )
        # [N, 1]: which slots read the action (1) and which read zeros (0).
        mask = torch.ones(config.n_objects, 1)
        if config.action_slots == "cue":
            mask[1:] = 0.0
        self.register_buffer("action_mask", mask, persistent=False)

    def step(self, history: torch.Tensor, action: torch.Tensor) -> torch.Tensor:
        """The next code ``[B, N, K]`` (``[E, B, N, K]`` for an ensemble of E members) from
        the history ``[B, M, N, K]`` (or per member ``[E, B, M, N, K]``) and an action
        ``[B, A]``."""
        out = self._step(self._members(history), action)
        return out[0] if self.config.ensemble == 1 else out

    def _members(self, codes: torch.Tensor) -> torch.Tensor:
        """``codes`` with the leading member dimension E: shared codes ``[B, ...]`` are
        given to every member."""
        e = self.config.ensemble
        if codes.dim() == 4:
            return codes[None].expand(e, *codes.shape)
        if codes.dim() != 5 or codes.shape[0] != e:
            raise ValueError(
                f"codes must be [B, M, N, K] or [E={e}, B, M, N, K], got {tuple(codes.shape)}"
            )
        return codes

    def _step(self, history: torch.Tensor, action: torch.Tensor) -> torch.Tensor:
        e, b, m, n, k = history.shape
        g = len(self.config.offsets)
        past = history[:, :, m - max(self.config.offsets) :].index_select(2, self.offset_index)
        act = action[:, None, None, :] * self.action_mask[:n]  # [B, 1, N, A]
        act = act.expand(b, g, n, action.shape[-1]).expand(e, b, g, n, action.shape[-1])
        x = torch.cat([past, act], dim=-1).transpose(1, 2)  # [E, G, B, N, K + A]
        proposals = self.cores(x.reshape(e * g, b, n, -1))  # [E * G, B, N, K]
        merged = proposals.view(e, g, b, n, k).permute(0, 2, 3, 1, 4).reshape(e, b * n, g * k)
        out = self.aggregator(merged).view(e, b, n, k)
        return history[:, :, -1] + out if self.config.residual else out

    def rollout(
        self,
        codes: torch.Tensor,
        actions: torch.Tensor,
        noise: float = 0.0,
        generator: torch.Generator | None = None,
    ) -> torch.Tensor:
        """Roll codes ``[B, M, N, K]`` forward under actions ``[B, R, A]``: ``[B, R, N, K]``
        (``[E, B, R, N, K]`` for an ensemble of E members, whose codes may also come per
        member, ``[E, B, M, N, K]``).

        ``noise`` adds Gaussian noise of that standard deviation to every new code the
        dynamics will read back (training only), which teaches it to recover from its own
        errors over long rollouts.
        """
        m = max(self.config.offsets)
        if codes.shape[-3] < m:
            raise ValueError(
                f"need at least {m} codes for offsets {self.config.offsets}, got {codes.shape[-3]}"
            )
        history = list(self._members(codes)[:, :, -m:].unbind(2))
        out = []
        for r in range(actions.shape[1]):
            nxt = self._step(torch.stack(history[-m:], dim=2), actions[:, r])
            out.append(nxt)
            if noise > 0:
                nxt = nxt + noise * torch.randn(
                    nxt.shape, generator=generator, device=nxt.device, dtype=nxt.dtype
                )
            history.append(nxt)
        rolled = torch.stack(out, dim=2)  # [E, B, R, N, K]
        return rolled[0] if self.config.ensemble == 1 else rolled
