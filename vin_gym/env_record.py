"""The env a model learned: one record, read from a checkpoint, a live env or a dataset.

A VIN learns the frames and the dynamics of one env: its id, object count, frame size,
goal ring, background, push scale and physics (the fingerprint of a fixed episode,
:mod:`vin_gym.fingerprint`: another damping or force law differs). :class:`EnvRecord`
holds those fields; every check that a model fits an env or a dataset compares two
records with :meth:`EnvRecord.diff`, and every "env for this model" is made with
:meth:`EnvRecord.env_kwargs`.

>>> a = EnvRecord(env_id="Billiards-v0", n_objects=3, frame_size=32)
>>> b = EnvRecord(env_id="Billiards-v0", n_objects=4, frame_size=None)
>>> a.diff(b)
{'n_objects': (3, 4)}
>>> describe(a.diff(b), "checkpoint", "env")
'n_objects: checkpoint 3 vs env 4'
>>> a.env_kwargs({"damping": 0.5})
{'damping': 0.5, 'obs_size': 32, 'n_objects': 3, 'show_goal': False}
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

#: The fields compared between a model and an env or dataset, in the order errors name them.
CHECKED = (
    "env_id",
    "n_objects",
    "frame_size",
    "show_goal",
    "background",
    "max_push",
    "physics",
)
#: ``gym.make`` arguments of one use of an env, not of the env a model learned.
_PER_USE = ("obs_mode", "render_mode", "render_size")


@dataclass(frozen=True)
class EnvRecord:
    """What a model knows of the env its data came from (``None``: not recorded).

    Args:
        env_id: The registered env id.
        n_objects: Objects in the scene.
        frame_size: Pixels per side of the frames (the env's ``obs_size``).
        show_goal: Whether the frames draw the goal ring.
        background: ``"plain"``, ``"textured"`` or ``"images"``.
        max_push: The push scale (``None`` for passive data, which records none).
        physics: The physics fingerprint (:func:`vin_gym.fingerprint.physics_fingerprint`).
        kwargs: The ``gym.make`` arguments the data was made with (not compared: the
            physics fingerprint says whether two sets of arguments behave alike).
    """

    env_id: str | None = None
    n_objects: int | None = None
    frame_size: int | None = None
    show_goal: bool | None = None
    background: str | None = None
    max_push: float | None = None
    physics: str | None = None
    kwargs: Mapping[str, Any] = field(default_factory=dict, compare=False)

    @classmethod
    def from_dict(
        cls, record: Mapping[str, Any], kwargs: Mapping[str, Any] | None = None
    ) -> EnvRecord:
        """The record as :meth:`to_dict` wrote it (missing fields: ``None``)."""
        return cls(**{k: record.get(k) for k in CHECKED}, kwargs=dict(kwargs or {}))

    @classmethod
    def from_meta(
        cls, meta: Mapping[str, Any], model: Mapping[str, Any] | None = None
    ) -> EnvRecord:
        """The env of a dataset from its manifest's ``meta``; ``model``: the fields of the
        ``VINConfig`` trained on it, whose ``n_objects`` and ``frame_size`` win."""
        meta = meta if isinstance(meta, Mapping) else {}
        model = model if isinstance(model, Mapping) else {}
        kwargs = meta.get("env_kwargs") if isinstance(meta.get("env_kwargs"), Mapping) else {}
        background = meta.get("background", kwargs.get("background", "plain" if meta else None))
        if background is not None and not isinstance(background, str):
            background = "images"  # a list of image files: recorded as their kind
        max_push = meta.get("max_push", kwargs.get("max_push"))
        return cls(
            env_id=meta.get("env_id"),
            n_objects=model.get("n_objects", meta.get("n_objects")),
            frame_size=model.get("frame_size", meta.get("obs_size")),
            show_goal=meta.get("show_goal", kwargs.get("show_goal")),
            background=background,
            # passive data (max_push 0, e.g. imported .mat files) records no push scale
            max_push=float(max_push) if max_push else None,
            physics=meta.get("physics"),
            kwargs=dict(kwargs),
        )

    @classmethod
    def from_checkpoint(cls, config: Mapping[str, Any]) -> EnvRecord:
        """The env of a checkpoint from its ``config.json``: its ``env`` field (written by
        training since checkpoints carry it), else what the dataset ``meta`` of older
        checkpoints tells."""
        meta = config.get("meta") if isinstance(config.get("meta"), Mapping) else {}
        env = config.get("env")
        if not isinstance(env, Mapping):
            return cls.from_meta(meta, config.get("model"))
        record = cls.from_dict(env, meta.get("env_kwargs"))
        if record.physics is None:  # recorded in the env field since
            record = dataclasses.replace(record, physics=meta.get("physics"))
        return record

    @classmethod
    def from_env(cls, env: Any) -> EnvRecord:
        """The record of a vin-gym env, wrapped or not (``None`` where it has no such
        setting; the physics fingerprint is computed, which steps a copy of the env)."""
        base = getattr(env, "unwrapped", env)
        spec = getattr(env, "spec", None) or getattr(base, "spec", None)
        scene = getattr(base, "scene", None)
        max_push = getattr(scene, "max_push", None)
        env_id = getattr(spec, "id", None)
        kwargs = {k: v for k, v in (getattr(spec, "kwargs", None) or {}).items()}
        physics = None
        if env_id:
            from vin_gym.fingerprint import physics_fingerprint

            physics = physics_fingerprint(env_id, **kwargs)
        return cls(
            env_id=env_id,
            n_objects=getattr(scene, "n_objects", None),
            frame_size=getattr(base, "obs_size", None),
            show_goal=getattr(scene, "show_goal", None),
            background=getattr(getattr(base, "backgrounds", None), "kind", None),
            max_push=float(max_push) if max_push is not None else None,
            physics=physics,
            kwargs={k: v for k, v in kwargs.items() if k not in _PER_USE},
        )

    def to_dict(self) -> dict[str, Any]:
        """The compared fields, as a checkpoint's ``config.json`` records them (``env``)."""
        return {k: getattr(self, k) for k in CHECKED}

    def diff(self, other: EnvRecord, fields: Sequence[str] = CHECKED) -> dict[str, tuple[Any, Any]]:
        """The ``fields`` both records know and that differ: ``field -> (this record's
        value, the other's)``, in the order of :data:`CHECKED`."""
        return {
            k: (getattr(self, k), getattr(other, k))
            for k in CHECKED
            if k in fields
            and getattr(self, k) is not None
            and getattr(other, k) is not None
            and getattr(self, k) != getattr(other, k)
        }

    def unknown(self, other: EnvRecord) -> list[str]:
        """The fields this record lacks and ``other`` has (so not compared)."""
        return [k for k in CHECKED if getattr(self, k) is None and getattr(other, k) is not None]

    def env_kwargs(self, task: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """``gym.make(self.env_id, **kwargs)`` arguments of the env this record describes:
        the settings of its frames and scene (``obs_size``, ``n_objects``, ``show_goal``,
        ``background``, ``max_push``, where recorded) over ``task``, the other arguments
        (default: those the data was made with, which rebuild its physics).

        A frame whose goal ring was not recorded is made without one (the collectors of
        older vin-gym hid it); a background of image files is not rebuilt (the files are
        not recorded). ``obs_mode`` is the caller's."""
        if task is None:
            task = {k: v for k, v in self.kwargs.items() if k not in _PER_USE}
        out = dict(task)
        settings = {
            "obs_size": self.frame_size,
            "n_objects": self.n_objects,
            "show_goal": False if self.show_goal is None else self.show_goal,
            "background": None if self.background == "images" else self.background,
            "max_push": self.max_push,
        }
        out.update({k: v for k, v in settings.items() if v is not None})
        return out


def describe(diff: Mapping[str, tuple[Any, Any]], mine: str, theirs: str) -> str:
    """``diff`` (from :meth:`EnvRecord.diff`) for people: each field with both values,
    ``mine`` and ``theirs`` naming whose they are; a differing physics says what that means.

    >>> describe({"physics": ("aa", "bb")}, "checkpoint", "data")  # doctest: +ELLIPSIS
    "physics: checkpoint 'aa' vs data 'bb' (the data's dynamics differ from the ..."
    """
    text = ", ".join(f"{k}: {mine} {a!r} vs {theirs} {b!r}" for k, (a, b) in diff.items())
    if "physics" in diff:
        text += (
            f" (the {theirs}'s dynamics differ from the {mine}'s: another damping, "
            "initial speed, mass or force law)"
        )
    return text
