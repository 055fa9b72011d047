"""The ``vin-gym`` command: help everywhere, the demo, clear errors."""

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


def test_bad_value_is_a_clear_error(capsys):
    assert main(["bench", "no_such_benchmark"]) == 2
    assert "unknown benchmark 'no_such_benchmark'" in capsys.readouterr().err


def test_bench_lists_benchmarks(capsys):
    assert main(["bench"]) == 0
    assert "env_throughput" in capsys.readouterr().out
