"""The table and the plot of a success-rate report, shared by ``vin-gym compare`` and the
SB3 summary (:mod:`vin_gym.baselines.summary`).

A report row holds a ``method``, its environment steps (under ``steps_key``), ``n_seeds``,
the evaluation ``episodes`` per seed (under ``episodes_key``), ``success_mean`` with its
95% interval ``ci_low``, ``ci_high`` (``None`` where none was recorded; the plot then
falls back to ± ``success_std``), and ``return_mean`` ± ``return_std``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from vin_gym.utils import atomic_write, format_table


def rate_text(mean: float, low: float | None, high: float | None) -> str:
    """``0.42 [0.30, 0.55]``, or ``0.42 [interval not recorded]``.

    >>> rate_text(0.5, 0.25, 0.75), rate_text(0.5, None, None)
    ('0.50 [0.25, 0.75]', '0.50 [interval not recorded]')
    """
    if low is None or high is None:
        return f"{mean:.2f} [interval not recorded]"
    return f"{mean:.2f} [{low:.2f}, {high:.2f}]"


def success_rows(
    rows: Sequence[dict[str, Any]],
    steps_key: str = "env_steps",
    episodes_key: str = "episodes",
    return_digits: int = 1,
) -> list[dict[str, Any]]:
    """Rows for a printed or markdown table: success with its 95% interval, mean return
    ± std over seeds.

    >>> (row,) = success_rows([{"method": "random", "env_steps": 0, "n_seeds": 2,
    ...     "episodes": [50], "success_mean": 0.5, "ci_low": 0.25, "ci_high": 0.75,
    ...     "return_mean": -3.0, "return_std": 0.5}])
    >>> row["success rate [95% CI]"], row["mean return"]
    ('0.50 [0.25, 0.75]', '-3.0 ± 0.5')
    """
    return [
        {
            "method": r["method"],
            "env steps": r[steps_key],
            "seeds": r["n_seeds"],
            "episodes": "/".join(str(e) for e in r[episodes_key]),
            "success rate [95% CI]": rate_text(r["success_mean"], r["ci_low"], r["ci_high"]),
            "mean return": f"{r['return_mean']:.{return_digits}f} ± "
            f"{r['return_std']:.{return_digits}f}",
        }
        for r in rows
    ]


def success_table(rows: Sequence[dict[str, Any]], **keys: Any) -> str:
    """:func:`success_rows` as a markdown table (``keys`` as for it)."""
    return format_table(success_rows(rows, **keys))


def provenance_markdown(record: dict[str, Any]) -> str:
    """A ``Versions and machine`` section: one line per package version and machine field
    of a :func:`vin_gym.provenance.provenance` record, and its physics fingerprint (any of
    them may be missing).

    >>> print(provenance_markdown({"versions": {"numpy": "2.0"}, "physics": "ab12"}))
    <BLANKLINE>
    ## Versions and machine
    <BLANKLINE>
    - numpy: 2.0
    - physics fingerprint: ab12
    <BLANKLINE>
    """
    items = {**record.get("versions", {}), **record.get("machine", {})}
    physics = record.get("physics")
    if physics:
        items["physics fingerprint"] = ", ".join(physics) if isinstance(physics, list) else physics
    if not items:
        return ""
    return "\n## Versions and machine\n\n" + "".join(f"- {k}: {v}\n" for k, v in items.items())


def plot_success(
    rows: Sequence[dict[str, Any]],
    path: str | Path,
    title: str | None = None,
    steps_key: str = "env_steps",
    xlabel: str = "environment steps",
) -> Path:
    """Success rate against environment steps (log x) as PNG, with 95% interval bands
    (mean ± std over seeds where no interval was recorded). Methods at 0 steps (random
    actions, the oracle) are flat dashed lines with their intervals as shaded strips;
    VIN methods are drawn thicker."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    curves = sorted({r["method"] for r in rows if r[steps_key] > 0})
    flat = sorted({r["method"] for r in rows if r[steps_key] == 0})
    for i, method in enumerate(curves):
        pts = sorted(
            (r[steps_key], r["success_mean"], *_band(r))
            for r in rows
            if r["method"] == method and r[steps_key] > 0
        )
        x, y, lo, hi = (np.array(v) for v in zip(*pts, strict=True))
        style = dict(marker="s", linewidth=2.5) if method.startswith("vin") else dict(marker="o")
        line = ax.plot(x, y, label=method, color=f"C{i}", **style)[0]
        ax.fill_between(x, lo, hi, alpha=0.2, color=line.get_color())
    for j, method in enumerate(flat):
        (r,) = [r for r in rows if r["method"] == method and r[steps_key] == 0]
        color = f"C{len(curves) + j}"
        ax.axhline(
            r["success_mean"],
            linestyle="--",
            color=color,
            label=f"{method} (0 steps): {r['success_mean']:.2f}",
        )
        ax.axhspan(*_band(r), color=color, alpha=0.1)
    xs = [r[steps_key] for r in rows if r[steps_key] > 0]
    lo, hi = (min(xs), max(xs)) if xs else (1e3, 1e6)
    ax.set(
        xscale="log",
        xlim=(lo / 2, hi * 2),
        ylim=(0, 1.02),
        xlabel=xlabel,
        ylabel="success rate",
        title=title,
    )
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, loc="best")
    fig.tight_layout()
    path = Path(path)
    atomic_write(path, lambda tmp: fig.savefig(tmp, format="png", dpi=120))
    plt.close(fig)
    return path


def _band(row: dict[str, Any]) -> tuple[float, float]:
    if row.get("ci_low") is not None:
        return row["ci_low"], row["ci_high"]
    return row["success_mean"] - row["success_std"], row["success_mean"] + row["success_std"]


def marked_span(text: str, tag: str) -> tuple[int, int] | None:
    """Where the generated block ``tag`` sits in ``text``: between the lines
    ``<!-- tag -->`` and ``<!-- /tag -->``; ``None`` when the markers are missing.

    >>> text = "a\\n<!-- t -->\\nold\\n<!-- /t -->\\n"
    >>> i, j = marked_span(text, "t"); text[i:j]
    'old\\n'
    """
    start, end = f"<!-- {tag} -->\n", f"<!-- /{tag} -->"
    i = text.find(start)
    j = text.find(end, i)
    return None if i < 0 or j < 0 else (i + len(start), j)


def write_marked(path: Path, blocks: dict[str, str]) -> list[str]:
    """Replace each marked block of the file ``path`` (:func:`marked_span`) by the text
    ``blocks`` gives its tag, atomically; the tags found and replaced."""
    from vin_gym.utils import atomic_write_bytes

    text = path.read_text()
    done = []
    for tag, block in blocks.items():
        span = marked_span(text, tag)
        if span is not None:
            text = text[: span[0]] + block + "\n" + text[span[1] :]
            done.append(tag)
    atomic_write_bytes(path, text.encode())
    return done
