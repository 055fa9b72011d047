"""How faithfully each way of capturing a simulator's state continues: seconds on a CPU.

    python benchmarks/state_capture.py [--captures 400] [--quick] [--json PATH]

Each capture is taken mid-game, as in ``tests/envs/test_physics.py``: three unit discs placed
apart with speeds up to 6 units/s on the default table (``SimParams()``: no damping), then
1 to 29 random pushes of up to 2 units/s on the cue, each followed by a step. From there
the original and a captured copy take the same 20 random pushes and steps, and the
benchmark counts the captures whose 20 states differ from the original's at all, and the
largest and median (over the captures that differ) difference of an object's position
(table units):

* ``space.copy()``: pymunk's own copy of the space (it drops the contact solver's cached
  impulses);
* ``set_state(get_state())``: the plain-array state, rebuilt in a fresh space (no cached
  impulses either, by design);
* ``snapshot()`` / ``restore()``: the replay recipe, which must never differ.

Every simulator steps through pymunk's public API (``vin_gym.physics.RAW_STEP`` off, bit
for bit the same arithmetic as the compiled path), since a copied space is only reachable
through it.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path
from typing import Any

import numpy as np

import vin_gym.physics as physics
from vin_gym.envs.base import place_without_overlap
from vin_gym.physics import SceneState, Simulator
from vin_gym.provenance import load_average, machine_info
from vin_gym.utils import format_table, write_json

METHODS = ("space.copy()", "set_state(get_state())", "snapshot()/restore()")
CONTINUATION = 20


def mid_game(rng: np.random.Generator) -> Simulator:
    """Three unit discs moving up to 6 units/s, after 1 to 29 random pushes and steps."""
    radii = np.ones(3)
    state = SceneState(
        place_without_overlap(rng, radii, 10.0), rng.uniform(-6, 6, (3, 2)), np.ones(3), radii
    )
    sim = Simulator(state)
    for _ in range(int(rng.integers(1, 30))):
        sim.push(0, rng.uniform(-2, 2, 2))
        sim.step()
    return sim


def captured(sim: Simulator, method: str) -> Simulator:
    """A simulator that continues from ``sim``'s present by ``method``."""
    twin = Simulator(sim.get_state(), sim.params, sim.force_law)
    if method == "space.copy()":
        twin.space = sim.space.copy()
        twin.bodies = list(twin.space.bodies)  # in the order they were added
        twin._handles = None  # the public path; the copy has no compiled handles
        if not np.array_equal(twin.object_states(), sim.object_states()):
            raise RuntimeError("the copied space's bodies are not in the original's order")
    elif method == "snapshot()/restore()":
        twin.restore(sim.snapshot())
    return twin


def run(rng: np.random.Generator) -> dict[str, float]:
    """The largest position difference of each method's continuation from the original's."""
    sim = mid_game(rng)
    twins = {method: captured(sim, method) for method in METHODS}
    pushes = rng.uniform(-2, 2, (CONTINUATION, 2))

    def go(s: Simulator) -> np.ndarray:  # (T, N, 4)
        return np.stack([(s.push(0, p), s.step())[1] for p in pushes])

    reference = go(sim)
    return {m: float(np.abs(go(t) - reference)[..., :2].max()) for m, t in twins.items()}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--captures", type=int, default=400, help="mid-game captures")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--quick", action="store_true", help="40 captures")
    p.add_argument("--json", type=Path, default=Path("benchmarks/results/state_capture.json"))
    args = p.parse_args()
    if args.captures < 1:
        p.error(f"--captures must be a positive integer, got {args.captures}")
    captures = 40 if args.quick else args.captures
    load_start = load_average()
    physics.RAW_STEP = False
    rng = np.random.default_rng(args.seed)
    worst = [run(rng) for _ in range(captures)]
    rows: list[dict[str, Any]] = []
    for method in METHODS:
        diffs = np.array([w[method] for w in worst])
        rows.append(
            {
                "method": method,
                "captures": captures,
                "differ": int((diffs > 0).sum()),
                "differ_fraction": float((diffs > 0).mean()),
                "max_position_difference": float(diffs.max()),
                "median_position_difference_when_differ": float(np.median(diffs[diffs > 0]))
                if (diffs > 0).any()
                else 0.0,
            }
        )
    print(format_table(rows))
    write_json(
        args.json,
        {
            "benchmark": "state_capture",
            "command": shlex.join(["python", "benchmarks/state_capture.py", *sys.argv[1:]]),
            "quick": args.quick,
            "seed": args.seed,
            "continuation_steps": CONTINUATION,
            "machine": machine_info(load_start=load_start),
            "rows": rows,
        },
    )
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
