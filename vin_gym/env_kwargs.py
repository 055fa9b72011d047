"""Environment keyword arguments from the command line: ``key=value`` to typed values.

Commands take ``--env-kwargs damping=0.5 show_goal=false n_objects=4``. Each key must be
an argument of the environment's constructor (its class and the classes it passes
``**kwargs`` on to), and each value is parsed as the argument's annotation asks: a
number, a boolean (``true``/``false``, ``1``/``0``, ``yes``/``no``), ``none`` where the
argument accepts ``None``, or a string where it accepts one.

>>> import vin_gym
>>> parse_env_kwargs("Billiards-v0", ["damping=0.5", "show_goal=false", "n_objects=4"])
{'damping': 0.5, 'show_goal': False, 'n_objects': 4}
>>> parse_env_kwargs("Billiards-v0", ["dampnig=0.5"])  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
ValueError: --env-kwargs: Billiards-v0 has no argument 'dampnig'; it accepts ..., damping, ...
"""

from __future__ import annotations

import inspect
import types
import typing
from collections.abc import Sequence
from typing import Any

_TRUE = ("true", "1", "yes", "on")
_FALSE = ("false", "0", "no", "off")
_NONE = ("none", "null")


def env_arguments(env_id: str) -> dict[str, Any]:
    """``name -> annotation`` of every keyword argument ``gym.make(env_id, ...)`` accepts
    (``Any`` where an argument has none). ValueError naming the registered ids for an
    unknown ``env_id``."""
    import gymnasium as gym

    import vin_gym  # noqa: F401  (registers the environments)

    if env_id not in gym.registry:
        ours = sorted(k for k in gym.registry if k.split(":")[0] in _our_ids())
        raise ValueError(f"unknown environment {env_id!r}; registered vin-gym ids: {ours}")
    entry = gym.spec(env_id).entry_point
    cls = gym.envs.registration.load_env_creator(entry) if isinstance(entry, str) else entry
    accepted: dict[str, Any] = {}
    for klass in inspect.getmro(cls):
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        try:
            hints = typing.get_type_hints(init)
        except Exception:  # an annotation that does not resolve: accept any value
            hints = {}
        params = inspect.signature(init).parameters
        for name, p in params.items():
            if name != "self" and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY):
                accepted.setdefault(name, hints.get(name, Any))
        if not any(p.kind is p.VAR_KEYWORD for p in params.values()):
            break  # this __init__ passes nothing further up
    return accepted


def _our_ids() -> set[str]:
    from vin_gym.registration import ENVIRONMENTS

    return set(ENVIRONMENTS)


def parse_env_kwargs(env_id: str, items: Sequence[str] | None) -> dict[str, Any]:
    """``["key=value", ...]`` to typed keyword arguments of ``env_id``; ValueError naming
    the bad item and what was expected."""
    accepted = env_arguments(env_id)
    kwargs: dict[str, Any] = {}
    for item in items or ():
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ValueError(f"--env-kwargs: expected key=value, got {item!r}")
        if key not in accepted:
            raise ValueError(
                f"--env-kwargs: {env_id} has no argument {key!r}; it accepts "
                f"{', '.join(sorted(accepted))}"
            )
        if key in kwargs:
            raise ValueError(f"--env-kwargs: {key!r} given twice")
        kwargs[key] = _parse_value(key, text.strip(), accepted[key])
    return kwargs


def _parse_value(key: str, text: str, annotation: Any) -> Any:
    kinds = _kinds(annotation)
    lowered = text.lower()
    if type(None) in kinds and lowered in _NONE:
        return None
    if bool in kinds:
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
    if int in kinds:
        try:
            return int(text)
        except ValueError:
            pass
    if float in kinds:
        try:
            return float(text)
        except ValueError:
            pass
    if str in kinds or Any in kinds:
        return text
    expected = " or ".join(sorted(k.__name__ for k in kinds if k is not type(None)))
    if type(None) in kinds:
        expected += " or none"
    raise ValueError(f"--env-kwargs: {key}={text!r} is not a valid value; expected {expected}")


def _kinds(annotation: Any) -> set[Any]:
    """The plain types an annotation admits (``float | None`` -> ``{float, NoneType}``;
    ``Any`` or anything else unknown -> ``{Any}``)."""
    if annotation is Any:
        return {Any}
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        out: set[Any] = set()
        for arg in typing.get_args(annotation):
            out |= _kinds(arg)
        return out
    if origin is typing.Literal:
        return {type(v) for v in typing.get_args(annotation)}
    if annotation is type(None) or annotation in (bool, int, float, str):
        return {annotation}
    return {Any}
