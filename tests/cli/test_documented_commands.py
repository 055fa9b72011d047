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
#: ``vin-gym mbrl``'s: a task whose runs all follow the generic command (the
#: ``GravityTask-v0`` run kept its evaluations, as ``docs/results/tasks/README.md`` says).
MBRL_PLACEHOLDERS = {**PLACEHOLDERS, "TASK": "SpringsTask-v0"}


def documented(command: str, placeholders: dict[str, str] = PLACEHOLDERS) -> list[str]:
    """``vin-gym COMMAND ...`` lines of README.md, docs/**/*.md and vin_model/**/*.md,
    continuation lines joined, comments and placeholders resolved (in paths too:
    ``runs/tasks/TASK_sS``)."""
    in_paths = f"{placeholders['TASK']}_s{placeholders['S']}"
    lines = []
    pages = [*sorted((ROOT / "docs").rglob("*.md")), *sorted((ROOT / "vin_model").rglob("*.md"))]
    for path in [ROOT / "README.md", *pages]:
        text = path.read_text().replace("\\\n", " ")
        for match in re.finditer(rf"^\s*(vin-gym {command} .*)$", text, re.M):
            words = shlex.split(match.group(1), comments=True)
            words = [placeholders.get(w, w).replace("TASK_sS", in_paths) for w in words]
            lines.append(shlex.join(words))
    return lines


COLLECT = documented("collect")
BASELINE = documented("baseline")
#: ``vin-gym mbrl`` lines (``...`` elisions left out), and those whose ``--json`` record
#: is committed.
MBRL = [line for line in documented("mbrl", MBRL_PLACEHOLDERS) if "..." not in shlex.split(line)]
MBRL_RECORDED = [
    (line, words[words.index("--json") + 1])
    for line in MBRL
    if "--json" in (words := shlex.split(line))
    and (ROOT / words[words.index("--json") + 1]).is_file()
]


def test_the_docs_show_commands() -> None:
    assert len(COLLECT) >= 5 and len(BASELINE) >= 10, (COLLECT, BASELINE)
    assert len(MBRL) >= 8 and len(MBRL_RECORDED) >= 6, (MBRL, MBRL_RECORDED)


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


@pytest.mark.parametrize("line", MBRL)
def test_documented_mbrl_parses_to_a_config(line: str) -> None:
    cfg = _config(line)
    words = shlex.split(line)
    assert cfg.env_id == (words[words.index("--env") + 1] if "--env" in words else "Billiards-v0")


@pytest.mark.parametrize(("line", "record"), MBRL_RECORDED)
def test_documented_mbrl_is_the_run_its_record_holds(line: str, record: str) -> None:
    """The command the docs show for a committed run's figures configures that run, as
    it records it (fields it predates as they were): the same settings, recipe included."""
    from vin_gym.experiments.mbrl_state import as_recorded_now

    recorded = as_recorded_now(json.loads((ROOT / record).read_text())["config"])
    mine = _config(line).identity()
    diff = {k: (recorded.get(k), v) for k, v in mine.items() if recorded.get(k) != v}
    assert not diff, f"{record}: (recorded, the command's) {diff}"


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
