"""What ``import vin_gym`` gives, and that the examples use only public names."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import vin_gym

EXAMPLES = sorted((Path(__file__).parents[1] / "examples").glob("*.py"))

#: The modules a user imports from; everything else is the project's inside.
PUBLIC = {
    "vin_gym",
    "vin_gym.data",
    "vin_gym.baselines",
    "vin_model",
    "vin_model.pretrained",
    "planners",
}
OURS = ("vin_gym", "vin_model", "planners")


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_examples_import_public_names_only(path):
    tree = ast.parse(path.read_text())
    inside = [
        node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        and node.module
        and node.module.split(".")[0] in OURS
        and node.module not in PUBLIC
    ]
    assert not inside, f"{path.name} imports from {inside}; import from {sorted(PUBLIC)}"


def test_every_exported_name_resolves():
    for name in vin_gym.__all__:
        assert getattr(vin_gym, name) is not None, name
    assert vin_gym.TEST_SEED_BASE > vin_gym.DEV_SEED_BASE
    assert "run_episode" in dir(vin_gym)
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        vin_gym.nope  # noqa: B018


def test_import_vin_gym_does_not_load_torch():
    # The environments-only install has no torch: the package must import without it.
    code = "import sys, vin_gym; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
