"""One VIN recipe for control (issue 21): the comparison's grid, the online loop and the
demo take their defaults from ``vin_gym.experiments.recipe.HEADLINE``, and one check
refuses episodes too short for a training clip, with the same words from each."""

from __future__ import annotations

import ast
import dataclasses
import inspect
import json
import re
from pathlib import Path

import pytest

from vin_gym.cli import build_parser, main
from vin_gym.experiments import recipe
from vin_gym.experiments.comparison.specs import Grid
from vin_gym.experiments.mbrl_config import MBRLConfig
from vin_gym.experiments.recipe import HEADLINE, VINRecipe, check_clip_fits

ROOT = Path(__file__).resolve().parents[2]
#: A clip's length spelled out: ``6 + rollout``, ``VISIBLE + self.rollout_max``...
CLIP_SUM = re.compile(r"(?<![\w.])(?:6|VISIBLE) \+ (?:self\.|args\.|config\.)?rollout")

#: Each builder's field for each recipe field.
MBRL_FIELDS = {
    "episode_steps": "episode_steps",
    "obs_size": "obs_size",
    "batch_size": "batch_size",
    "rollout_max": "rollout_max",
    "lr": "lr",
    "lr_final": "lr_final",
    "seed_train_steps": "seed_train_steps",
    "iteration_train_steps": "train_steps",
}
GRID_FIELDS = {
    "episode_steps": "episode_steps",
    "obs_size": "obs_size",
    "batch_size": "batch_size",
    "rollout_max": "rollout",
    "lr_final": "lr_final",
    "train_steps": "train_steps",
}
DEMO_FLAGS = {
    "episode_steps": "steps",
    "obs_size": "obs_size",
    "batch_size": "batch_size",
    "rollout_max": "rollout",
    "lr_final": "lr_final",
}


def _demo_defaults() -> dict:
    args = build_parser(["demo"]).parse_args(["demo"])
    return {name: getattr(args, flag) for name, flag in DEMO_FLAGS.items()}


def test_the_headline_recipe_is_the_shipped_vins_run() -> None:
    """The measured recipe (vin_model/pretrained/README.md), not TrainConfig's (the
    prediction recipe of ``vin-gym train``, left as it was)."""
    from vin_model.training import TrainConfig

    assert (HEADLINE.episode_steps, HEADLINE.batch_size, HEADLINE.rollout_max) == (60, 32, 16)
    assert (HEADLINE.lr, HEADLINE.lr_final) == (1e-3, 1e-4)
    assert (HEADLINE.seed_train_steps, HEADLINE.iteration_train_steps) == (12_000, 2_000)
    assert HEADLINE.train_steps == MBRLConfig().total_train_steps == 24_000
    prediction = TrainConfig()
    assert (prediction.batch_size, prediction.rollout_max, prediction.lr_final) == (100, 48, 5e-5)


def test_every_builder_defaults_to_the_recipe() -> None:
    mbrl, grid, demo = MBRLConfig(), Grid(), _demo_defaults()
    for name, field in MBRL_FIELDS.items():
        assert getattr(mbrl, field) == getattr(HEADLINE, name), name
    for name, field in GRID_FIELDS.items():
        assert getattr(grid, field) == getattr(HEADLINE, name), name
    for name, value in demo.items():
        assert value == getattr(HEADLINE, name), name
    from vin_gym.experiments.pipeline import train_vin

    defaults = inspect.signature(train_vin).parameters
    assert defaults["batch_size"].default == HEADLINE.batch_size
    assert defaults["rollout_max"].default == HEADLINE.rollout_max
    assert defaults["lr_final"].default == HEADLINE.lr_final


def _defaults_named(cls: type) -> dict[str, str]:
    """The source of each field's default in the class body of ``cls``."""
    tree = ast.parse(inspect.getsource(cls))
    body = tree.body[0].body  # type: ignore[attr-defined]
    return {
        node.target.id: ast.unparse(node.value)
        for node in body
        if isinstance(node, ast.AnnAssign) and node.value is not None
    }


@pytest.mark.parametrize(("cls", "mapping"), [(MBRLConfig, MBRL_FIELDS), (Grid, GRID_FIELDS)])
def test_the_dataclasses_read_their_defaults_from_the_recipe(cls: type, mapping: dict) -> None:
    """Not a copy of the value: the default is ``HEADLINE.<field>``, so a new recipe
    changes it."""
    found = _defaults_named(cls)
    for name, field in mapping.items():
        assert found[field] == f"HEADLINE.{name}", (cls.__name__, field, found[field])


def test_the_demo_follows_a_changed_recipe(monkeypatch) -> None:
    other = VINRecipe(episode_steps=40, obs_size=24, batch_size=8, rollout_max=10, lr_final=2e-5)
    monkeypatch.setattr(recipe, "HEADLINE", other)
    for name, value in _demo_defaults().items():
        assert value == getattr(other, name), name


@pytest.mark.parametrize("augment", ["none", "d4"])
def test_the_loop_and_its_cells_follow_a_changed_augmentation(monkeypatch, augment) -> None:
    """The online loop's augmentation is the recipe's, read when a run is configured, and
    the comparison's ``mbrl`` cells record it; a run or cell that names one keeps it."""
    from vin_gym.experiments.comparison.specs import cell_specs

    monkeypatch.setattr(recipe, "HEADLINE", dataclasses.replace(HEADLINE, augment=augment))
    assert MBRLConfig().identity()["training"] == {"augment": augment}
    assert MBRLConfig(training={"augment": "none"}).train_overrides == {"augment": "none"}
    key = {"env": "Billiards-v0", "env_kwargs": {}}
    (cell,) = cell_specs(Grid(methods=("mbrl",), seeds=(0,)), key)
    assert cell["mbrl"]["training"] == {"augment": augment}
    monkeypatch.setattr(recipe, "HEADLINE", dataclasses.replace(HEADLINE, augment="flip"))
    with pytest.raises(ValueError, match=r"augment must be one of .*'flip'"):
        MBRLConfig()


def _clip_message(steps_name: str, rollout_name: str) -> str:
    with pytest.raises(ValueError) as info:
        check_clip_fits(12, 16, steps_name, rollout_name)
    return str(info.value)


def test_one_clip_check_with_the_same_words_from_each_caller() -> None:
    with pytest.raises(ValueError) as grid:
        Grid(episode_steps=12)
    assert str(grid.value) == _clip_message("episode_steps", "rollout")
    with pytest.raises(ValueError) as mbrl:
        MBRLConfig(episode_steps=12)
    assert str(mbrl.value) == _clip_message("episode_steps", "rollout_max")
    with pytest.raises(ValueError):
        VINRecipe(episode_steps=12)
    check_clip_fits(21, 16)  # 22 frames: exactly one clip of 6 + 16
    with pytest.raises(ValueError, match=">= 21"):
        check_clip_fits(20, 16)


@pytest.mark.parametrize(
    ("argv", "steps_flag", "rollout_flag"),
    [
        (["compare", "--episode-steps", "12", "--no-run"], "--episode-steps", "--rollout"),
        (["mbrl", "--episode-steps", "12"], "--episode-steps", "--rollout-max"),
        (["demo", "--start", "scratch", "--steps", "12"], "--steps", "--rollout"),
    ],
)
def test_the_clip_check_on_the_command_line(
    argv: list[str], steps_flag: str, rollout_flag: str, tmp_path, capsys
) -> None:
    """Exit 2, one line naming the flags, nothing written."""
    out = tmp_path / "out"
    assert main([*argv, "--out", str(out), "--no-progress"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert err.endswith(_clip_message(steps_flag, rollout_flag)), err
    assert not out.exists()


def test_old_vin_cells_match_the_spec_of_what_they_trained_with(tmp_path) -> None:
    """A cell written before the spec recorded ``lr_final`` was trained with 5e-5: it
    matches a grid with ``lr_final=5e-5`` and not the recipe's 1e-4 (redone, not mixed)."""
    from vin_gym.experiments.comparison.runner import load_cell
    from vin_gym.experiments.comparison.specs import cell_specs

    key = {"env": "Billiards-v0", "physics": "0"}
    old = cell_specs(Grid(methods=("vin",), seeds=(0,), data_steps=(600,), lr_final=5e-5), key)
    path = tmp_path / "cell.json"
    cell = {**old[0], "train": {k: v for k, v in old[0]["train"].items() if k != "lr_final"}}
    path.write_text(json.dumps(cell))
    assert load_cell(path, old[0]) is not None
    new = cell_specs(Grid(methods=("vin",), seeds=(0,), data_steps=(600,)), key)
    assert new[0]["train"]["lr_final"] == HEADLINE.lr_final
    assert load_cell(path, new[0]) is None
    path.write_text("[1, 2]")  # not a cell: ignored, not a crash
    assert load_cell(path, old[0]) is None


def test_the_recipe_module_defines_each_value_once() -> None:
    """No other module under vin_gym/ spells the clip check out again."""
    found = []
    for path in sorted((ROOT / "vin_gym").rglob("*.py")):
        if CLIP_SUM.search(path.read_text()) and path.name != "recipe.py":
            found.append(str(path.relative_to(ROOT)))
    assert not found, found
    assert {f.name for f in dataclasses.fields(VINRecipe)} >= set(GRID_FIELDS)
    assert recipe.HEADLINE is HEADLINE
