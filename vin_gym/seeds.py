"""The two ranges of episode seeds: development episodes and test episodes.

Every choice (planner, horizon, data recipe, model variant, the online loop's own
evaluations, benchmarks, ablations) is made on **development episodes**: seeds below
:data:`TEST_SEED_BASE`, by default from :data:`DEV_SEED_BASE` up (every range the
project used before this split lies there). **Test episodes**, from
:data:`TEST_SEED_BASE` up, are used only by the reporting commands (``vin-gym compare``
by default, the README's tables), so that no reported figure was also used to choose.

>>> episode_set("dev", 3), episode_set("test", 2)
([1000, 1001, 1002], [100000, 100001])
>>> reaches_test(99_990, 10), reaches_test(99_990, 11)
(False, True)
"""

from __future__ import annotations

from typing import Literal

#: Seed of the first development episode: episode ``i`` resets with ``DEV_SEED_BASE + i``.
DEV_SEED_BASE = 1000

#: Seed of the first test episode; every seed from here up is a test episode.
TEST_SEED_BASE = 100_000


def reaches_test(base: int, n: int) -> bool:
    """Whether the episodes seeded ``base, base + 1, ..., base + n - 1`` include a test
    episode (a seed at or above :data:`TEST_SEED_BASE`)."""
    return n > 0 and base + n - 1 >= TEST_SEED_BASE


def check_development(base: int, n: int, what: str) -> None:
    """Raise ``ValueError`` when ``n`` episodes from seed ``base`` reach the test range.

    Args:
        base: Seed of the first episode.
        n: Number of episodes.
        what: The flag or field that set ``base`` (named in the message), e.g. ``"--seed"``.

    >>> check_development(1000, 50, "--seed")
    >>> check_development(99_999, 2, "--seed")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: --seed 99999 with 2 episodes reaches seed 100000, a test episode (...
    """
    if reaches_test(base, n):
        raise ValueError(
            f"{what} {base} with {n} episodes reaches seed {base + n - 1}, a test episode "
            f"(test episodes start at {TEST_SEED_BASE} and are for the reporting commands "
            f"only); use a development seed below {TEST_SEED_BASE - n + 1}"
        )


def episode_set(which: Literal["dev", "test"], n: int, first: int = 0) -> list[int]:
    """The reset seeds of ``n`` episodes of the development (``"dev"``) or test set,
    from its episode ``first`` on.

    >>> episode_set("test", 2, first=1000)
    [101000, 101001]
    """
    if which not in ("dev", "test"):
        raise ValueError(f"episode set must be 'dev' or 'test', got {which!r}")
    if n < 0 or first < 0:
        raise ValueError(f"number and first episode must be >= 0, got {n} and {first}")
    base = (DEV_SEED_BASE if which == "dev" else TEST_SEED_BASE) + first
    if which == "dev":
        check_development(base, n, "the development set")
    return [base + i for i in range(n)]
