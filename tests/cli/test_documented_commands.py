"""Every ``vin-gym collect`` and ``vin-gym baseline`` command line the README and docs/
show parses with the real parser and gives a valid config (issue 21, item 3: the flags
are generated from ``CollectConfig`` and ``BaselineConfig``, keeping the ones users know)."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest

from vin_gym.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]
#: Placeholders the docs write in command lines, and a value for each.
PLACEHOLDERS = {"ALGO": "ppo", "OBS": "pixels", "T": "1000", "S": "0", "TASK": "GravityTask-v0"}


def documented(command: str) -> list[str]:
    """``vin-gym COMMAND ...`` lines of README.md and docs/**/*.md, continuation lines
    joined, comments and placeholders resolved."""
    lines = []
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]:
        text = path.read_text().replace("\\\n", " ")
        for match in re.finditer(rf"^\s*(vin-gym {command} .*)$", text, re.M):
            words = shlex.split(match.group(1), comments=True)
            lines.append(shlex.join(PLACEHOLDERS.get(w, w) for w in words))
    return lines


COLLECT = documented("collect")
BASELINE = documented("baseline")


def test_the_docs_show_commands() -> None:
    assert len(COLLECT) >= 5 and len(BASELINE) >= 10, (COLLECT, BASELINE)


def _config(line: str):
    """The config the command line ``line`` runs with (``args.config``: the command's
    flags -> config function)."""
    argv = shlex.split(line)[1:]
    args = build_parser(argv).parse_args(argv)
    return args.config(args)


@pytest.mark.parametrize("line", COLLECT)
def test_documented_collect_parses_to_its_config(line: str) -> None:
    cfg = _config(line)
    words = shlex.split(line)
    assert cfg.policy == words[words.index("--policy") + 1]
    assert cfg.episodes == int(words[words.index("--episodes") + 1])
    assert cfg.steps == int(words[words.index("--steps") + 1])
    assert cfg.env_kwargs["obs_size"] == 32 and cfg.env_kwargs["show_goal"] is False


@pytest.mark.parametrize("line", BASELINE)
def test_documented_baseline_parses_to_its_config(line: str) -> None:
    cfg = _config(line)
    words = shlex.split(line)
    assert cfg.algo == words[words.index("--algo") + 1]
    assert cfg.obs == words[words.index("--obs") + 1]
    assert cfg.timesteps == int(words[words.index("--timesteps") + 1])
    assert str(cfg.out) == words[words.index("--out") + 1]
    assert (cfg.progress, cfg.device, cfg.threads) == (False, "cpu", 1)


def test_collect_defaults_are_the_configs() -> None:
    """Flags left out: CollectConfig's defaults, with the policy users had (random)."""
    from vin_gym.data import CollectConfig

    cfg = _config("vin-gym collect --out d --shard 1/4 --no-progress")
    expected = CollectConfig(env_kwargs={"obs_size": 32, "show_goal": False}, shard=(1, 4))
    assert cfg == CollectConfig(**{**vars(expected), "progress": False})
    assert cfg.policy == "random" and cfg.episodes == 100 and cfg.steps == 99


def test_baseline_defaults_are_the_configs() -> None:
    from vin_gym.baselines.sb3 import DEFAULT_EVAL_AT

    cfg = _config("vin-gym baseline --algo sac --hp gamma=0.9 --hp tau=0.01 --eval-at 10,20")
    assert cfg.out == Path("runs/sb3/sac_pixels_s0") and cfg.obs == "pixels"
    assert cfg.hyperparams == {"gamma": 0.9, "tau": 0.01}
    assert cfg.eval_at == (10, 20) and cfg.checkpoint_every == 50_000
    assert _config("vin-gym baseline --algo ppo").eval_at == DEFAULT_EVAL_AT
    with pytest.raises(SystemExit):
        _config("vin-gym baseline --obs state")  # --algo is required, as before


COMPARE = documented("compare")


def test_the_docs_show_compare_commands() -> None:
    assert sum(" vin " in f"{line} " for line in COMPARE) >= 3, COMPARE


@pytest.mark.parametrize("line", COMPARE)
def test_documented_compare_reuses_its_committed_cells(line: str) -> None:
    """Each documented ``vin-gym compare`` line, run today, gives cells whose specs are
    those of the cells committed under its ``--out``: every one of them would be read
    back, none redone with other settings (the VIN cells' ``lr_final`` included: the
    recipe's default changed, so the commands name the 5e-5 those cells trained with)."""
    from vin_gym.experiments.comparison.runner import cell_path, load_cell
    from vin_gym.experiments.comparison.specs import cell_specs

    argv = shlex.split(line)[1:]
    args = build_parser(argv).parse_args(argv)
    out = ROOT / args.out
    committed = sorted((out / "cells").glob("*.json"))
    if not committed:
        pytest.skip(f"no cells committed under {args.out}")
    key = json.loads(committed[0].read_text())["eval"]
    assert key["seed_base"] == args.seed_base and key["episodes"] == args.episodes
    specs = [s for s in cell_specs(args.config(args), key) if cell_path(out, s).is_file()]
    assert specs, f"none of the command's cells is under {args.out}"
    for spec in specs:
        assert load_cell(cell_path(out, spec), spec) is not None, spec["name"]
