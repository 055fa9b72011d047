"""``VINWorldModel``: a trained VIN behind the planners' world-model protocol.

It keeps the last ``visible`` (6) frames of the episode, encodes them once per decision
and rolls all ``B`` candidate action sequences forward in one batch on the model's
device (see :class:`planners.base.WorldModel`).

With an ensemble VIN (``VINConfig.ensemble`` > 1) the predicted states are the members'
mean, and ``disagreement`` > 0 guards against plans that exploit the model's errors: each
rollout sets :attr:`VINWorldModel.penalty` to ``disagreement`` times the members' spread
(the standard deviation across members of each object's predicted position, averaged over
objects and axes, in table units) per candidate and step, which the planners' objective
subtracts from the rewards.
"""

from __future__ import annotations

import dataclasses
import math
import os
import warnings
from collections import deque
from typing import Any

import numpy as np
import torch

from vin_gym.env_record import EnvRecord, describe
from vin_model.vin import VIN


def check_disagreement(weight: float, ensemble: int | None = None) -> float:
    """``weight`` as a disagreement penalty's weight: a finite number >= 0, and 0 unless
    the VIN has ``ensemble`` >= 2 members (not checked when ``None``).

    Raises:
        ValueError: Naming the weight and, for a single model, its ``ensemble``.
    """
    if not isinstance(weight, int | float) or not (math.isfinite(weight) and weight >= 0):
        raise ValueError(f"disagreement must be a finite number >= 0, got {weight!r}")
    if weight > 0 and ensemble is not None and ensemble < 2:
        raise ValueError(
            f"disagreement={weight!r} penalizes the spread of an ensemble VIN's members, but "
            f"the model has ensemble={ensemble}: use an ensemble (ensemble=K, K >= 2) or "
            "disagreement=0"
        )
    return float(weight)


class VINWorldModel:
    """Predict object states ``[B, H, N, 4]`` (table units) for candidate actions.

    Args:
        model: A trained :class:`VIN`.
        device: Where to run it (default: where its weights are).
        resize: Resize frames of another size to the model's (``False``: raise).
        record: The env its data came from (:class:`vin_gym.env_record.EnvRecord`, as
            :func:`vin_model.checkpoint.read_env_record` reads it); :meth:`load` fills it.
            Without one, :meth:`check_env` checks the object count and frame size only.
        disagreement: Weight of the ensemble-disagreement penalty (reward units per
            table unit of spread); needs an ensemble VIN when positive.

    Attributes:
        record: The env of the training data (:class:`~vin_gym.env_record.EnvRecord`;
            ``n_objects`` and ``frame_size`` are the model's own, other fields ``None``
            where not recorded).

    >>> import torch
    >>> from vin_model import VIN, VINConfig
    >>> wm = VINWorldModel(VIN(VINConfig(frame_size=32)))
    >>> for _ in range(6):
    ...     wm.observe(torch.zeros(32, 32, 3, dtype=torch.uint8).numpy(), {})
    >>> wm.ready(), tuple(wm.rollout(torch.zeros(5, 10, 2)).shape)
    (True, (5, 10, 3, 4))
    """

    def __init__(
        self,
        model: VIN,
        device: str | torch.device | None = None,
        resize: bool = True,
        record: EnvRecord | None = None,
        disagreement: float = 0.0,
    ) -> None:
        from vin_model.device import get_device

        #: ``[B, H]`` penalty of the last rollout's candidates (``None``: no penalty).
        self.penalty: torch.Tensor | None = None

        self.device = get_device(device) if device is not None else next(model.parameters()).device
        self.model = model.to(self.device).eval()
        self.config = model.config
        self.set_disagreement(disagreement)
        self.n_objects = self.config.n_objects
        #: Size A of the actions :meth:`rollout` takes.
        self.action_dim = self.config.action_dim
        self.resize = resize
        self._history: deque[torch.Tensor] = deque(maxlen=self.config.visible)
        self._codes: torch.Tensor | None = None
        self.record = dataclasses.replace(
            record or EnvRecord(),
            n_objects=self.config.n_objects,
            frame_size=self.config.frame_size,
        )

    def set_disagreement(self, weight: float) -> None:
        """Plan with ``weight`` times the ensemble members' spread subtracted from the
        rewards (0: no penalty); above 0 the VIN must be an ensemble."""
        self.disagreement = check_disagreement(weight, self.config.ensemble)

    @classmethod
    def load(
        cls,
        path: str | os.PathLike,
        device: str | torch.device = "auto",
        resize: bool = True,
        env: Any = None,
        allow_mismatch: bool = False,
        disagreement: float = 0.0,
    ) -> VINWorldModel:
        """A world model from a checkpoint (run directory or checkpoint directory).

        Args:
            path: The checkpoint; its weights are verified (checksum, finite values).
            device: Where to run it.
            resize: As for the constructor.
            env: If given, the env it will plan in, checked with :meth:`check_env`.
            allow_mismatch: Warn instead of raising when ``env`` does not fit.
            disagreement: As for the constructor.
        """
        from vin_model.checkpoint import load_model, read_env_record

        model = cls(
            load_model(path, device),
            resize=resize,
            record=read_env_record(path),
            disagreement=disagreement,
        )
        if env is not None:
            model.check_env(env, allow_mismatch=allow_mismatch)
        return model

    def env_kwargs(self) -> dict[str, Any]:
        """``gym.make`` arguments that give the frames and the physics this model learned
        from (with :attr:`record`'s ``env_id`` as the env to make): ``obs_mode="pixels"``
        and :meth:`EnvRecord.env_kwargs <vin_gym.env_record.EnvRecord.env_kwargs>`."""
        return {"obs_mode": "pixels", **self.record.env_kwargs()}

    def check_env(self, env: Any, allow_mismatch: bool = False) -> dict[str, tuple[Any, Any]]:
        """Check that ``env`` is the kind of env this model learned: every field of
        :attr:`record` (env id, object count, frame size, goal ring, background, push scale
        and physics) that both record.

        Args:
            env: A vin-gym env (wrapped or not).
            allow_mismatch: Warn instead of raising.

        Returns:
            The mismatches, ``field -> (checkpoint's value, env's value)``.

        Raises:
            ValueError: A mismatch (naming each field with both values), unless
                ``allow_mismatch``.
        """
        found = EnvRecord.from_env(env)
        unknown = self.record.unknown(found)
        if unknown:
            warnings.warn(
                f"the model records no {', '.join(unknown)} of its training env (a "
                "checkpoint of an older vin-gym, or a VIN given without a record): those "
                "are not checked",
                stacklevel=2,
            )
        diff = self.record.diff(found)
        if diff:
            message = (
                "the VIN checkpoint does not fit the env it is asked to plan in "
                f"({describe(diff, 'checkpoint', 'env')}); make the env with the "
                "checkpoint's settings (VINWorldModel.env_kwargs()), or pass "
                "allow_mismatch=True to plan anyway"
            )
            if not allow_mismatch:
                raise ValueError(message)
            warnings.warn(message, stacklevel=2)
        return diff

    def reset(self) -> None:
        """New episode: forget the frame history."""
        self._history.clear()
        self._codes = None

    def observe(self, obs: Any, info: dict) -> None:
        """Record the observation of an env ``reset`` or ``step``: pixels ``(H, W, 3)``
        uint8 (or a dict holding ``"pixels"``); the state-input ablation reads
        ``info["states"]`` instead."""
        if self.config.state_input:
            if "states" not in info:
                raise ValueError("a state-input VIN needs info['states'] from the env")
            item = torch.as_tensor(np.asarray(info["states"]), dtype=torch.float32)
            if item.shape != (self.n_objects, 4):
                raise ValueError(
                    f"info['states'] must be ({self.n_objects}, 4), got {tuple(item.shape)}"
                )
            if self.config.mass_input:  # the true masses, a fifth channel
                if "masses" not in info:
                    raise ValueError("a mass-input IN needs info['masses'] from the env")
                masses = torch.as_tensor(np.asarray(info["masses"]), dtype=torch.float32)
                item = torch.cat([item, masses.reshape(self.n_objects, 1)], dim=-1)
        else:
            item = self._frame(obs)
        self._history.append(item.to(self.device))
        self._codes = None

    def ready(self) -> bool:
        """Whether ``visible`` (6) observations have been seen since the last reset."""
        return len(self._history) == self.config.visible

    @torch.no_grad()
    def rollout(self, actions: torch.Tensor) -> torch.Tensor:
        """Predicted states ``[B, H, N, 4]`` after each of the actions ``[B, H, A]``."""
        if not self.ready():
            raise RuntimeError(
                f"the world model has seen {len(self._history)} of the "
                f"{self.config.visible} frames it needs; call observe() first"
            )
        a = self.config.action_dim
        if actions.dim() != 3 or actions.shape[2] != a:
            raise ValueError(f"actions must be [B, H, A={a}], got {tuple(actions.shape)}")
        if self._codes is None:
            context = torch.stack(list(self._history))[None]  # [1, V, ...]
            self._codes = self.model.encode(context)  # [1, V - 2, N, K]
        b = actions.shape[0]
        codes = self._codes.expand(b, *self._codes.shape[1:])  # [B, V - 2, N, K]
        actions = actions.to(self.device, torch.float32)
        if self.config.ensemble == 1:
            return self.model.rollout_codes(codes, actions)
        members = self.model.rollout_members(codes, actions)  # [E, B, H, N, 4]
        if self.disagreement > 0:
            spread = members[..., :2].std(dim=0, unbiased=False)  # [B, H, N, 2]
            self.penalty = self.disagreement * spread.mean(dim=(-2, -1))
        return members.mean(0)

    def _frame(self, obs: Any) -> torch.Tensor:
        if isinstance(obs, dict):
            if "pixels" not in obs:
                raise ValueError(f"dict observations need a 'pixels' key, got {sorted(obs)}")
            obs = obs["pixels"]
        frame = torch.as_tensor(np.asarray(obs))
        size = self.config.frame_size
        if frame.dim() != 3 or frame.shape[2] != 3:
            raise ValueError(
                f"observations must be RGB frames (H, W, 3), got shape "
                f"{tuple(frame.shape)}; make the env with obs_mode='pixels'"
            )
        if frame.shape[:2] != (size, size):
            if not self.resize:
                raise ValueError(
                    f"frames are {tuple(frame.shape[:2])} but the model was trained "
                    f"on {size}x{size}; make the env with obs_size={size}"
                )
            x = frame.permute(2, 0, 1)[None].float()  # [1, 3, H, W]
            x = torch.nn.functional.interpolate(x, size=(size, size), mode="area")
            frame = x[0].permute(1, 2, 0).round().clamp(0, 255).to(torch.uint8)
        return frame.to(torch.uint8)
