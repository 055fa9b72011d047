"""Symmetry augmentation: training clips moved by a symmetry of the square table.

A scene on the square table ``[0, L] x [0, L]`` whose physics has no preferred direction
(walls on all four sides, central pairwise forces, isotropic damping) obeys the same laws
when it is reflected or turned by a quarter turn: the eight symmetries of the square, the
dihedral group D4. Each is a choice of three moves, applied in this order:

* ``swap``: exchange x and y (a reflection in the diagonal);
* ``flip_x``: ``x -> L - x``;
* ``flip_y``: ``y -> L - y``.

They act on a clip's states ``(x, y, vx, vy)`` (positions reflected about the table's
centre, velocities negated), on its actions (the push, a velocity change, as a vector) and
on its frames (the renderer maps x to columns and y to rows with the table filling the
frame, so the same moves are a transpose and flips of the pixel grid, exactly).

So a clip moved by any of them is another episode of the same system, at no cost in
environment steps: :func:`dihedral` draws one of the eight per clip. It is only sound for
physics with that symmetry; training checks the data's system against
:data:`vin_gym.symmetry.SQUARE_SYMMETRIC` before it starts.
"""

from __future__ import annotations

import torch

#: The augmentations a :class:`~vin_model.train_config.TrainConfig` may name.
AUGMENTATIONS = ("none", "d4")

#: The eight symmetries of the square as ``(swap, flip_x, flip_y)``; the first is the identity.
D4 = tuple((bool(s), bool(fx), bool(fy)) for s in (0, 1) for fx in (0, 1) for fy in (0, 1))


def transform_states(
    states: torch.Tensor, table_size: float, swap: bool, flip_x: bool, flip_y: bool
) -> torch.Tensor:
    """States ``[..., 4]`` (x, y, vx, vy) moved by one symmetry of the table."""
    s = states[..., [1, 0, 3, 2]] if swap else states.clone()
    if flip_x:
        s[..., 0] = table_size - s[..., 0]
        s[..., 2] = -s[..., 2]
    if flip_y:
        s[..., 1] = table_size - s[..., 1]
        s[..., 3] = -s[..., 3]
    return s


def transform_actions(
    actions: torch.Tensor, swap: bool, flip_x: bool, flip_y: bool
) -> torch.Tensor:
    """Pushes ``[..., 2]`` (a velocity change, x then y) moved by one symmetry."""
    a = actions[..., [1, 0]] if swap else actions.clone()
    if flip_x:
        a[..., 0] = -a[..., 0]
    if flip_y:
        a[..., 1] = -a[..., 1]
    return a


def transform_frames(frames: torch.Tensor, swap: bool, flip_x: bool, flip_y: bool) -> torch.Tensor:
    """Frames ``[..., H, W, C]`` (rows are y, columns x) moved by one symmetry."""
    f = frames.transpose(-3, -2) if swap else frames
    dims = [d for d, on in ((-2, flip_x), (-3, flip_y)) if on]
    return f.flip(dims) if dims else f


def dihedral(
    batch: dict[str, torch.Tensor], table_size: float, generator: torch.Generator
) -> dict[str, torch.Tensor]:
    """``batch`` with each clip moved by one of the eight symmetries, drawn uniformly.

    Args:
        batch: Clips as :func:`vin_model.loss.collate` stacks them: ``frames``
            ``[B, V, H, W, C]`` (square), ``states`` ``[B, T, N, 4]``, optional
            ``actions`` ``[B, T, 2]``; other keys (masses) pass through unchanged.
        table_size: The table's side ``L`` in state units.
        generator: CPU generator that draws the symmetries (the run's determinism).

    Returns:
        A new batch; ``batch`` itself is not changed.

    Raises:
        ValueError: Frames that are not square, or actions that are not 2-D pushes.
    """
    frames = batch["frames"]
    if frames.shape[-3] != frames.shape[-2]:
        raise ValueError(f"d4 needs square frames [..., H, W, C], got {tuple(frames.shape)}")
    if "actions" in batch and batch["actions"].shape[-1] != 2:
        raise ValueError(f"d4 needs 2-D actions, got {tuple(batch['actions'].shape)}")
    choice = torch.randint(len(D4), (frames.shape[0],), generator=generator)
    out = {k: v.clone() for k, v in batch.items()}
    for index, (swap, flip_x, flip_y) in enumerate(D4[1:], start=1):
        rows = (choice == index).nonzero().flatten()
        if not len(rows):
            continue
        out["frames"][rows] = transform_frames(frames[rows], swap, flip_x, flip_y)
        out["states"][rows] = transform_states(
            batch["states"][rows], table_size, swap, flip_x, flip_y
        )
        if "actions" in batch:
            out["actions"][rows] = transform_actions(batch["actions"][rows], swap, flip_x, flip_y)
    return out
