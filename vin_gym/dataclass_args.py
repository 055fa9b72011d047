"""Command-line flags generated from config dataclasses, so that no default is written twice.

A config dataclass (``TrainConfig``, ``VINConfig``, ``MPCConfig``, a planner's config,
``MBRLConfig``) is the one source of its fields' names, types, defaults and help: the
help is the field's entry in the class docstring's ``Attributes:`` section (another
field it names written as that field's flag), followed by the default. Every generated
flag defaults to ``None`` so that :func:`given` can tell the flags a user gave from those
left to the dataclass.

>>> import argparse
>>> from dataclasses import dataclass
>>> @dataclass
... class Cfg:
...     '''A config.
...
...     Attributes:
...         steps: Optimiser steps.
...         amp: Mixed precision.
...     '''
...     steps: int = 10
...     amp: bool = True
>>> p = argparse.ArgumentParser()
>>> add_dataclass_args(p, Cfg)
>>> given(Cfg, p.parse_args(["--steps", "5", "--no-amp"]))
{'steps': 5, 'amp': False}
>>> Cfg(**given(Cfg, p.parse_args([])))
Cfg(steps=10, amp=True)
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import re
import types
import typing
from collections.abc import Callable, Iterable, Iterator
from dataclasses import MISSING, Field, fields
from typing import Any


def field_docs(cls: type) -> dict[str, str]:
    """Field name -> its text in the class docstring's ``Attributes:`` section, as plain
    text (reST roles and double backquotes removed)."""
    doc = (cls.__doc__ or "").split("Attributes:", 1)[-1]
    docs: dict[str, str] = {}
    for m in re.finditer(r"^([ \t]+)(\w+): (.*?)(?=^\1\w+: |\Z)", doc, re.M | re.S):
        text = " ".join(m.group(3).split()).replace("``", "")
        docs[m.group(2)] = re.sub(r":\w+:`~?(?:[\w.]+\.\s?)?(\w+)`", r"\1", text)
    return docs


def parse_key_value(text: str) -> tuple[str, Any]:
    """``key=value``, the value read as JSON when it parses (``1.0``, ``true``, ``[1,2]``)
    and as a string otherwise.

    >>> parse_key_value("damping=1.0"), parse_key_value("background=noise")
    (('damping', 1.0), ('background', 'noise'))
    """
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    try:
        return key, json.loads(value)
    except ValueError:
        return key, value


def default_of(f: Field) -> Any:
    """A field's default value (``MISSING`` for a required field)."""
    if f.default is not MISSING:
        return f.default
    if f.default_factory is not MISSING:
        return f.default_factory()
    return MISSING


def flag_name(name: str) -> str:
    """``rollout_max`` -> ``--rollout-max``."""
    return "--" + name.replace("_", "-")


def add_dataclass_args(
    parser: argparse.ArgumentParser | argparse._ArgumentGroup,
    *classes: type,
    only: Iterable[str] | None = None,
    skip: Iterable[str] = (),
    aliases: dict[str, Iterable[str]] | None = None,
    choices: dict[str, Iterable[Any]] | None = None,
    flags: dict[str, str] | None = None,
    labels: dict[type, str] | None = None,
    parse: dict[str, Callable[[str], Any]] | None = None,
    metavars: dict[str, str] | None = None,
    required: Iterable[str] = (),
    shown: dict[str, str] | None = None,
) -> None:
    """Add one flag per field of ``classes`` (``--field-name``, ``dest`` the field name).

    With several classes (e.g. every planner's config) a field they share gets one flag;
    its help names each class's default where they differ. Booleans become
    ``--x/--no-x``, dicts ``--x KEY=VALUE ...`` (repeatable: the items add up), tuples
    and lists ``--x V [V ...]``.

    Args:
        parser: The parser or argument group.
        classes: Config dataclasses.
        only: Fields to add (default: all but ``skip``), in this order.
        skip: Fields not to add (set by the command itself, or by other flags).
        aliases: Extra flag names of a field (e.g. ``{"rollout_start": ["--rollout"]}``).
        choices: The accepted values of a field (of each item, for tuples and lists).
        flags: A field's flag when not ``--field-name``.
        labels: How the help names each class when defaults differ (default: the class
            name without ``Config``, lower case).
        parse: A field's parser of one command-line word: of one ``KEY=VALUE`` item for a
            dict field, of the whole value otherwise (the flag then takes one word, e.g.
            ``--shard 0/4`` read as ``(0, 4)``).
        metavars: A field's name for its value in the help.
        required: Fields the command line must give (their dataclass default, if any,
            is for library callers).
        shown: A field's default as the help shows it, where the value would mislead
            (``0/1`` for a shard parsed from ``I/N``).
    """
    merged: dict[str, list[tuple[type, Field]]] = {}
    for cls in classes:
        for f in fields(cls):
            merged.setdefault(f.name, []).append((cls, f))
    names = list(only) if only is not None else [n for n in merged if n not in set(skip)]
    unknown = [n for n in names if n not in merged]
    if unknown:
        raise ValueError(f"no field {unknown} in {[c.__name__ for c in classes]}")
    aliases, choices, flags = aliases or {}, choices or {}, flags or {}
    parse, metavars, required = parse or {}, metavars or {}, set(required)
    docs = {cls: field_docs(cls) for cls in classes}
    # a field (snake_case) named in another's help is named as the flag that sets it
    snake = [n for n in names if "_" in n]
    named = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, snake)) + r")\b(?!=)")
    for name in names:
        owners = merged[name]
        cls, f = owners[0]
        kind = _field_type(cls, f)
        text = next((d for c, _ in owners if (d := docs[c].get(name))), "")
        text = named.sub(lambda m: flag_name(m.group(1)), text) if snake else text
        default = (shown or {}).get(name) or _defaults_text(owners, len(classes), labels or {})
        default = "required" if name in required else default
        help_ = f"{text} (default: {default})".replace("%", "%%")
        names_ = [flags.get(name, flag_name(name)), *aliases.get(name, ())]
        kw: dict[str, Any] = {"dest": name, "default": None, "help": help_}
        if name in required:
            kw["required"] = True
        origin = typing.get_origin(kind)
        if kind is bool:
            kw["action"] = argparse.BooleanOptionalAction
        elif kind is dict or origin is dict:
            kw |= {"nargs": "*", "action": "extend", "metavar": "KEY=VALUE"}
            kw["type"] = parse.get(name, parse_key_value)
        elif name in parse:
            kw["type"] = parse[name]
        elif origin in (tuple, list):
            item = typing.get_args(kind)[0] if typing.get_args(kind) else str
            kw |= {"nargs": "+", "type": item}
        else:
            kw["type"] = kind
        if name in choices:
            kw["choices"] = list(choices[name])
        if name in metavars:
            kw["metavar"] = metavars[name]
        parser.add_argument(*names_, **kw)


def given(
    cls: type,
    args: argparse.Namespace,
    only: Iterable[str] | None = None,
    skip: Iterable[str] = (),
) -> dict[str, Any]:
    """The fields of ``cls`` whose flags were given (dict flags as dicts, lists as the
    field's type), among ``only`` (default: all) but ``skip``."""
    wanted = set(only) if only is not None else None
    skipped = set(skip)
    out: dict[str, Any] = {}
    for f in fields(cls):
        if (wanted is not None and f.name not in wanted) or f.name in skipped:
            continue
        value = getattr(args, f.name, None)
        if value is None:
            continue
        kind = _field_type(cls, f)
        if kind is dict or typing.get_origin(kind) is dict:
            value = dict(value)
        elif typing.get_origin(kind) is tuple:
            value = tuple(value)
        out[f.name] = value
    return out


def _field_type(cls: type, f: Field) -> Any:
    """The field's type without ``None`` (``int | None`` -> ``int``)."""
    kind = typing.get_type_hints(cls)[f.name]
    if typing.get_origin(kind) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(kind) if a is not type(None)]
        kind = args[0]
    return kind


def _defaults_text(
    owners: list[tuple[type, Field]], n_classes: int, labels: dict[type, str]
) -> str:
    values = [(cls, default_of(f)) for cls, f in owners]
    shown = {show_value(v) for _, v in values}
    if n_classes == 1 or (len(shown) == 1 and len(owners) == n_classes):
        return show_value(values[0][1])
    label = {cls: labels.get(cls, cls.__name__.removesuffix("Config").lower()) for cls, _ in values}
    return ", ".join(f"{label[cls]} {show_value(v)}" for cls, v in values)


def show_value(value: Any) -> str:
    """A default as the help shows it: ``required``, ``KEY=VALUE ...``, items space-separated."""
    if value is MISSING:
        return "required"
    if isinstance(value, dict):
        return " ".join(f"{k}={json.dumps(v)}" for k, v in value.items()) or "none"
    if isinstance(value, tuple | list):
        return " ".join(str(v) for v in value)
    return str(value)


def flags_in(text: str, *sources: type | str, flags: dict[str, str] | None = None) -> str:
    """``text`` (a library's message) with the fields of the dataclasses in ``sources``,
    and the names given as strings (a library function's parameters), written as the
    flags that set them: ``rollout_max`` -> ``--rollout-max``, ``allow_changes=True`` ->
    ``--allow-changes``, ``gif=False`` -> ``--no-gif``. A quoted name (a key or a value)
    and a part of a path are left alone.

    >>> flags_in("lower data_steps, or pass allow_changes=True", _Example, "allow_changes")
    'lower --data-steps, or pass --allow-changes'
    >>> flags_in("no 'data_steps' in runs/data_steps or data_steps.json", _Example)
    "no 'data_steps' in runs/data_steps or data_steps.json"
    """
    names = {s for s in sources if isinstance(s, str)}
    names |= {f.name for s in sources if not isinstance(s, str) for f in fields(s)}
    if not names:
        return text
    flags = flags or {}
    alternatives = "|".join(sorted(map(re.escape, names), key=len, reverse=True))
    before, after = r"(?<![\w.'\"/-])(?:\w+\.)?(", r")\b(?![/'\"]|\.\w)(=True\b|=False\b)?"
    pattern = before + alternatives + after

    def flag(m: re.Match) -> str:
        name = flags.get(m.group(1), flag_name(m.group(1)))
        return "--no-" + name[2:] if m.group(2) == "=False" else name

    return re.sub(pattern, flag, text)


@contextlib.contextmanager
def flags_in_errors(*sources: type | str, flags: dict[str, str] | None = None) -> Iterator[None]:
    """Re-raise a ``ValueError`` or ``FileNotFoundError`` (a library's message, naming
    fields and parameters) with the fields and names of ``sources`` written as the flags
    that set them (see :func:`flags_in`), so that the command line reports the flag the
    user typed: libraries name fields, the command line names flags.

    >>> with flags_in_errors(_Example):
    ...     raise ValueError("data_steps must be positive, got [0]")
    Traceback (most recent call last):
    ValueError: --data-steps must be positive, got [0]
    """
    try:
        yield
    except (ValueError, FileNotFoundError) as exc:
        text = flags_in(str(exc), *sources, flags=flags)
        if text == str(exc):
            raise
        try:
            again = type(exc)(text)
        except TypeError:  # an error type with other arguments
            again = ValueError(text)
        raise again from exc


@dataclasses.dataclass
class _Example:
    data_steps: int = 1


def check_keys(cls: type, given: dict[str, Any], what: str | None = None) -> None:
    """Refuse keys of ``given`` that are not fields of the dataclass ``cls``, naming the
    known ones (a typo would otherwise be dropped or end in a ``TypeError``).

    >>> check_keys(_Example, {"data_step": 5})
    Traceback (most recent call last):
    ValueError: unknown _Example setting 'data_step'; expected one of: data_steps
    """
    if not isinstance(given, dict):
        raise ValueError(f"{what or cls.__name__} must be a mapping of settings, got {given!r}")
    known = [f.name for f in fields(cls)]
    unknown = [k for k in given if k not in known]
    if unknown:
        label = what or f"{cls.__name__} setting"
        names = ", ".join(repr(k) for k in unknown)
        raise ValueError(f"unknown {label} {names}; expected one of: {', '.join(known)}")


def _type_ok(value: Any, hint: Any) -> bool:
    """Whether ``value`` fits the annotation ``hint`` (the simple types configs use)."""
    if hint is Any:
        return True
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return any(_type_ok(value, h) for h in typing.get_args(hint))
    if hint is type(None):
        return value is None
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if origin in (tuple, list):
        args = typing.get_args(hint)
        item = args[0] if args else Any
        return isinstance(value, tuple | list) and all(_type_ok(v, item) for v in value)
    if origin is dict or hint is dict:
        return isinstance(value, dict)
    if isinstance(hint, type):
        return isinstance(value, hint)
    return True


def check_types(instance: Any) -> None:
    """Refuse a dataclass instance whose fields do not have their annotated types (a
    config read from JSON with ``"visible": "6"`` or ``"meta": [1]``), naming the field,
    its value and the type expected.

    >>> check_types(_Example(data_steps="6"))
    Traceback (most recent call last):
    ValueError: _Example.data_steps must be of type int, got '6'
    """
    hints = typing.get_type_hints(type(instance))
    for f in fields(instance):
        value, hint = getattr(instance, f.name), hints.get(f.name, Any)
        if not _type_ok(value, hint):
            shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."
            name = getattr(hint, "__name__", None) or str(hint).replace("typing.", "")
            raise ValueError(
                f"{type(instance).__name__}.{f.name} must be of type {name}, got {shown}"
            )
