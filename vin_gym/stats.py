"""Success rates with honest 95% intervals.

One cell (one seed's episodes): the Wilson score interval, from
:func:`scipy.stats.binomtest`. Several seeds: a two-level bootstrap, resampling seeds and
then episodes within each seed, so that the interval holds the spread between seeds
(training runs, planner seeds), widened where needed to the Wilson interval of all the
episodes pooled: a bootstrap of identical outcomes (every episode a success) has no
spread at all, yet 60 successes in 60 episodes do not prove a rate of exactly 1. Three
identical seeds therefore still get an interval as wide as their episodes allow, never
``± 0.00``.

>>> lo, hi = wilson_interval(3, 100)
>>> round(lo, 3), round(hi, 3)
(0.01, 0.085)
>>> s = success_summary([[True] * 10, [True] * 9 + [False]])
>>> s["episodes"], s["seeds"], s["success_rate"]
(20, 2, 0.95)
>>> s = success_summary([[True] * 20] * 3)  # all successes: the pooled Wilson floor
>>> s["success_rate"], round(s["ci_low"], 3), s["ci_high"]
(1.0, 0.94, 1.0)

Two methods on the same episodes: :func:`paired_outcomes` counts the episodes only one of
them solves, and :func:`mcnemar_exact` asks whether that split could be chance.

>>> c = paired_outcomes({1: True, 2: False, 3: False}, {1: True, 2: True, 3: True})
>>> c["gained"], c["lost"], round(c["p"], 2)
(2, 0, 0.5)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

#: Bootstrap resamples of :func:`bootstrap_interval`.
BOOTSTRAP_SAMPLES = 10_000


def wilson_interval(successes: int, episodes: int, confidence: float = 0.95) -> tuple[float, float]:
    """The Wilson score interval of a success rate ``successes / episodes``."""
    from scipy.stats import binomtest

    if episodes < 1 or not 0 <= successes <= episodes:
        raise ValueError(
            f"need 0 <= successes <= episodes and episodes >= 1, got {successes}, {episodes}"
        )
    ci = binomtest(int(successes), int(episodes)).proportion_ci(confidence, method="wilson")
    return float(ci.low), float(ci.high)


def bootstrap_interval(
    outcomes: Sequence[Sequence[bool]],
    confidence: float = 0.95,
    samples: int = BOOTSTRAP_SAMPLES,
    seed: int = 0,
) -> tuple[float, float]:
    """Percentile interval of the mean success over seeds, resampling seeds and then the
    episodes within each resampled seed (``outcomes[s]``: seed ``s``'s episodes)."""
    if not outcomes or any(len(o) == 0 for o in outcomes):
        raise ValueError("need at least one seed, each with at least one episode")
    rng = np.random.default_rng(seed)
    n_seeds = len(outcomes)
    seeds = rng.integers(0, n_seeds, size=(samples, n_seeds))  # [S, seeds]
    per_seed = [np.asarray(o, dtype=float) for o in outcomes]
    means = np.zeros((samples, n_seeds))
    for s, episodes in enumerate(per_seed):
        picks = rng.integers(0, len(episodes), size=(samples, len(episodes)))
        means[:, s] = episodes[picks].mean(axis=1)  # seed s's rate in each resample
    rates = np.take_along_axis(means, seeds, axis=1).mean(axis=1)
    alpha = (1.0 - confidence) / 2.0
    lo, hi = np.quantile(rates, [alpha, 1.0 - alpha])
    return float(lo), float(hi)


def success_summary(outcomes: Sequence[Sequence[bool]], confidence: float = 0.95) -> dict[str, Any]:
    """Mean success over seeds with its interval, episode and seed counts.

    Args:
        outcomes: Per seed, the success (bool) of each episode.

    Returns:
        ``success_rate`` (mean over seeds of each seed's rate), ``ci_low``, ``ci_high``
        (Wilson for one seed; for more, the two-level bootstrap widened to at least the
        pooled episodes' Wilson interval), ``interval`` (the method's name), ``episodes``
        (all seeds together) and ``seeds``.
    """
    if not outcomes:
        raise ValueError("need at least one seed's outcomes")
    rates = [float(np.mean(o)) for o in outcomes]
    episodes = sum(len(o) for o in outcomes)
    if len(outcomes) == 1:
        lo, hi = wilson_interval(int(np.sum(outcomes[0])), len(outcomes[0]), confidence)
        method = "wilson"
    else:
        lo, hi = bootstrap_interval(outcomes, confidence)
        pooled_lo, pooled_hi = wilson_interval(
            int(sum(np.sum(o) for o in outcomes)), episodes, confidence
        )
        lo, hi = min(lo, pooled_lo), max(hi, pooled_hi)
        method = "bootstrap over seeds and episodes, at least the pooled Wilson interval"
    return {
        "success_rate": float(np.mean(rates)),
        "ci_low": lo,
        "ci_high": hi,
        "interval": method,
        "episodes": episodes,
        "seeds": len(outcomes),
    }


def format_rate(summary: dict[str, Any]) -> str:
    """``0.42 [0.30, 0.55] (50 ep, 3 seeds)`` from a :func:`success_summary`.

    >>> format_rate(success_summary([[True, False, False, False]]))
    '0.25 [0.05, 0.70] (4 ep, 1 seed)'
    """
    seeds = summary["seeds"]
    return (
        f"{summary['success_rate']:.2f} [{summary['ci_low']:.2f}, {summary['ci_high']:.2f}] "
        f"({summary['episodes']} ep, {seeds} seed{'s' if seeds != 1 else ''})"
    )


def mcnemar_exact(gained: int, lost: int) -> float:
    """Two-sided exact McNemar p-value for paired successes.

    ``gained``: episodes only the second method solves, ``lost``: only the first. Under
    the null hypothesis that neither is better, each of these ``gained + lost`` discordant
    episodes goes either way with probability 1/2 (a binomial test); episodes both or
    neither solve say nothing about the difference. No discordant episode gives 1.

    >>> round(mcnemar_exact(35, 19), 3)  # lever 1 on Billiards-v0, three seeds pooled
    0.04
    """
    from scipy.stats import binomtest

    if gained < 0 or lost < 0:
        raise ValueError(f"need gained >= 0 and lost >= 0, got {gained}, {lost}")
    if gained + lost == 0:
        return 1.0
    return float(binomtest(int(gained), int(gained + lost), 0.5).pvalue)


def p_value_text(p: float) -> str:
    """A p-value's figure as a table column prints it: ``0.21``, three decimals below 0.01,
    and ``< 0.001`` where two decimals would read as zero.

    >>> p_value_text(0.2101), p_value_text(0.004), p_value_text(2e-6)
    ('0.21', '0.004', '< 0.001')
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"a p-value lies in [0, 1], got {p}")
    if p < 0.001:
        return "< 0.001"
    return f"{p:.3f}" if p < 0.01 else f"{p:.2f}"


def format_p(p: float) -> str:
    """A p-value as prose and tables print it: ``p = 0.21``, ``p < 0.001``.

    >>> format_p(0.2101), format_p(0.004), format_p(2e-6)
    ('p = 0.21', 'p = 0.004', 'p < 0.001')
    """
    figure = p_value_text(p)
    return f"p {figure}" if figure.startswith("<") else f"p = {figure}"


def paired_outcomes(a: Mapping[int, bool], b: Mapping[int, bool]) -> dict[str, Any]:
    """Method ``a`` against method ``b`` episode by episode (keys: episode seeds).

    Returns ``episodes``, the successes of each (``a``, ``b``), ``gained`` (only ``b``
    solves), ``lost`` (only ``a`` solves) and ``p`` (:func:`mcnemar_exact`). Both must
    cover the same episodes: a comparison on different episodes is not paired.
    """
    if set(a) != set(b):
        only_a, only_b = sorted(set(a) - set(b)), sorted(set(b) - set(a))
        raise ValueError(
            f"paired outcomes need the same episodes; only in the first: {only_a[:5]}, "
            f"only in the second: {only_b[:5]} ({len(only_a)} and {len(only_b)} in all)"
        )
    gained = sum(bool(b[k]) and not a[k] for k in a)
    lost = sum(bool(a[k]) and not b[k] for k in a)
    return {
        "episodes": len(a),
        "a": int(sum(bool(v) for v in a.values())),
        "b": int(sum(bool(v) for v in b.values())),
        "gained": int(gained),
        "lost": int(lost),
        "p": mcnemar_exact(gained, lost),
    }
