"""Smoke runs of every script in ``examples/`` on tiny budgets."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

#: script -> tiny-budget arguments (``{tmp}`` is the test's temporary directory).
TINY_ARGS: dict[str, list[str]] = {
    "quickstart.py": [
        "--model", "{tmp}/vin", "--max-steps", "8", "--population", "8", "--horizon", "3",
        "--out", "{tmp}/q.gif",
    ],
    "train_world_model.py": [
        "--episodes", "3", "--steps", "2", "--batch-size", "4", "--out", "{tmp}/wm",
    ],
    "plan_with_vin.py": ["--tiny"],
    "compare_with_sb3.py": ["--tiny", "--out", "{tmp}/sb3"],
    "systems_gallery.py": [
        "--out", "{tmp}/gallery", "--steps", "3", "--size", "32", "--systems", "Billiards-v0",
    ],
}  # fmt: skip


def test_every_example_has_a_smoke_run():
    assert sorted(p.name for p in EXAMPLES.glob("*.py")) == sorted(TINY_ARGS)


def tiny_vin(path: Path) -> Path:
    """An untrained tiny VIN checkpoint (its plans are poor, but the script runs)."""
    from vin_model import VIN, VINConfig, save_checkpoint

    return save_checkpoint(path, VIN(VINConfig(code_size=4, conv_channels=4, hidden=8)), step=1)


@pytest.mark.parametrize("script", sorted(TINY_ARGS))
def test_example_runs(script: str, tmp_path: Path, monkeypatch, capsys) -> None:
    """Run the script as ``python examples/SCRIPT ARGS`` would, in this process."""
    if script == "compare_with_sb3.py":
        pytest.importorskip("stable_baselines3")
    if script == "quickstart.py":
        tiny_vin(tmp_path / "vin")
    args = [a.format(tmp=tmp_path) for a in TINY_ARGS[script]]
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", [str(EXAMPLES / script), *args])
    runpy.run_path(str(EXAMPLES / script), run_name="__main__")
    out = capsys.readouterr().out
    if script == "quickstart.py":
        assert (tmp_path / "q.gif").stat().st_size > 0 and "success:" in out
    if script == "plan_with_vin.py":
        assert "| vin " in out and "| oracle " in out
    if script == "train_world_model.py":
        assert "trained 2 steps" in out and "candidate 0 mean position error" in out
        assert any((tmp_path / "wm" / "run" / "checkpoints").iterdir())
    if script == "compare_with_sb3.py":
        assert "random" in out and "ppo-state" in out
        assert (tmp_path / "sb3" / "ppo_state" / "evaluations.json").is_file()
    if script == "systems_gallery.py":
        assert sorted(p.name for p in (tmp_path / "gallery").iterdir()) == [
            "billiards_3.gif",
            "billiards_6.gif",
        ]


def test_quickstart_with_the_shipped_vin(tmp_path: Path) -> None:
    from vin_model import pretrained

    if not (pretrained.CHECKPOINT / "model.safetensors").is_file():
        pytest.skip("no pretrained VIN shipped in this checkout")
    sys.path.insert(0, str(EXAMPLES))
    try:
        import quickstart
    finally:
        sys.path.remove(str(EXAMPLES))
    out = quickstart.main(
        [
            "--max-steps",
            "8",
            "--population",
            "8",
            "--horizon",
            "3",
            "--out",
            str(tmp_path / "q.gif"),
        ]
    )
    assert out["steps"] <= 8 and (tmp_path / "q.gif").is_file()
