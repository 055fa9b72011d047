"""The README's tables of the VIN on the paper's systems, from the benchmarks' JSON.

    python benchmarks/prediction_tables.py                 # prints every table as markdown
    python benchmarks/prediction_tables.py --write-readme  # puts them in README.md

In the README each table sits between ``<!-- prediction_tables:NAME -->`` and
``<!-- /prediction_tables:NAME -->``.

Each table is a function of the committed results (``benchmarks/results/``), so the README
can be checked against them (``tests/test_readme_measurements.py``).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

RESULTS = Path("benchmarks/results")
#: The JSON files the tables read, by role.
FILES = {
    "vin": RESULTS / "prediction_systems.json",
    "in": RESULTS / "prediction_in.json",
    "in_masses": RESULTS / "prediction_in_true_masses.json",
    "throughput": RESULTS / "rollout_throughput.json",
}


def _at(summary: dict[str, float], step: str) -> float | None:
    return summary.get(step)


def _ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or not b else a / b


def target_rows(systems: dict[str, Any]) -> list[dict[str, Any]]:
    """Per system: the VIN at steps 50 and 100 against the bound and constant position,
    and its mean over steps 1 to 8."""
    rows = []
    for name, r in systems.items():
        s = r["summary"]
        vin, bound, still = s["vin"], s["simulator_bound"], s["constant_position"]
        rows.append(
            {
                "system": name,
                "VIN @50": _at(vin, "step 50"),
                "bound @50": _at(bound, "step 50"),
                "VIN / bound @50": _ratio(_at(vin, "step 50"), _at(bound, "step 50")),
                "VIN @100": _at(vin, "step 100"),
                "const. position @100": _at(still, "step 100"),
                "VIN mean 1-8": vin["mean 1-8"],
            }
        )
    return rows


def hidden_rows(systems: dict[str, Any]) -> list[dict[str, Any]]:
    """Where an object is not drawn: the VIN's error on it against the drawn ones', and the
    table-centre guess on it."""
    rows = []
    for name, r in systems.items():
        split = r.get("by_visibility")
        if not split:
            continue
        for step in ("step 1", "step 8", "step 50"):
            rows.append(
                {
                    "system": name,
                    "step": step.split()[1],
                    "VIN, drawn objects": split["visible"]["summary"]["vin"].get(step),
                    "VIN, hidden object": split["hidden"]["summary"]["vin"].get(step),
                    "table centre, hidden object": split["hidden"]["summary"]["table_centre"].get(
                        step
                    ),
                }
            )
    return rows


def mass_rows(
    vin: dict[str, Any], state_in: dict[str, Any] | None, in_masses: dict[str, Any] | None
) -> list[dict[str, Any]]:
    """The variable-mass systems: the VIN with masses hidden and with masses shown as size,
    the IN from true states (where it was run), and the IN given the true masses (steps 8
    and 50)."""
    rows = []
    for name in ("VariableMassBilliards-v0", "VariableMassSprings-v0"):
        models = {
            "VIN, mass hidden": vin.get(name),
            "VIN, mass shown": vin.get(f"{name}/mass-shown"),
            "IN from state": (state_in or {}).get(name),
            "IN given true masses": (in_masses or {}).get(name),
        }
        if state_in is None:  # not run: no column of dashes
            del models["IN from state"]
        for step in ("step 8", "step 50"):
            row: dict[str, Any] = {"system": name, "step": step.split()[1]}
            for label, r in models.items():
                row[label] = None if r is None else r["summary"]["vin"].get(step)
            rows.append(row)
    return rows


def plausibility_rows(systems: dict[str, Any]) -> list[dict[str, Any]]:
    """Long rollouts where MSE cannot judge them: kinetic energy against the truth, objects
    off the table and, where objects collide, collisions against the truth."""
    rows = []
    for name, r in systems.items():
        p = r.get("plausibility", {})
        at100, at300 = p.get("step 100", {}), p.get("step 300", {})
        rows.append(
            {
                "system": name,
                "energy ratio @100": at100.get("kinetic_energy_ratio"),
                "off table @100": at100.get("outside_table"),
                "energy ratio @300": at300.get("kinetic_energy_ratio"),
                "off table @300": at300.get("outside_table"),
                "collision ratio @100": at100.get("collision_ratio") if r["collide"] else None,
            }
        )
    return rows


def throughput_rows(record: dict[str, Any]) -> list[dict[str, Any]]:
    """Model steps per second per model, device and population."""
    return [
        {
            "model": r["model"],
            "device": r["device"] if r["threads"] is None else f"cpu, {r['threads']} thread(s)",
            "population": r["population"],
            "horizon": r["horizon"],
            "ms per rollout": r["ms"],
            "model steps/s": r["model_steps_per_s"],
        }
        for r in record["rows"]
    ]


def in_order(systems: dict[str, Any]) -> dict[str, Any]:
    """``systems`` in the benchmark's order (the paper's, then masses shown, then 6
    objects), whatever order the runs that shared the JSON wrote them in."""
    import importlib.util

    path = Path(__file__).resolve().parent / "prediction_systems.py"
    spec = importlib.util.spec_from_file_location("prediction_systems", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    order = {name: i for i, name in enumerate(bench.SYSTEMS)}
    return dict(sorted(systems.items(), key=lambda item: order.get(item[0], len(order))))


def load(path: Path) -> dict[str, Any] | None:
    """The results in ``path``, or ``None`` where there are none yet."""
    return json.loads(path.read_text()) if path.exists() else None


def tables(root: Path = Path(".")) -> dict[str, str]:
    """Every README table, by name, as markdown (those whose JSON exists)."""
    from vin_gym.utils import format_table

    data = {k: load(root / p) for k, p in FILES.items()}
    out = {}
    vin = in_order((data["vin"] or {}).get("systems", {}))
    if vin:
        out["targets"] = format_table(target_rows(vin))
        out["hidden"] = format_table(hidden_rows(vin))
        out["plausibility"] = format_table(plausibility_rows(vin))
        out["mass"] = format_table(
            mass_rows(
                vin,
                (data["in"] or {}).get("systems"),
                (data["in_masses"] or {}).get("systems"),
            )
        )
    if data["throughput"]:
        out["throughput"] = format_table(throughput_rows(data["throughput"]))
    return out


def marked(text: str, name: str) -> tuple[int, int] | None:
    """Where the table ``name`` sits in ``text`` (between its markers), or ``None``."""
    from vin_gym.reporting import marked_span

    return marked_span(text, f"prediction_tables:{name}")


def write_readme(path: Path, found: dict[str, str]) -> list[str]:
    """Replace each marked table of ``path`` by its table; the names replaced."""
    from vin_gym.reporting import write_marked

    done = write_marked(path, {f"prediction_tables:{k}": v for k, v in found.items()})
    return [tag.partition(":")[2] for tag in done]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--root", type=Path, default=Path("."), help="the checkout's root")
    p.add_argument("--write-readme", action="store_true", help="update README.md's tables")
    args = p.parse_args(argv)
    found = tables(args.root)
    if args.write_readme:
        done = write_readme(args.root / "README.md", found)
        print(f"README.md: updated {', '.join(done) or 'no table'}")
        return 0
    for name, table in found.items():
        print(f"{name}:\n\n{table}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
