"""Smoke run of examples/train_world_model.py on a tiny budget."""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

EXAMPLE = Path(__file__).parents[2] / "examples" / "train_world_model.py"


def test_train_world_model_example(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("train_world_model", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = module.main(
        ["--episodes", "3", "--steps", "2", "--batch-size", "4", "--out", str(tmp_path)]
    )
    assert out["steps"] == 2 and out["shape"] == (64, 10, 3, 4)
    assert math.isfinite(out["error"])  # a diverged or broken model gives NaN
    assert out["still_error"] > 0  # the pushed cue moved: the comparison means something
