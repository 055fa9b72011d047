"""The ``vin-gym`` command: help everywhere, the demo, clear errors."""

import json

import pytest

from vin_gym.cli import build_parser, main


def subcommands() -> list[str]:
    parser = build_parser()
    action = next(a for a in parser._actions if a.dest == "command")
    return list(action.choices)


def test_top_level_help(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    assert "demo" in capsys.readouterr().out


@pytest.mark.parametrize("name", subcommands())
def test_every_subcommand_has_help(name, capsys):
    with pytest.raises(SystemExit) as exc:
        main([name, "--help"])
    assert exc.value.code == 0
    assert "usage: vin-gym" in capsys.readouterr().out


def test_demo_writes_gif_and_json(tmp_path):
    out = tmp_path / "demo"
    assert (
        main(
            [
                "demo",
                "--steps",
                "5",
                "--out",
                str(out),
                "--json",
                str(tmp_path / "r.json"),
                "--size",
                "64",
            ]
        )
        == 0
    )
    assert (out / "demo.gif").stat().st_size > 0
    assert json.loads((tmp_path / "r.json").read_text())["steps"] == 5


def test_bad_value_is_a_clear_error(capsys, tmp_path):
    assert main(["demo", "--steps", "0", "--out", str(tmp_path)]) == 2
    assert "--steps must be >= 1" in capsys.readouterr().err
