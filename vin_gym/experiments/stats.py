"""Interval estimates for the success rates that the experiments report."""

from __future__ import annotations

import math
from statistics import NormalDist


def wilson_interval(successes: int, trials: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a binomial proportion.

    Unlike the normal approximation it stays inside ``[0, 1]`` and is not empty at 0 or
    ``trials`` successes, which matters for the ten-episode evaluations of a learning run.

    Args:
        successes: Successful trials (``0 <= successes <= trials``).
        trials: Trials; ``0`` gives ``(0.0, 1.0)``, the interval that says nothing.
        confidence: Coverage of the interval, in ``(0, 1)``.

    Returns:
        ``(low, high)``.

    >>> [round(x, 3) for x in wilson_interval(0, 10)]
    [0.0, 0.278]
    >>> [round(x, 3) for x in wilson_interval(7, 10)]
    [0.397, 0.892]
    """
    if trials < 0 or not 0 <= successes <= max(trials, 0):
        raise ValueError(
            f"need 0 <= successes <= trials, got successes={successes!r}, trials={trials!r}"
        )
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence!r}")
    if trials == 0:
        return 0.0, 1.0
    z = NormalDist().inv_cdf((1 + confidence) / 2)
    p = successes / trials
    denom = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denom
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denom
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == trials else min(1.0, centre + half)
    return low, high
