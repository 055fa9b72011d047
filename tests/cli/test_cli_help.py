"""``--help`` is written for people: every subcommand's help is free of code object names
and docstring markup, and every flag has a line of help."""

from __future__ import annotations

import argparse
import contextlib
import io
import re

import pytest

from vin_gym.cli import COMMANDS, build_parser, main
from vin_gym.dataclass_args import flag_name

#: What a reader of ``--help`` should not meet: docstring markup and code paths (a
#: package's module or class, a config class).
MARKUP = ("``", ":mod:", ":class:", ":func:", ":data:", ":meth:", ":attr:")
CODE = re.compile(
    r"\b(?:vin_gym|vin_model|planners|experiments|baselines|commands)\.\w+"
    r"|\b[a-z_]+\.[A-Z]\w+"  # module.Class
    r"|\b[A-Z]\w*Config\b|\*Config\b"
    r"|\b(?!TensorBoard\b|PyTorch\b|MiB\b|GiB\b|NaN\b)[A-Z][a-z]+[A-Z]\w*"  # CamelCase: a class
)

#: Defaults are shown one way: ``(default: X)``.
DEFAULT = re.compile(r"\(default(?!: )\S*")


def _help(command: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as stop:
        main([command, "--help"])
    assert stop.value.code == 0, command
    return out.getvalue()


def _flags(command: str) -> list[argparse.Action]:
    parser = build_parser([command])
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return [a for a in sub.choices[command]._actions if a.option_strings]


def problems(command: str, text: str, actions: list[argparse.Action]) -> list[str]:
    """What is wrong with ``command``'s help ``text`` (its flags ``actions``)."""
    found = [f"markup {m!r}" for m in MARKUP if m in text]
    found += [f"code name {m.group()!r}" for m in CODE.finditer(text)]
    flat = " ".join(text.split())
    found += [f"a default not shown as (default: X): {m.group()!r}" for m in DEFAULT.finditer(flat)]
    for action in actions:
        if not (action.help or "").strip() or action.help == argparse.SUPPRESS:
            found.append(f"{action.option_strings[0]} has no help")
    # a setting named as its field (``rollout_max``), not as the flag a user types; a
    # KEY=VALUE example of an env argument (``show_goal=false``) is what the user types
    dests = {a.dest for a in actions if "_" in a.dest}
    for m in re.finditer(r"(?<![\w-])([a-z]+(?:_[a-z]+)+)\b(?!=)", text):
        if m.group(1) in dests:
            found.append(f"field name {m.group(1)!r} (the flag is {flag_name(m.group(1))})")
    return [f"vin-gym {command} --help: {p}" for p in found]


@pytest.mark.parametrize("command", list(COMMANDS))
def test_help_is_written_for_people(command: str) -> None:
    text = _help(command)
    assert f"vin-gym {command}" in text and "options:" in text
    found = problems(command, text, _flags(command))
    assert not found, "\n".join(found)


def test_the_check_finds_what_it_names() -> None:
    """Each fault the check looks for is found in a help that has it."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--rollout-max", dest="rollout_max", help="steps")
    parser.add_argument("--data")
    bad = (
        "training (vin_model.training.TrainConfig), ``--steps``, see :mod:`vin_gym.seeds`, "
        "MPC agent (planners.MPCConfig), at most rollout_max steps (default 3); show_goal=false"
    )
    found = "\n".join(problems("x", bad, parser._actions[1:]))
    for fault in (
        "``",
        ":mod:",
        "'vin_model.training'",
        "'planners.MPCConfig'",
        "'TrainConfig'",
        "--data has no help",
        "field name 'rollout_max'",
        "a default not shown as (default: X)",
    ):
        assert fault in found, fault
    assert "show_goal" not in found
    assert problems("x", "plain words (default: 1)", parser._actions[1:2]) == []


def test_every_planning_command_takes_the_same_planner_flags():
    from vin_gym.cli import build_parser

    def planner_flags(command: str) -> set[str]:
        sub = build_parser([command])._subparsers._group_actions[0].choices[command]
        groups = [g for g in sub._action_groups if g.title and g.title.startswith("planner")]
        return {s for g in groups for a in g._group_actions for s in a.option_strings}

    plan = planner_flags("plan")
    assert {"--population", "--elites", "--iterations", "--temperature"} <= plan
    for command in ("mbrl", "demo", "compare"):
        assert planner_flags(command) == plan, command
