"""Env arguments given as text: typed and checked against the env's arguments; every
command's ``--env-kwargs`` is tested in tests/cli/test_cli_env_kwargs.py."""

from __future__ import annotations

import pytest

from vin_gym.env_kwargs import env_arguments, parse_env_kwargs


def test_values_are_typed_by_the_argument_they_fill() -> None:
    kwargs = parse_env_kwargs(
        "VariableMassBilliards-v0",
        ["damping=1", "n_objects=4", "show_goal=no", "mass_mode=visible", "render_mode=none"],
    )
    assert kwargs == {
        "damping": 1.0,
        "n_objects": 4,
        "show_goal": False,
        "mass_mode": "visible",
        "render_mode": None,
    }
    assert type(kwargs["damping"]) is float and type(kwargs["n_objects"]) is int
    assert "mass_mode" in env_arguments("VariableMassBilliards-v0")  # the subclass's own


@pytest.mark.parametrize(
    ("item", "needle"),
    [
        ("dampnig=1", "has no argument 'dampnig'; it accepts"),
        ("damping=abc", "damping='abc' is not a valid value; expected float or none"),
        ("n_objects=2.5", "n_objects='2.5' is not a valid value; expected int or none"),
        ("damping", "expected key=value"),
    ],
)
def test_bad_items_are_refused_naming_them(item: str, needle: str) -> None:
    with pytest.raises(ValueError, match=needle.replace("(", r"\(")):
        parse_env_kwargs("Billiards-v0", [item])
