"""Every "rate [low, high]" figure in the README and docs/ stands in a committed JSON.

A success rate with its 95% interval, written ``0.91 [0.82, 0.97]`` in a Markdown file, is
looked up in the JSON artifacts under ``docs/`` and ``benchmarks/results/``: a record that
holds the rate (``success_rate``, ``success_mean``, or ``successes`` of ``episodes``) and
its interval (``ci_low``/``ci_high``, ``success_low``/``success_high``, or a pair under
``wilson95``/``wilson``), equal to the figure at two decimals, or a string of the JSON
that holds the figure as written. A figure found in none is listed as having no artifact.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: ``0.91 [0.82, 0.97]`` (the rate may be bold).
FIGURE = re.compile(r"(?<![\d.])(\d\.\d+)(?:\*\*)? \[(\d\.\d+), ?(\d\.\d+)\]")
RATES = ("success_rate", "success_mean")
INTERVALS = (("ci_low", "ci_high"), ("success_low", "success_high"))
PAIRS = ("wilson95", "wilson")
#: A figure at two decimals equals a stored value rounded to two decimals.
TOLERANCE = 0.005 + 1e-9

Triple = tuple[float, float, float]


def markdown_files() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def figures(path: Path) -> list[tuple[int, str, Triple]]:
    """The (line number, text, (rate, low, high)) of each figure in a Markdown file."""
    found = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        for m in FIGURE.finditer(line):
            found.append((number, m.group(0), tuple(float(g) for g in m.groups())))
    return found


def _rate(record: dict) -> Iterator[float]:
    for key in RATES:
        if isinstance(record.get(key), int | float):
            yield float(record[key])
    k, n = record.get("successes"), record.get("episodes")
    if isinstance(k, int) and isinstance(n, int) and n > 0:
        yield k / n


def _interval(record: dict) -> Iterator[tuple[float, float]]:
    for low, high in INTERVALS:
        if isinstance(record.get(low), int | float) and isinstance(record.get(high), int | float):
            yield float(record[low]), float(record[high])
    for key in PAIRS:
        pair = record.get(key)
        if isinstance(pair, list) and len(pair) == 2:
            if all(isinstance(v, int | float) for v in pair):
                yield float(pair[0]), float(pair[1])


def triples(node: object) -> Iterator[Triple]:
    """Every (rate, low, high) a JSON document holds, and those written in its strings."""
    if isinstance(node, dict):
        for rate in _rate(node):
            for low, high in _interval(node):
                yield rate, low, high
        for value in node.values():
            yield from triples(value)
    elif isinstance(node, list):
        for value in node:
            yield from triples(value)
    elif isinstance(node, str):
        for m in FIGURE.finditer(node):
            yield tuple(float(g) for g in m.groups())


@cache
def artifacts() -> list[Triple]:
    """The (rate, low, high) triples of every committed JSON under docs/ and
    benchmarks/results/, rounded to two decimals."""
    found: set[Triple] = set()
    for folder in ("docs", "benchmarks/results"):
        for path in sorted((ROOT / folder).rglob("*.json")):
            try:
                document = json.loads(path.read_text())
            except (ValueError, UnicodeDecodeError):
                continue
            found.update(tuple(round(v, 2) for v in t) for t in triples(document))
    return sorted(found)


def in_artifact(figure: Triple) -> bool:
    return any(
        all(abs(a - b) <= TOLERANCE for a, b in zip(figure, t, strict=True)) for t in artifacts()
    )


def test_the_pattern_and_the_lookup():
    """The extraction and the JSON layouts it reads (a broken matcher fails here)."""
    line = "VIN-MPC | **0.88** [0.76, 0.94] | oracle 1.00 [0.93,1.00] | 46 min | 3.5 [x]"
    assert [m.groups() for m in FIGURE.finditer(line)] == [
        ("0.88", "0.76", "0.94"),
        ("1.00", "0.93", "1.00"),
    ]
    cell = {"success_rate": 0.88, "ci_low": 0.7614, "ci_high": 0.9437, "per_episode": []}
    online = {"iterations": [{"success_rate": 0.35, "success_low": 0.181, "success_high": 0.567}]}
    bench = {"results": [{"successes": 22, "episodes": 40, "wilson95": [0.40, 0.69]}]}
    table = {"rows": ["| cem | 0.91 [0.82, 0.97] |"]}
    assert [tuple(round(v, 2) for v in t) for t in triples([cell, online, bench, table])] == [
        (0.88, 0.76, 0.94),
        (0.35, 0.18, 0.57),
        (0.55, 0.4, 0.69),
        (0.91, 0.82, 0.97),
    ]
    assert not list(triples({"success_rate": 0.5, "ci_low": 0.3}))  # no interval, no figure
    assert artifacts() and not in_artifact((0.77, 0.11, 0.99))  # a made-up figure is missing


def _missing() -> list[str]:
    missing = []
    for path in markdown_files():
        for number, text, figure in figures(path):
            if not in_artifact(figure):
                missing.append(f"{path.relative_to(ROOT)}:{number}: {text}")
    return missing


def test_every_figure_stands_in_an_artifact():
    missing = _missing()
    assert not missing, "figures with no JSON artifact:\n" + "\n".join(missing)
