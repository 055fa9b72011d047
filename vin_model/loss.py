"""The training loss: discounted rollout error plus encoder error, and validation.

The loss is a discounted mean over rollout steps of the squared error of the predicted
states, normalised by the training data's statistics, plus the squared error of the
states decoded from the encoder's codes. The steps beyond ``tail_from`` are computed for
a share of the batch only (the recurrent dynamics, not the encoder, dominate the cost of
long rollouts), and a clip's steps from a contact on may count more (``contact_weight``).
This module also turns clips into batches (:func:`collate`, :func:`split_batch`) and
scores a model on validation clips (:func:`validate`).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from vin_model.train_config import Clips, TrainConfig
from vin_model.vin import VIN


def collate(clips: Clips, indices: Sequence[int]) -> dict[str, torch.Tensor]:
    """Stack the clips at ``indices`` into a batch (``[B, ...]`` per key)."""
    batch_fn = getattr(clips, "batch", None)
    if callable(batch_fn):
        return batch_fn(list(indices))
    items = [clips[int(i)] for i in indices]
    return {k: torch.stack([torch.as_tensor(it[k]) for it in items]) for k in items[0]}


def split_batch(
    batch: dict[str, torch.Tensor], model: VIN, rollout: int, device: torch.device
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Context, rollout actions ``[B, R, A]``, encoder targets ``[B, V - 2, N, 4]`` and
    rollout targets ``[B, R, N, 4]`` (table units) of a batch of clips."""
    cfg = model.config
    v = cfg.visible
    states = batch["states"].to(device, torch.float32)
    if states.shape[1] < v + rollout:
        raise ValueError(
            f"clips hold {states.shape[1]} states, need visible + rollout = {v} + {rollout}"
        )
    if cfg.state_input:
        context = states[:, :v]
        if cfg.mass_input:  # the true masses as a fifth state channel
            masses = batch["masses"].to(device, torch.float32)[:, None, :, None]
            context = torch.cat([context, masses.expand(-1, v, -1, -1)], dim=-1)
    else:
        context = batch["frames"][:, :v].to(device, non_blocking=True)
    if "actions" in batch and cfg.action_dim:
        actions = batch["actions"][:, v - 1 : v - 1 + rollout].to(device, torch.float32)
    else:
        actions = torch.zeros(states.shape[0], rollout, cfg.action_dim, device=device)
    if actions.shape[1] < rollout:  # the dataset may stop the actions at the last frame
        pad = torch.zeros(
            actions.shape[0], rollout - actions.shape[1], actions.shape[2], device=device
        )
        actions = torch.cat([actions, pad], dim=1)
    return context, actions, states[:, 2:v], states[:, v : v + rollout]


def rollout_weights(rollout: int, discount: float, device: torch.device) -> torch.Tensor:
    """Normalised discount weights ``[R]`` of rollout steps."""
    w = discount ** torch.arange(rollout, dtype=torch.float32, device=device)
    return w / w.sum()


def compute_loss(
    model: torch.nn.Module,
    vin: VIN,
    batch: dict[str, torch.Tensor],
    rollout: int,
    cfg: TrainConfig,
    device: torch.device,
    generator: torch.Generator | None = None,
    noise: float = 0.0,
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """The training loss of a batch and its parts, detached (``model`` may be a DDP
    wrapper of ``vin``)."""
    context, actions, enc_target, roll_target = split_batch(batch, vin, rollout, device)
    b = context.shape[0]
    tail_batch = max(1, round(cfg.tail_fraction * b))
    tail = rollout > cfg.tail_from and tail_batch < b
    with torch.autocast(
        device.type, dtype=torch.bfloat16, enabled=cfg.amp and device.type == "cuda"
    ):
        out = model(
            context,
            actions,
            code_noise=noise,
            generator=generator,
            tail_from=cfg.tail_from if tail else None,
            tail_batch=tail_batch if tail else None,
        )
    enc = out[0]
    target = vin.normalize(roll_target)
    enc_err = (enc.float() - vin.normalize(enc_target)).square().mean()
    # Rollouts are [B, R, N, 4], or [E, B, R, N, 4] for an ensemble (every member
    # against the same targets); per_step averages all but the step dimension.
    weights = contact_weights(batch, vin.config.visible, rollout, cfg, device)  # [B, R]
    head = out[1].float()
    r_head = head.shape[-3]
    head_w = None if weights is None else weights[:, :r_head]
    per_step = _per_step((head - target[:, :r_head]).square(), head_w)
    if tail:  # steps beyond tail_from, on the first tail_batch clips: [R - tail_from]
        tail_err = (out[2].float() - target[:tail_batch, cfg.tail_from :]).square()
        tail_w = None if weights is None else weights[:tail_batch, cfg.tail_from :]
        per_step = torch.cat([per_step, _per_step(tail_err, tail_w)])
    roll_err = (per_step * rollout_weights(rollout, cfg.discount, device)).sum()
    loss = roll_err + cfg.encoder_weight * enc_err
    parts = {"loss": loss.detach(), "encoder": enc_err.detach(), "rollout": roll_err.detach()}
    return loss, parts


def contact_weights(
    batch: dict[str, torch.Tensor],
    visible: int,
    rollout: int,
    cfg: TrainConfig,
    device: torch.device,
) -> torch.Tensor | None:
    """Weights ``[B, R]`` of a batch's rollout steps: ``1``, and ``1 + contact_weight``
    from the first step at which an object other than the cue changes velocity by more
    than ``contact_threshold`` (see :class:`TrainConfig`); ``None`` when every step
    counts the same."""
    states = batch["states"]
    if cfg.contact_weight == 0 or states.shape[2] < 2:
        return None
    # velocity change into each rollout step's state, objects 1.. only: [B, R, N - 1]
    vel = states[:, visible - 1 : visible + rollout, 1:, 2:4].to(device, torch.float32)
    jump = (vel[:, 1:] - vel[:, :-1]).norm(dim=-1).amax(-1) > cfg.contact_threshold
    since = jump.to(torch.float32).cummax(dim=1).values
    return 1.0 + cfg.contact_weight * since


def _per_step(err: torch.Tensor, weights: torch.Tensor | None = None) -> torch.Tensor:
    """Squared errors ``[..., B, R, N, 4]`` to one mean per rollout step ``[R]``, each
    clip's error weighted by ``weights [B, R]`` (normalised over the batch per step)."""
    if weights is None:
        return err.mean(dim=(-2, -1)).flatten(0, -2).mean(0)
    per_clip = err.mean(dim=(-2, -1))  # [..., B, R]
    per_clip = per_clip.reshape(-1, *per_clip.shape[-2:]).mean(0)  # [B, R]
    return (per_clip * weights).sum(0) / weights.sum(0)


@torch.no_grad()
def validate(vin: VIN, clips: Clips, cfg: TrainConfig, device: torch.device) -> dict[str, float]:
    """Loss and position MSE per coordinate (table units) on up to ``cfg.val_clips`` clips
    at ``rollout_max`` steps."""
    n = min(len(clips), cfg.val_clips)
    if n == 0:
        return {}
    idx = torch.linspace(0, len(clips) - 1, n).round().long().tolist()
    was_training = vin.training
    vin.eval()
    totals: dict[str, float] = {}
    sq = None
    for start in range(0, n, cfg.batch_size):
        batch = collate(clips, idx[start : start + cfg.batch_size])
        loss, parts = compute_loss(vin, vin, batch, cfg.rollout_max, cfg, device)
        context, actions, _, target = split_batch(batch, vin, cfg.rollout_max, device)
        pred = vin.predict(context, actions)
        err = (pred[..., :2] - target[..., :2]).square().mean(dim=(2, 3)).sum(0)  # [R]
        sq = err if sq is None else sq + err
        for k, v in parts.items():
            totals[k] = totals.get(k, 0.0) + float(v) * len(batch["states"])
    vin.train(was_training)
    sq = (sq / n).cpu()
    out = {f"val/{k}": v / n for k, v in totals.items()}
    out["val/pos_mse_mean_1_8"] = float(sq[:8].mean())
    out["val/pos_mse_last"] = float(sq[-1])
    return out
