"""A pure renderer: object states to uint8 ``(H, W, 3)`` RGB frames.

It knows nothing of rewards or physics. Conventions: the table ``[0, L] x [0, L]`` fills
the frame; x grows along columns and y along rows, row 0 at ``y = 0`` (the same axes as
the seed's data and pygame's screen, so y points down in a picture). Pixel ``(row, col)``
covers ``[col, col + 1) x [row, row + 1)`` in pixel units, its centre at ``+ 0.5``.

Two styles:

* ``"disc"``: opaque discs, anti-aliased by coverage. A pixel whose centre lies at
  distance ``d`` (pixels) from a disc's centre gets opacity ``clip(r - d + 0.5, 0, 1)``,
  computed exactly for every frame, so a shift of a fraction of a pixel changes the edge
  pixels. Discs are composited over the background in object order.
* ``"blob"``: the seed's look. Object ``i`` adds ``exp(-((d / r)^2)^4)`` into colour
  channel ``i % 3``, clipped to 1.

The pixel loops are compiled with numba: a 64x64 frame of three discs costs a few
microseconds, which keeps pixel environments within a small factor of the physics.
"""

from __future__ import annotations

import colorsys
import functools
import math
from collections.abc import Sequence

import numba
import numpy as np

#: One fixed colour per object index: red, green, blue, yellow, cyan, magenta, then more.
BASE_COLORS: tuple[tuple[int, int, int], ...] = (
    (230, 40, 40),
    (40, 200, 40),
    (50, 90, 255),
    (240, 220, 40),
    (40, 220, 230),
    (220, 50, 220),
    (255, 140, 20),
    (150, 80, 255),
)
#: The goal marker's colour, used by no object.
GOAL_COLOR: tuple[int, int, int] = (255, 255, 255)

_DISC, _BLOB, _RING = 0, 1, 2


@functools.cache
def object_color(index: int) -> tuple[int, int, int]:
    """The fixed RGB colour of object ``index`` (distinct for every index)."""
    if index < 0:
        raise ValueError(f"object index must be >= 0, got {index}")
    if index < len(BASE_COLORS):
        return BASE_COLORS[index]
    # Beyond the base palette: hues spaced by the golden ratio, never white or grey.
    hue = (index * 0.618033988749895) % 1.0
    r, g, b = colorsys.hsv_to_rgb(hue, 0.75, 0.9)
    return (round(r * 255), round(g * 255), round(b * 255))


def disc_coverage(d: np.ndarray | float, radius: float) -> np.ndarray | float:
    """Opacity of a pixel whose centre is ``d`` pixels from a disc's centre."""
    return np.clip(radius - d + 0.5, 0.0, 1.0)


@numba.njit(cache=True, nogil=True)
def _paint(frame, pos, rad, inner, scale, visible, colors, mode):  # pragma: no cover
    """Paint shapes into ``frame`` (uint8 H x W x 3) in place.

    ``pos`` (K, 2) centres and ``rad``/``inner`` (K,) radii in table units, times
    ``scale`` pixels per unit. mode 0: opaque anti-aliased discs composited over the
    frame; 1: additive blobs; 2: rings, opaque between ``inner`` and ``rad``.
    """
    h, w = frame.shape[0], frame.shape[1]
    for k in range(pos.shape[0]):
        if not visible[k]:
            continue
        cx, cy, r = pos[k, 0] * scale, pos[k, 1] * scale, rad[k] * scale
        r_in = inner[k] * scale
        reach = r * 1.6 + 2.0 if mode == 1 else r + 1.5
        c0 = max(0, int(math.floor(cx - reach)))
        c1 = min(w, int(math.ceil(cx + reach)) + 1)
        r0 = max(0, int(math.floor(cy - reach)))
        r1 = min(h, int(math.ceil(cy + reach)) + 1)
        for i in range(r0, r1):
            dy = i + 0.5 - cy
            for j in range(c0, c1):
                dx = j + 0.5 - cx
                if mode == 1:
                    q = (dx * dx + dy * dy) / (r * r)
                    a = math.exp(-(q * q * q * q))
                    for c in range(3):
                        if colors[k, c] > 0.0:
                            v = frame[i, j, c] + a * colors[k, c]
                            frame[i, j, c] = np.uint8(min(255.0, v) + 0.5)
                    continue
                d = math.sqrt(dx * dx + dy * dy)
                a = min(max(r - d + 0.5, 0.0), 1.0)
                if mode == 2:
                    a -= min(max(r_in - d + 0.5, 0.0), 1.0)
                if a <= 0.0:
                    continue
                for c in range(3):
                    v = frame[i, j, c] * (1.0 - a) + colors[k, c] * a
                    frame[i, j, c] = np.uint8(v + 0.5)


_ALL_VISIBLE = np.ones(64, dtype=np.bool_)


def _as_f64(a: np.ndarray) -> np.ndarray:
    if isinstance(a, np.ndarray) and a.dtype == np.float64:
        return a
    return np.asarray(a, dtype=np.float64)


class Renderer:
    """Draws discs (and a goal ring) into frames of one size.

    Args:
        size: Frame height and width in pixels (32 to 256).
        table_size: Side of the table in table units.
        style: ``"disc"`` or ``"blob"`` (see the module docstring).
    """

    def __init__(self, size: int, table_size: float = 10.0, style: str = "disc") -> None:
        if not isinstance(size, int | np.integer) or not 32 <= size <= 256:
            raise ValueError(f"frame size must be an integer from 32 to 256, got {size!r}")
        if style not in ("disc", "blob"):
            raise ValueError(f"style must be 'disc' or 'blob', got {style!r}")
        if not table_size > 0:
            raise ValueError(f"table_size must be positive, got {table_size!r}")
        self.size = int(size)
        self.table_size = float(table_size)
        self.style = style
        self.scale = self.size / self.table_size  # pixels per table unit
        self._base_key: tuple | None = None  # the last background + goal layer, reused
        self._base = np.zeros((self.size, self.size, 3), dtype=np.uint8)
        self._paints: dict[int, np.ndarray] = {}
        self._mode = _DISC if style == "disc" else _BLOB

    def render(
        self,
        positions: np.ndarray,
        radii: np.ndarray,
        goal: np.ndarray | None = None,
        goal_radius: float = 0.0,
        visible: Sequence[bool] | np.ndarray | None = None,
        background: np.ndarray | None = None,
    ) -> np.ndarray:
        """Draw one frame.

        Args:
            positions: ``(N, 2)`` object centres, table units.
            radii: ``(N,)`` table units.
            goal: ``(2,)`` goal centre, drawn as a white ring of ``goal_radius`` under the
                objects (``"disc"`` style only), or ``None``.
            goal_radius: Radius of the goal ring, table units.
            visible: ``(N,)`` booleans; hidden objects are not drawn.
            background: ``(H, W, 3)`` uint8 image of this renderer's size, or ``None``
                for black. Treated as immutable: pass a new array to change it.

        Returns:
            ``(H, W, 3)`` uint8 RGB, a new array.
        """
        frame = self._base_layer(goal, goal_radius, background).copy()
        pos = _as_f64(positions)
        rad = _as_f64(radii)
        n = len(pos)
        if pos.ndim != 2 or pos.shape[1] != 2 or rad.shape != (n,):
            raise ValueError(
                f"positions must be (N, 2) and radii (N,), got {pos.shape} and {rad.shape}"
            )
        if visible is None:
            vis = _ALL_VISIBLE if n <= len(_ALL_VISIBLE) else np.ones(n, dtype=np.bool_)
        else:
            vis = np.asarray(visible, dtype=np.bool_)
        _paint(frame, pos, rad, rad, self.scale, vis, self._object_paints(n), self._mode)
        return frame

    def _object_paints(self, n: int) -> np.ndarray:
        paint = self._paints.get(n)
        if paint is None:
            paint = np.zeros((n, 3), dtype=np.float64)
            for i in range(n):
                if self.style == "disc":
                    paint[i] = object_color(i)
                else:
                    paint[i, i % 3] = 255.0
            self._paints[n] = paint
        return paint

    def _base_layer(
        self, goal: np.ndarray | None, goal_radius: float, background: np.ndarray | None
    ) -> np.ndarray:
        """Background plus goal ring; both are fixed within an episode, so it is cached."""
        show_goal = goal is not None and goal_radius > 0 and self.style == "disc"
        # The key holds the background itself, compared by identity.
        goal_key = (float(goal[0]), float(goal[1]), float(goal_radius)) if show_goal else None
        last = self._base_key
        if last is not None and last[0] == goal_key and last[1] is background:
            return self._base
        n = self.size
        if background is None:
            self._base.fill(0)
        else:
            if background.shape != (n, n, 3) or background.dtype != np.uint8:
                raise ValueError(
                    f"background must be a uint8 array of shape {(n, n, 3)}, got "
                    f"{background.dtype} {background.shape}"
                )
            np.copyto(self._base, background)
        if show_goal:
            width = max(1.0 / self.scale, 0.12 * goal_radius)  # at least one pixel wide
            _paint(
                self._base,
                np.array([goal], dtype=np.float64),
                np.array([goal_radius]),
                np.array([goal_radius - width]),
                self.scale,
                _ALL_VISIBLE,
                np.array([GOAL_COLOR], dtype=np.float64),
                _RING,
            )
        self._base_key = (goal_key, background)
        return self._base
