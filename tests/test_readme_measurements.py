"""Measurements in the README other than success rates, each written from its committed JSON.

Every entry below reads a figure from a JSON under ``benchmarks/results/`` or ``docs/``,
formats it the way the README writes it, and requires that text in the README (or the
Markdown file named), line breaks and bold aside. A re-measured JSON whose figure changes fails
here until the README says the new figure; a figure edited by hand fails too.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _text(relative: str) -> str:
    """``relative``'s text with line breaks, bold and shell continuations taken out."""
    text = (ROOT / relative).read_text().replace("**", "").replace("\\\n", " ")
    return " ".join(text.split())


@cache
def load(relative: str) -> dict:
    return json.loads((ROOT / relative).read_text())


def thousands(value: float, step: int = 100) -> str:
    """``35671`` -> ``"35,700"`` (rounded to ``step``)."""
    return f"{round(value / step) * step:,}"


def _env_throughput() -> str:
    rows = {
        r["setting"]: r["steps/s"] for r in load("benchmarks/results/env_throughput.json")["rows"]
    }
    return " / ".join(thousands(rows[k]) for k in ("64 px pixels", "32 px pixels", "state only"))


def _systems_relative() -> str:
    rows = load("benchmarks/results/systems_throughput.json")["rows"]
    ratios = [r["x Billiards"] for r in rows if r["env"] != "Billiards-v0"]
    return f"relative to `Billiards-v0` (3 and 6 objects) | {min(ratios):.2f} to {max(ratios):.2f}"


def _throughput_loads() -> str:
    machines = [
        load(f"benchmarks/results/{name}_throughput.json")["machine"]
        for name in ("env", "systems", "train")
    ]
    starts = [m["load_start"][0] for m in machines]
    ends = [m["load_end"][0] for m in machines]
    return (
        f"load average at its start and end, {min(starts):.1f} to {max(starts):.1f} "
        f"and {min(ends):.1f} to {max(ends):.1f} here"
    )


def _train_throughput() -> str:
    rows = load("benchmarks/results/train_throughput.json")["rows"]
    by_threads = {r["threads"]: r["steps/s"] for r in rows}
    return f"{by_threads[1]:.1f} / {by_threads[2]:.1f} steps/s"


def _planning(field: str, fmt: str) -> Callable[[], str]:
    def figure() -> str:
        one, two = (
            load(f"benchmarks/results/planning_headline_threads{t}.json")["cem_target"][field]
            for t in (1, 2)
        )
        return fmt.format(one, two)

    return figure


def _planning_work() -> str:
    target = load("benchmarks/results/planning_headline_threads1.json")["cem_target"]
    return (
        f"({target['samples']} rollouts of {target['horizon']} steps, "
        f"{target['gflop_per_decision']:.1f} GFLOP"
    )


def _state_capture(method: str, text: str) -> Callable[[], str]:
    def figure() -> str:
        rows = {r["method"]: r for r in load("benchmarks/results/state_capture.json")["rows"]}
        return text.format(**rows[method])

    return figure


def _task_difficulty_minutes() -> str:
    record = load("benchmarks/results/task_difficulty.json")
    work = sum(r["wall_s"] for r in record["results"])
    return (
        f"({record['wall_s'] / 60:.0f} minutes on this 2-core CPU, shared with other jobs; its "
        f"units, {record['config']['jobs']} processes side by side, took {work / 60:.0f} minutes"
    )


def _demo_minutes() -> str:
    return f"the demo took {load('docs/demo_summary.json')['timings']['total_s'] / 60:.1f} minutes"


def _demo_caption() -> tuple[str, ...]:
    d = load("docs/demo_summary.json")
    n = d["episodes"]

    def plans(name: str) -> str:
        run = load(f"docs/results/demo/{name}.json")
        return f"{round(run['success_rate'] * run['episodes'])} of {run['episodes']}"

    return (
        f"fine-tuned online for {d['train']['step']:,} training steps on "
        f"{d['data']['env_steps']:,} new environment steps",
        f"in {round(d['success_rate'] * n)} of {n} episodes;",
        f"the same {n} episodes in {round(d['random_success_rate'] * n)}.",
        f"the shipped VIN plans {plans('shipped_dev40')} development",
        f"the demo's fine-tuned one {plans('finetuned_dev40')} (`docs/results/demo/`).",
    )


def _mbrl_minutes() -> str:
    seconds = load("docs/results/world_model/mbrl/mbrl_cue.json")["seconds"]
    return f"The run took {seconds / 60:.1f} minutes"


def _r96k_minutes() -> str:
    minutes = load("docs/results/world_model/runs/r96k_24k.json")["minutes"]
    return f"24,000 training steps ({minutes:.1f} minutes"


def _plan_row(name: str) -> Callable[[], str]:
    """A row's tail in the world-model page's planner table, from ``vin-gym plan --json``."""

    def figure() -> str:
        d = load(f"docs/results/world_model/runs/{name}.json")
        n = d["episodes"]
        k = round(d["success_rate"] * n)
        return (
            f"| {d['horizon']} | {k}/{n} | [{d['ci_low']:.2f}, {d['ci_high']:.2f}] | "
            f"{d['mean_return']:.1f} | {d['ms_per_decision']:.0f} |"
        )

    return figure


#: The world-model page's closed-loop table: each run's two JSONs (seeds 1000 and 1020).
CLOSED_LOOP = {
    "oracle-CEM (true simulator)": ("cl_oracle_1000", "cl_oracle_1020"),
    "`all_12k`": ("cl_all_12k", "cl2_all_12k"),
    "`all_12k_s1`": ("cl_s1000_all_12k_s1", "cl_s1020_all_12k_s1"),
    "`cue_12k`": ("cl_cue_12k", "cl2_cue_12k"),
    "`cue_12k_s1`": ("cl_s1000_cue_12k_s1", "cl_s1020_cue_12k_s1"),
    "`cue_12k_full`": ("cl_cue_12k_full", "cl2_cue_12k_full"),
    "`all_24k`": ("cl_s1000_all_24k", "cl_s1020_all_24k"),
    "`cue_24k`": ("cl_s1000_cue_24k", "cl_s1020_cue_24k"),
}


def _closed_loop_row(label: str) -> Callable[[], tuple[str, str]]:
    """Successes per run, both, the Wilson interval, share of the oracle; ms per run."""

    def figure() -> tuple[str, str]:
        from vin_gym.stats import wilson_interval

        runs = [
            load(f"docs/results/world_model/runs/{name}.json")["results"][0]
            for name in CLOSED_LOOP[label]
        ]
        k, n = sum(r["successes"] for r in runs), sum(r["episodes"] for r in runs)
        low, high = wilson_interval(k, n)
        per_run = " | ".join(f"{r['successes']}/{r['episodes']}" for r in runs)
        ms = ", ".join(f"{r['ms_per_decision']:.0f}" for r in runs)
        share = math.floor(100 * k / n + 0.5)  # of the oracle's 40/40, rounded half up
        return f"| {label} | {per_run} | {k}/{n} | [{low:.2f}, {high:.2f}] | {share}% |", ms

    return figure


PREDICTION_STEPS = ("step 1", "step 2", "step 4", "step 8", "mean 1-8", "step 50", "step 100")
PREDICTION_ROWS = {
    "VIN": "VIN",
    "constant_position": "constant position",
    "constant_velocity": "constant velocity (true last velocity)",
}


def significant(value: float) -> str:
    """Three significant digits, trailing zeros kept: ``5.399`` -> ``"5.40"``."""
    return f"{value:#.3g}".rstrip(".")


def _mse_rows() -> dict[str, dict]:
    table = load("benchmarks/results/prediction.json")["table"]
    return {r["model"]: r for r in table if r["metric"] == "mse"}


def _prediction_row(model: str) -> Callable[[], str]:
    def figure() -> str:
        row = _mse_rows()[model]
        cells = " | ".join(significant(row[k]) for k in PREDICTION_STEPS)
        return f"| {PREDICTION_ROWS[model]} | {cells} |"

    return figure


def _prediction_run() -> tuple[str, ...]:
    d = load("benchmarks/results/prediction.json")
    machine = d["machine"]
    return (
        f"on {d['clips']:,} clips spread over",
        f"after {d['steps']:,} training steps",
        f"Training took {d['training']['VIN']['minutes']:.1f} minutes",
        f"(load average {machine['load_start'][0]:.1f} at the start, "
        f"{machine['load_end'][0]:.1f} at the end)",
        d["command"],
    )


def _prediction_ratios() -> str:
    rows = _mse_rows()
    ours = rows["VIN"]["mean 1-8"]
    return (
        f"mean error is {rows['constant_position']['mean 1-8'] / ours:.0f} times lower than "
        f"constant position's and {rows['constant_velocity']['mean 1-8'] / ours:.0f} times"
    )


def _closed_loop_load() -> tuple[str, str]:
    """The closed-loop table's ms range and end loads; the end loads of every run on the page."""
    folder = ROOT / "docs/results/world_model/runs"
    runs = [folder / f"{name}.json" for pair in CLOSED_LOOP.values() for name in pair]
    every_run = sorted(folder.glob("cl*.json")) + sorted(folder.glob("rank_*.json"))
    records = {p: json.loads(p.read_text()) for p in every_run}
    ms = [records[p]["results"][0]["ms_per_decision"] for p in runs]
    cl = [records[p]["machine"]["load_average"][0] for p in runs]
    every = [r["machine"]["load_average"][0] for r in records.values()]
    return (
        f"{min(ms):.0f} to {max(ms):.0f} ms per run, while the load average each JSON records "
        f"at its end ranged from {min(cl):.1f} to {max(cl):.1f}",
        f"at their end ({min(every):.1f} to {max(every):.1f})",
    )


README = "README.md"
WORLD_MODEL = "docs/results/world_model/README.md"
#: (file, what, the figure as that file writes it).
FIGURES: list[tuple[str, str, Callable[[], str | tuple[str, ...]]]] = [
    (README, "env steps/s", _env_throughput),
    (README, "systems relative", _systems_relative),
    (README, "training steps/s", _train_throughput),
    (README, "throughput loads", _throughput_loads),
    (
        README,
        "decision ms",
        _planning("ms_per_decision", "{:.0f} ms with one torch thread, {:.0f} ms"),
    ),
    (README, "model share", _planning("model_share_pct", "{:.0f}% and {:.0f}% of it")),
    (README, "rollouts and GFLOP", _planning_work),
    (README, "GFLOP/s", _planning("model_gflop_per_s", "{:.0f} and {:.0f} GFLOP/s")),
    (README, "copies", _state_capture("space.copy()", "{differ} of {captures} copies")),
    (README, "arrays", _state_capture("set_state(get_state())", "in {differ} of the {captures}")),
    (
        README,
        "arrays, largest",
        _state_capture("set_state(get_state())", "by up to {max_position_difference:.1f} units"),
    ),
    (README, "task difficulty time", _task_difficulty_minutes),
    (README, "demo time", _demo_minutes),
    (README, "demo caption", _demo_caption),
    *[(README, f"prediction {m}", _prediction_row(m)) for m in PREDICTION_ROWS],
    (README, "prediction run", _prediction_run),
    (README, "prediction ratios", _prediction_ratios),
    ("vin_model/pretrained/README.md", "mbrl run time", _mbrl_minutes),
    (WORLD_MODEL, "r96k training time", _r96k_minutes),
    *[(WORLD_MODEL, name, _plan_row(name)) for name in ("pv_cem_h15", "pv_cem_h25", "pv_cem_h35")],
    (WORLD_MODEL, "pv_icem_h25", _plan_row("pv_icem_h25")),
    *[(WORLD_MODEL, label, _closed_loop_row(label)) for label in CLOSED_LOOP],
    (WORLD_MODEL, "closed-loop load", _closed_loop_load),
]


def test_the_formats_round_like_the_readme():
    assert thousands(35_671) == "35,700" and thousands(55_942) == "55,900"
    assert thousands(41_315) == "41,300"
    assert [significant(v) for v in (0.006913, 5.399, 109.2, 425.0, 0.7699)] == [
        "0.00691",
        "5.40",
        "109",
        "425",
        "0.770",
    ]


@pytest.mark.parametrize(("path", "what", "figure"), FIGURES, ids=[f[1] for f in FIGURES])
def test_the_measurement_is_written_from_its_json(path, what, figure):
    text = _text(path)
    expected = figure()
    for part in expected if isinstance(expected, tuple) else (expected,):
        assert part in text, f"{path} should say {part!r} ({what}, from its JSON)"


def test_the_systems_prediction_tables_are_the_benchmarks():
    """Every table of the VIN on the paper's systems is the one its JSON gives, in place."""
    from benchmark_scripts import load_benchmark

    module = load_benchmark("prediction_tables")
    readme = (ROOT / "README.md").read_text()
    found = module.tables(ROOT)
    assert {"targets", "hidden", "mass", "plausibility"} <= set(found)
    for name, table in found.items():
        span = module.marked(readme, name)
        assert span is not None, f"README.md has no place for the {name} table"
        assert readme[span[0] : span[1]].strip() == table.strip(), f"the {name} table is stale"


def test_the_shipped_springs_figures_are_its_json():
    data = json.loads((ROOT / "benchmarks/results/prediction_shipped_springs.json").read_text())
    assert data["config"]["train"]["checkpoint"] == "pretrained:Springs-v0"
    assert data["config"]["test_seeds"] == [101_000, 101_099]
    s = data["systems"]["Springs-v0"]["summary"]
    readme = " ".join((ROOT / "README.md").read_text().split())
    figures = (
        f"at {s['vin']['step 50']:.3g} at step 50 against a bound of "
        f"{s['simulator_bound']['step 50']:.3g}",
        f"at {s['vin']['step 100']:.3g} at step 100 against constant position's "
        f"{s['constant_position']['step 100']:.3g}",
        f"at {s['vin']['mean 1-8']:.3g} over steps 1 to 8",
    )
    for figure in figures:
        assert figure in readme, figure


def _bench_module(name: str):
    import sys

    from benchmark_scripts import load_benchmark

    sys.path.insert(0, str(ROOT / "benchmarks"))  # task_design imports task_difficulty
    try:
        return load_benchmark(name)
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))


def test_the_task_suite_tables_are_the_benchmarks():
    from vin_gym.utils import format_table

    readme = (ROOT / "README.md").read_text()
    difficulty = _bench_module("task_difficulty")
    results = load("benchmarks/results/task_difficulty.json")["results"]
    assert format_table(difficulty.table_rows(results)) in readme
    design = _bench_module("task_design")
    rows = load("benchmarks/results/task_design.json")["rows"]
    assert format_table(rows, design.TABLE_COLUMNS) in readme


def test_the_long_rollout_figures_are_their_json():
    readme = " ".join((ROOT / "README.md").read_text().split())
    springs = json.loads(
        (ROOT / "benchmarks/results/prediction_divergence_springs.json").read_text()
    )
    assert springs["config"]["dev_seeds"] == [1000, 1099]  # development episodes
    off = {
        k: v["outside_table"] for k, v in springs["systems"]["Springs-v0"]["plausibility"].items()
    }
    assert f"almost no object ({100 * off['step 200']:.1f}%)" in readme
    figures = [f"{100 * off[f'step {t}']:.0f}% {w}" for t, w in ((260, "at 260"), (300, "at 300"))]
    figures.append(f"({100 * off['step 240']:.0f}% outside at step 240")
    systems = json.loads((ROOT / "benchmarks/results/prediction_systems.json").read_text())
    energy = systems["systems"]["Billiards-v0"]["plausibility"]["step 100"]["kinetic_energy_ratio"]
    figures.append(f"{energy:.2f} of it on billiards")
    for figure in figures:
        assert figure in readme, figure


EFFICIENCY = "docs/results/efficiency/README.md"
#: Seeds of lever 4 (symmetry augmentation with levers 1 and 2) with finished cells.
D4_SEEDS = (0, 1, 2)


def _cells(pattern: str, seeds=(0, 1, 2)) -> list[Path]:
    return [ROOT / pattern.format(seed=s) for s in seeds]


def test_the_paired_figures_are_the_cells():
    """Gained, lost, McNemar p and solver counts, as ``benchmarks/paired.py`` gives them."""
    paired = _bench_module("paired")
    baseline = _cells("docs/results/cells/mbrl-icem_d10000_s{seed}.json")
    lever1 = paired.compare(
        baseline, _cells("docs/results/efficiency/icem_collect/cells/mbrl-icem_d10000_s{seed}.json")
    )
    pooled, seeds = lever1["pooled"], ", ".join(f"{p['p']:.2f}" for p in lever1["pairs"])
    ensemble = paired.compare(
        baseline[:1], [ROOT / "docs/results/efficiency/ensemble/cells/mbrl-icem_d10000_s0.json"]
    )["pooled"]
    two = _cells("docs/results/efficiency/train_steps/cells/mbrl-icem_d10000_s{seed}.json", (0, 1))
    lever2 = paired.compare(baseline[:2], two)
    lever2_seeds = ", ".join(f"{p['p']:.2f}" for p in lever2["pairs"])
    one = _cells("docs/results/efficiency/icem_collect/cells/mbrl-icem_d10000_s{seed}.json", (0, 1))
    lever2_vs_1 = paired.compare(one, two)["pooled"]
    both = _cells("docs/results/efficiency/combined/cells/mbrl-icem_d10000_s{seed}.json", (0, 1))
    combined = paired.compare(baseline[:2], both)
    combined_seeds = ", ".join(f"{p['p']:.2f}" for p in combined["pairs"])
    c1, c2 = (paired.compare(alone, both)["pooled"] for alone in (one, two))
    efficiency = _text(EFFICIENCY)
    for figure in (
        f"against the baseline {combined['pooled']['gained']} episodes gained, "
        f"{combined['pooled']['lost']} lost (exact McNemar p = {combined['pooled']['p']:.2f}; "
        f"seed by seed p = {combined_seeds})",
        f"(lever 1: {c1['gained']} gained, {c1['lost']} lost, p = {c1['p']:.2f}; lever 2: "
        f"{c2['gained']} gained, {c2['lost']} lost, p = {c2['p']:.2f})",
        f"{pooled['gained']} gained against {pooled['lost']} lost (exact McNemar p = "
        f"{pooled['p']:.2f}; seed by seed p = {seeds})",
        f"{lever2['pooled']['gained']} episodes gained against {lever2['pooled']['lost']} lost "
        f"over the 100 pairs (exact McNemar p = {lever2['pooled']['p']:.2f}; seed by seed p = "
        f"{lever2_seeds})",
        f"{lever2_vs_1['gained']} gained, {lever2_vs_1['lost']} lost (p = {lever2_vs_1['p']:.2f})",
        f"gains {ensemble['gained']} episodes and loses {ensemble['lost']} (exact McNemar p = "
        f"{ensemble['p']:.2f})",
    ):
        assert figure in efficiency, f"{EFFICIENCY} should say {figure!r}"
    d4 = _cells("docs/results/efficiency/d4_combined/cells/mbrl-icem_d10000_s{seed}.json", D4_SEEDS)
    d4_vs_both = paired.compare(both, d4[:2])  # levers 1 and 2 have seeds 0 and 1
    d4_vs_base = paired.compare(baseline, d4)["pooled"]
    d4_vs_one = paired.compare(
        _cells("docs/results/efficiency/icem_collect/cells/mbrl-icem_d10000_s{seed}.json"), d4
    )["pooled"]
    by_seed = " and ".join(f"{p['gained']} / {p['lost']}" for p in d4_vs_both["pairs"])
    assert max(d4_vs_both["pooled"]["p"], d4_vs_base["p"], d4_vs_one["p"]) < 0.001
    figure = (
        f"gain {d4_vs_both['pooled']['gained']} episodes and lose {d4_vs_both['pooled']['lost']}"
        f" (exact McNemar p < 0.001; seed by seed {by_seed}); against the baseline on all "
        f"three seeds, {d4_vs_base['gained']} gained and {d4_vs_base['lost']} lost; against "
        f"lever 1 alone, {d4_vs_one['gained']} gained and {d4_vs_one['lost']} lost."
    )
    assert figure in " ".join(efficiency.split()), figure
    alone = [ROOT / "docs/results/efficiency/d4/cells/mbrl-icem_d10000_s0.json"]
    alone_vs_base = paired.compare(baseline[:1], alone)["pooled"]
    alone_vs_d4 = paired.compare(alone, d4[:1])["pooled"]
    assert alone_vs_base["p"] < 0.001
    figure = (
        f"It gains {alone_vs_base['gained']} episodes and loses none against the baseline "
        f"(exact McNemar p < 0.001), and plans as the recipe with levers 1 and 2 does on the "
        f"same seed ({alone_vs_d4['b']} of 50 with them: against lever 4 alone they gain "
        f"{alone_vs_d4['gained']} episodes and lose {alone_vs_d4['lost']})"
    )
    assert alone_vs_base["lost"] == 0 and figure in " ".join(efficiency.split()), figure
    test = paired.compare(
        _cells("docs/results/test/icem/cells/mbrl-icem_d10000_s{seed}.json"),
        _cells("docs/results/efficiency/d4_combined/test/cells/mbrl-icem_d10000_s{seed}.json"),
    )["pooled"]
    base_rate = test["a"] / test["episodes"]
    assert f"against {base_rate:.2f} for the baseline runs of the same seeds" in " ".join(
        efficiency.split()
    )
    assert f"({test['gained']} episodes gained, {test['lost']} lost)" in efficiency
    readme = " ".join(_text(README).split())
    figure = (
        f"against {base_rate:.2f} for the baseline runs of the same seeds ({test['gained']} "
        f"gained, {test['lost']} lost)"
    )
    assert figure in readme, figure
    wins = [str(p["b"]) for p in combined["pairs"]]
    rate = sum(p["b"] for p in combined["pairs"]) / sum(p["episodes"] for p in combined["pairs"])
    fewer_steps = (
        f"seeds 0 and 1 (p = {lever2['pooled']['p']:.2f}); both together {' and '.join(wins)}, "
        f"{rate:.2f} (p = {combined['pooled']['p']:.2f})"
    )
    assert fewer_steps in _text(README), fewer_steps

    def solved_by(task: str) -> list[int]:
        runs = _cells(f"docs/results/tasks/plan_{task}_s{{seed}}_test.json")
        return paired.count_solvers(runs)["solved_by"]

    springs, magnetic = solved_by("SpringsTask-v0"), solved_by("MagneticBilliardsTask-v0")
    six = solved_by("Billiards-v0-6")
    readme = _text(README)
    for figure in (
        f"{springs[0]} of the 50 test episodes defeat all three VINs",
        f"only {magnetic[0]} episodes defeat all three VINs, while {magnetic[1] + magnetic[2]} "
        "are solved by one or two",
        f"few episodes defeat every VIN ({six[0]} of 50) and many are solved by one or two of "
        f"the three ({six[1] + six[2]})",
    ):
        assert figure in readme, f"README.md should say {figure!r}"


def test_the_springs_variant_figures_are_its_files():
    """The README's reading of the recipe variant on ``SpringsTask-v0``: successes seed by
    seed, the pairs' p-values and the seed phases, from the committed files."""
    paired = _bench_module("paired")
    tasks = "docs/results/tasks"
    headline = _cells(f"{tasks}/plan_SpringsTask-v0_s{{seed}}_test.json")
    variant = _cells(f"{tasks}/icem_collect/plan_SpringsTask-v0_s{{seed}}_test.json")
    result = paired.compare(headline, variant)
    pooled = result["pooled"]
    wins = [", ".join(str(p[k]) for p in result["pairs"][:2]) for k in ("b", "a")]
    last = [str(result["pairs"][2][k]) for k in ("b", "a")]
    seed_p = ", ".join(f"{p['p']:.2f}" for p in result["pairs"])

    def seed_mse(relative: str) -> str:
        return f"{_loop(relative)[0]['val_pos_mse']:.4f}"

    mse = {
        s: (
            seed_mse(f"{tasks}/icem_collect/mbrl_SpringsTask-v0_s{s}.json"),
            seed_mse(f"{tasks}/mbrl_SpringsTask-v0_s{s}.json"),
        )
        for s in (0, 1, 2)
    }
    assert mse[2][0] == mse[2][1] and mse[0][0] != mse[0][1] and mse[1][0] != mse[1][1]
    dev = paired.compare(
        _cells(f"{tasks}/dev/plan_SpringsTask-v0_s{{seed}}_dev.json", (0, 2)),
        _cells(f"{tasks}/icem_collect/dev/plan_SpringsTask-v0_s{{seed}}_dev.json", (0, 2)),
    )
    b, a = (" and ".join(str(p[k]) for p in dev["pairs"]) for k in ("b", "a"))
    d = dev["pooled"]
    readme = _text(README)
    for figure in (
        f"the variant plans {wins[0]} and {last[0]} of the 50 test episodes, the headline runs "
        f"{wins[1]} and {last[1]}: {pooled['b'] / pooled['episodes']:.2f}",
        f"{pooled['gained']} episodes gained against {pooled['lost']} lost over the "
        f"{pooled['episodes']} pairs (exact McNemar p = {pooled['p']:.2f}; seed by seed p = "
        f"{seed_p})",
        f"(validation position MSE {mse[0][0]} against {mse[0][1]}, {mse[1][0]} against "
        f"{mse[1][1]})",
        f"the variant's seeds 0 and 2 plan {b} of 50, the headline's {a} ({d['gained']} "
        f"gained, {d['lost']} lost, p = {d['p']:.2f})",
    ):
        assert figure in readme, f"README.md should say {figure!r}"


#: Seeds of the symmetry-augmentation variant run on each task (``docs/results/tasks/d4``).
D4_TASK_SEEDS = {
    "MagneticBilliardsTask-v0": (0, 1, 2),
    "SpringsTask-v0": (0, 1, 2),
    "Billiards-v0-6": (0,),
    "VariableMassBilliardsTask-v0": (0, 1, 2),
    "GravityTask-v0": (0,),
}
#: How the README names a task whose file name is not its id.
D4_TASK_NAMES = {"Billiards-v0-6": "`Billiards-v0` with 6 objects"}


def test_the_augmentation_variant_figures_are_its_files():
    """The README's reading of ``--training augment=d4`` on the tasks: successes seed by
    seed against the headline runs of the same seeds, the pooled pairs and the seed phases'
    validation errors, from the committed files."""
    from vin_gym.stats import format_p

    paired = _bench_module("paired")
    tasks = "docs/results/tasks"
    readme = _text(README)
    for task, seeds in D4_TASK_SEEDS.items():
        ours, theirs, pooled = _d4_against_headline(paired, task, seeds, "test")
        mse = {
            kind: _and(
                [
                    f"{_loop(f'{tasks}/{kind}mbrl_{task}_s{s}.json')[0]['val_pos_mse']:.3f}"
                    for s in seeds
                ]
            )
            for kind in ("d4/", "")
        }
        name = D4_TASK_NAMES.get(task, f"`{task}`")
        runs = "runs" if len(seeds) > 1 else "run"
        for figure in (
            f"On {name} the variant plans {ours} of the 50 test episodes, the headline {runs} "
            f"{theirs}: {pooled['gained']} gained, {pooled['lost']} lost over the "
            f"{pooled['episodes']} pairs (exact McNemar {format_p(pooled['p'])})",
            f"validation position MSE {mse['d4/']} after the seed phase against {mse['']}",
        ):
            assert figure in readme, f"README.md should say {figure!r}"


def test_the_augmentation_on_billiards_is_its_cells():
    """The README's reading of ``augment=d4`` at 31,200 steps on ``Billiards-v0``: the
    development check's pooled pairs, and the test episodes seed by seed against the
    headline cells, with the share of the oracle, from the comparisons' cells."""
    from vin_gym.stats import format_p, success_summary

    paired = _bench_module("paired")
    suite = _bench_module("task_suite")
    readme = _text(README)
    dev = paired.compare(
        _cells("docs/results/cells/mbrl-icem_d31200_s{seed}.json"),
        _cells("docs/results/d4/cells/mbrl-icem_d31200_s{seed}.json"),
    )["pooled"]
    augmented = _cells("docs/results/test/d4/cells/mbrl-icem_d31200_s{seed}.json")
    test = paired.compare(
        _cells("docs/results/test/icem/cells/mbrl-icem_d31200_s{seed}.json"), augmented
    )
    ours, theirs = (_and([str(p[k]) for p in test["pairs"]]) for k in ("b", "a"))
    row = next(r for r in suite.measure() if r["task"] == "Billiards-v0")
    oracle, headline = row["oracle"]["success_rate"], row["vin_mpc"]["success_rate"]
    mine = success_summary([suite.outcomes_of(json.loads(p.read_text())) for p in augmented])
    pooled = test["pooled"]
    for figure in (
        f"They plan {dev['b']} of 150 ({dev['gained']} gained, {dev['lost']} lost, "
        f"{format_p(dev['p'])};",
        "must plan at least as many episodes as the headline cells of the same seeds "
        f"({dev['a']} of 150)",
        f"the same runs plan {ours} of 50, the headline runs {theirs}: "
        f"{mine['success_rate']:.2f} [{mine['ci_low']:.2f}, {mine['ci_high']:.2f}], "
        f"{mine['success_rate'] / oracle:.0%} of the oracle against {headline / oracle:.0%}, "
        f"{pooled['gained']} gained, {pooled['lost']} lost over the {pooled['episodes']} "
        f"pairs (exact McNemar {format_p(pooled['p'])}",
    ):
        assert figure in readme, f"README.md should say {figure!r}"


#: Seeds whose headline and augmented VINs planned each task's development episodes.
D4_DEV_SEEDS = {
    "SpringsTask-v0": (0, 2),
    "MagneticBilliardsTask-v0": (0, 2),
    "Billiards-v0-6": (0,),
}


def test_the_augmentation_development_figures_are_its_files():
    """The README's development-episode check of ``augment=d4`` at 31,200 steps: each task's
    successes seed by seed against the headline VINs of the same seeds, and the pairs."""
    from vin_gym.stats import format_p

    paired = _bench_module("paired")
    readme = _text(README)
    for task, seeds in D4_DEV_SEEDS.items():
        ours, theirs, pooled = _d4_against_headline(paired, task, seeds, "dev")
        name = D4_TASK_NAMES.get(task, f"`{task}`")
        figure = (
            f"{ours} of 50 on {name}, the headline's {theirs} ({pooled['gained']} gained, "
            f"{pooled['lost']} lost, {format_p(pooled['p'])})"
        )
        assert figure in readme, f"README.md should say {figure!r}"


def test_the_recipes_development_check_is_its_cells():
    """``docs/results/README.md``'s check of ``augment=d4`` at 31,200 steps on
    ``Billiards-v0``'s development episodes: each seed's successes and pairs against the
    headline cells, the pooled figure, and the rule's bar (the headline's total)."""
    from vin_gym.stats import format_p

    paired = _bench_module("paired")
    text = _text("docs/results/README.md")
    headline = _cells("docs/results/cells/mbrl-icem_d31200_s{seed}.json")
    augmented = _cells("docs/results/d4/cells/mbrl-icem_d31200_s{seed}.json")
    result = paired.compare(headline, augmented)
    for seed, pair in zip((0, 1, 2), result["pairs"], strict=True):
        row = f"| {seed} | {pair['a']} of 50 | {pair['b']} of 50 | "
        row += f"{pair['gained']} | {pair['lost']} |"
        assert row in text, f"docs/results/README.md should have the row {row!r}"
    pooled = result["pooled"]
    a = " + ".join(str(p["a"]) for p in result["pairs"])
    for figure in (
        f"{a} = {pooled['a']} of 150",
        f"| all | {pooled['a']} of 150, {pooled['a'] / 150:.2f} | {pooled['b']} of 150, ",
        f"plan {pooled['b']} of 150 against {pooled['a']} (exact McNemar {format_p(pooled['p'])}",
    ):
        assert figure in text, f"docs/results/README.md should say {figure!r}"
    met = pooled["b"] >= pooled["a"]
    assert ("the rule is met" in text) == met


def _d4_against_headline(paired, task: str, seeds, episodes: str) -> tuple[str, str, dict]:
    """The augmented and the headline VINs' successes on ``episodes`` ("test" or "dev"),
    seed by seed as "a, b and c", and ``benchmarks/paired.py``'s pooled pairs."""
    folder = "docs/results/tasks/" + ("" if episodes == "test" else f"{episodes}/")
    name = f"plan_{task}_s{{seed}}_{episodes}.json"
    headline = _cells(folder + name, seeds)
    variant = _cells(folder.replace("tasks/", "tasks/d4/") + name, seeds)
    result = paired.compare(headline, variant)
    ours, theirs = (_and([str(p[k]) for p in result["pairs"]]) for k in ("b", "a"))
    return ours, theirs, result["pooled"]


def _and(items: list[str]) -> str:
    """``["1", "2", "3"]`` -> ``"1, 2 and 3"``."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _loop(relative: str) -> list[dict]:
    return load(relative)["iterations"]


def test_the_loop_figures_are_their_json():
    """Rounds' own success and the loops' final validation error, from ``vin-gym mbrl``'s
    JSON: the efficiency tables' rows and the task suite's reading."""
    efficiency = _text(EFFICIENCY)
    loops = "docs/results/efficiency/loops"
    names = [f"{k}_d10000_s{s}" for k in ("baseline", "icem_collect") for s in (0, 1, 2)]
    names += [f"{k}_d10000_s{s}" for k in ("train_steps", "combined") for s in (0, 1)]
    names += [f"d4_combined_d10000_s{s}" for s in D4_SEEDS] + ["d4_d10000_s0"]
    for name in [*names, "ensemble_d10000_s0"]:
        rounds = " / ".join(f"{i['data_success']:.2f}" for i in _loop(f"{loops}/{name}.json")[1:])
        assert f"| 9,600 | {rounds} |" in efficiency, f"{name}: rounds {rounds}"
    seed_phase = {
        k: [f"{_loop(f'{loops}/{k}_d10000_s{s}.json')[0]['val_pos_mse']:.3f}" for s in (0, 1, 2)]
        for k in ("baseline", "icem_collect")
    }
    base, lever = seed_phase["baseline"], seed_phase["icem_collect"]
    assert base[:2] == lever[:2] and base[2] != lever[2]
    figure = (
        f"validation position MSE {base[0]} and {base[1]} in both runs of seeds 0 and 1, and "
        f"{base[2]} (baseline) against {lever[2]} (lever 1) on seed 2"
    )
    assert figure in efficiency, figure
    d4, plain = (
        [f"{_loop(f'{loops}/{k}_d10000_s{s}.json')[0]['val_pos_mse']:.3f}" for s in (0, 1)]
        for k in ("d4_combined", "combined")
    )
    seed2 = f"{_loop(f'{loops}/d4_combined_d10000_s2.json')[0]['val_pos_mse']:.3f}"
    figure = (
        f"validation position MSE is {' and '.join(d4)} with the augmentation against "
        f"{' and '.join(plain)} without (seeds 0 and 1; seed 2: {seed2})"
    )
    assert figure in " ".join(efficiency.split()), figure
    ensemble = _loop(f"{loops}/ensemble_d10000_s0.json")[-1]["val_pos_mse"]
    baseline = _loop(f"{loops}/baseline_d10000_s0.json")[-1]["val_pos_mse"]
    assert f"({ensemble:.3f} against {baseline:.3f} for the baseline run" in efficiency

    def final_mse(task: str) -> str:
        runs = [_loop(f"docs/results/tasks/mbrl_{task}_s{s}.json")[-1] for s in (0, 1, 2)]
        values = [f"{r['val_pos_mse']:.3f}" for r in runs]
        return f"{values[0]}, {values[1]} and {values[2]}"

    readme = _text(README)
    figure = (
        f"position MSE {final_mse('VariableMassBilliardsTask-v0')} at the end of its runs, "
        f"against {final_mse('MagneticBilliardsTask-v0')} on `MagneticBilliardsTask-v0`"
    )
    assert figure in readme, figure


def test_the_efficiency_tables_rows_are_their_files():
    """Every row of ``docs/results/efficiency/``'s tables that names a cell or plan JSON ends
    with that file's success on the development episodes, as the file gives it."""
    from vin_gym.stats import wilson_interval

    rows = 0
    for line in (ROOT / EFFICIENCY).read_text().splitlines():
        named = re.search(r"`((?:docs/results/)?[\w/.-]+\.json)`", line)
        if not line.startswith("|") or named is None:
            continue
        path = named.group(1)
        path = ROOT / (path if path.startswith("docs/") else f"docs/results/efficiency/{path}")
        outcomes = [e["success"] for e in json.loads(path.read_text())["per_episode"]]
        wins, n = sum(outcomes), len(outcomes)
        lo, hi = wilson_interval(wins, n)
        expected = f"| {wins / n:.2f} [{lo:.2f}, {hi:.2f}] ({wins} of {n}) |"
        assert line.rstrip().endswith(expected), f"{line}\nshould end {expected!r}"
        rows += 1
    assert rows >= 17 + 2 * len(D4_SEEDS)
