"""Invisible springs: a Springs scene in which one object is not drawn."""

from __future__ import annotations

from typing import Any

import numpy as np

from vin_gym.envs.springs import Springs


class InvisibleSprings(Springs):
    """Push the cue (red, object 0) so that the green disc (object 1) reaches the goal.

    ## Description
    The paper's *invisible object* variant of ``Springs-v0``: the same scene (every pair
    of objects joined by a spring of stiffness 0.5 mass/s^2 and rest length 3.0 table
    units, objects passing through each other, walls reflecting them), but one object,
    chosen at random each episode, is not drawn. It still pulls on the others, so a
    model must infer it from their motion. It is present in ``info["states"]`` and
    flagged by ``info["visible"]``. By default the hidden object is never the cue or the
    target (so the task stays observable); ``hide_any=True`` draws it among all objects,
    as for pure prediction.

    ## Action Space
    ``Box(-1, 1, (2,), float32)``: the velocity change of the cue along x and y, in units
    of ``max_push`` (table units/s); as in ``Billiards-v0``.

    ## Observation Space
    As in ``Billiards-v0``: ``"pixels"`` (default) ``Box(0, 255, (obs_size, obs_size, 3),
    uint8)`` without the hidden object, ``"state"`` ``Box(-1, 1, (4 N + 2,), float32)``
    (every object, hidden one included) or ``"dict"`` of both.

    ## Rewards
    Minus the distance of object 1 to the goal divided by the table size.

    ## Starting State
    As in ``Springs-v0``; the hidden object is drawn uniformly from objects 2 to N - 1
    (from all N with ``hide_any=True``) after the scene and the goal.

    ## Episode End
    Terminates when object 1 is within ``goal_radius`` of the goal; truncated after 100
    steps by ``gym.make``.

    ## Info
    ``states`` (``(N, 4)`` float64, every object), ``goal``, ``is_success``,
    ``distance``, ``visible`` (``(N,)`` bool, ``False`` for the hidden object),
    ``masses`` (``(N,)``).

    ## Arguments
    Those of ``Springs-v0`` (``n_objects=3``, at least 3 unless ``hide_any``), and
    ``hide_any=False``.

    >>> import gymnasium as gym
    >>> import vin_gym
    >>> env = gym.make("InvisibleSprings-v0", obs_size=32)
    >>> obs, info = env.reset(seed=0)
    >>> info["visible"], info["states"].shape
    (array([ True,  True, False]), (3, 4))

    ## Version History
    * v0: initial release.
    """

    def __init__(self, *args: Any, hide_any: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.hide_any = bool(hide_any)
        n = self.scene.n_objects
        if not self.hide_any and n < 3:
            raise ValueError(
                f"InvisibleSprings hides one object other than the cue and the target, so "
                f"it needs n_objects >= 3, got {n} (or pass hide_any=True)"
            )
        self.hidden = -1

    def on_reset(self) -> None:
        super().on_reset()
        n = self.scene.n_objects
        first = 0 if self.hide_any else 2
        self.hidden = int(self.np_random.integers(first, n))
        visible = np.ones(n, dtype=bool)
        visible[self.hidden] = False
        self.visible = visible
