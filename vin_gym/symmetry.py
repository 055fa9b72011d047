"""Which systems obey the symmetries of the square table, for symmetry augmentation.

:mod:`vin_model.augment` moves training clips by the eight symmetries of the square
(reflections and quarter turns). That is only sound where the physics has no preferred
direction and the frames have no fixed picture behind the objects. Every system below
keeps that symmetry at its defaults: an episode started from a reflected or turned scene,
pushed by reflected or turned actions, is the reflected or turned episode, to 1e-9 in
the states and exactly in the pixels (``tests/vin_model/test_augment.py`` runs each of them).
"""

from __future__ import annotations

#: Env ids whose physics and rendering are symmetric under the square's eight symmetries.
SQUARE_SYMMETRIC: tuple[str, ...] = (
    "Billiards-v0",
    "SeedBilliards-v0",
    "Springs-v0",
    "Gravity-v0",
    "MagneticBilliards-v0",
    "Drift-v0",
    "InvisibleSprings-v0",
    "VariableMassBilliards-v0",
    "VariableMassSprings-v0",
    "SpringsTask-v0",
    "GravityTask-v0",
    "MagneticBilliardsTask-v0",
    "VariableMassBilliardsTask-v0",
)


def is_square_symmetric(env_id: str | None, background: str = "plain") -> bool:
    """Whether ``env_id`` with frames on ``background`` keeps the square's symmetries.

    >>> is_square_symmetric("Billiards-v0"), is_square_symmetric("Billiards-v0", "picture")
    (True, False)
    """
    return env_id in SQUARE_SYMMETRIC and background == "plain"


def check_square_symmetric(env_id: str | None, background: str = "plain") -> None:
    """Raise ``ValueError`` unless ``env_id`` with frames on ``background`` keeps the
    square's symmetries: the env must be one of :data:`SQUARE_SYMMETRIC` and the
    background ``"plain"`` (a picture behind the objects would change in a reflection)."""
    if env_id not in SQUARE_SYMMETRIC:
        raise ValueError(
            f"symmetry augmentation needs a square-symmetric system, one of "
            f"{list(SQUARE_SYMMETRIC)}; the data's env is {env_id!r}"
        )
    if background != "plain":
        raise ValueError(
            f"symmetry augmentation needs frames on the plain background; the data's "
            f"background is {background!r}, which a reflection would change"
        )
