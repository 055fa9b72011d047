"""One comparison, start to end: the grid's cells (finished ones read back, missing ones
run), the SB3 runs beside them, and the report; what ``vin-gym compare`` calls once it has
its settings and holds its directories."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from vin_gym.experiments.comparison.runner import Context, run_cells
from vin_gym.experiments.comparison.specs import Grid, cell_specs


def run_comparison(
    grid: Grid,
    key: dict[str, Any],
    out: Path,
    ctx: Context,
    *,
    sb3_runs: Sequence[Path] | None = None,
    sb3_partial: bool = False,
    workers: int = 1,
    force: bool = False,
    no_run: bool = False,
    record: dict[str, Any] | None = None,
    log: Callable[[str], Any] = print,
) -> dict[str, Any]:
    """Run the comparison ``grid`` on the evaluation episodes ``key`` and write its report
    to ``out`` (``compare.md``, ``compare.json``, ``compare.png``, and ``cells/``).

    Args:
        grid: The cells.
        key: The evaluation episodes (:func:`.specs.eval_key`).
        out: Results directory.
        ctx: Where and how cells run.
        sb3_runs: SB3 run directories or folders of them, read when ``grid.methods``
            holds ``sb3`` (default: :data:`.sb3_runs.DEFAULT_SB3_RUNS` if it exists);
            runs on other physics are left out.
        sb3_partial: Also read SB3 runs that have not finished.
        workers: Worker processes for the missing cells.
        force: Redo cells whose file exists.
        no_run: Run nothing: report the finished cells and list the missing ones.
        record: Provenance stored with the results (default: this machine's).
        log: Where progress lines go.

    Returns:
        The results written to ``out/compare.json``.
    """
    from vin_gym.experiments.comparison.report import write_report
    from vin_gym.experiments.comparison.sb3_runs import (
        DEFAULT_SB3_RUNS,
        find_sb3_runs,
        same_physics,
        sb3_rows,
    )

    if force and no_run:
        raise ValueError("force redoes cells and no_run runs none: pass one of them")
    out = Path(out)
    cells, missing = run_cells(cell_specs(grid, key), out, ctx, workers, force, no_run, log)
    sb3: list[dict[str, Any]] = []
    sb3_commands: list[str] = []
    if "sb3" in grid.methods:
        paths = sb3_runs
        if paths is None:
            paths = [DEFAULT_SB3_RUNS] if DEFAULT_SB3_RUNS.is_dir() else []
        runs, unfinished = find_sb3_runs(list(paths), sb3_partial)
        for path in unfinished:
            log(f"SB3 run {path} has not finished (no summary.json): left out, see --sb3-partial")
        runs = same_physics(runs, key["physics"])
        if runs:
            from vin_gym.baselines.summary import runs_provenance

            sb3 = sb3_rows(runs, key["env"])
            sb3_commands = runs_provenance(runs)["commands"]
        else:
            log("no SB3 runs found: pass --sb3-runs DIR (runs of `vin-gym baseline`)")
    if record is None:
        from vin_gym.provenance import provenance

        record = provenance(physics=key["physics"])
    return write_report(cells, sb3, out, key, record, sb3_commands, missing)
