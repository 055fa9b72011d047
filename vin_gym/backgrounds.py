"""Per-episode backgrounds for the pixels: plain black, procedural texture, or images.

The paper drew its scenes over natural images. An environment's ``background=`` argument
takes one of:

* ``"plain"`` (default): black.
* ``"textured"``: a procedural, natural-looking texture (fractal value noise coloured by a
  random muted palette, like rock, bark or cloud), a new one each episode, drawn from the
  environment's seeded generator. It is resolution-free: the observation and
  ``render()`` show the same texture at their own sizes.
* images supplied by the user: one ``(H, W, 3)`` array, a stack ``(K, H, W, 3)``, or a
  list of arrays (for example CIFAR-10 images loaded from disk), uint8 or float in
  ``[0, 1]``, grey ``(H, W)`` allowed. Each episode shows one, chosen at random,
  centre-cropped to a square and resized (antialiased) to the frame size.

>>> import numpy as np
>>> source = BackgroundSource("textured")
>>> background = source.sample(np.random.default_rng(0))
>>> frame = background.at(64)
>>> frame.shape, frame.dtype
((64, 64, 3), dtype('uint8'))
>>> BackgroundSource("plain").sample(np.random.default_rng(0)) is None
True
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import numpy as np

#: What ``background=`` accepts.
BackgroundSpec = str | np.ndarray | Sequence[np.ndarray]

# Texture: value-noise octaves on grids of 3, 5, 9, ..., 129 points, each octave's
# amplitude ``_PERSISTENCE`` times the previous one (roughly a 1/f spectrum, as in
# natural images).
_OCTAVE_GRIDS = tuple(2 ** (o + 1) + 1 for o in range(7))
_PERSISTENCE = 0.6
_TOTAL_AMPLITUDE = sum(_PERSISTENCE**o for o in range(len(_OCTAVE_GRIDS)))
_CONTRAST = 2.2  # stretches the summed noise (mostly within +-0.45) to about [0, 1]
#: Brightest palette value (the shading multiplies it by up to 1.25), so the saturated
#: object colours stay easy to see.
MAX_TEXTURE_VALUE = 0.55


class EpisodeBackground:
    """One episode's background, drawn at any frame size on demand (cached per size)."""

    def __init__(self, draw: Any) -> None:
        self._draw = draw
        self._cache: dict[int, np.ndarray] = {}

    def at(self, size: int) -> np.ndarray:
        """The background as a read-only uint8 ``(size, size, 3)`` array."""
        image = self._cache.get(size)
        if image is None:
            image = self._draw(int(size))
            image.flags.writeable = False
            self._cache[size] = image
        return image


class BackgroundSource:
    """Draws each episode's background (see the module docstring for ``spec``).

    Args:
        spec: ``"plain"``, ``"textured"``, an image array or a list of images.
    """

    def __init__(self, spec: BackgroundSpec = "plain") -> None:
        self.images: list[np.ndarray] = []
        if isinstance(spec, str):
            if spec not in ("plain", "textured"):
                raise ValueError(
                    f"background must be 'plain', 'textured', an image array or a list of "
                    f"images, got {spec!r}"
                )
            self.kind = spec
            return
        self.kind = "images"
        if isinstance(spec, np.ndarray) and spec.ndim == 4:
            spec = list(spec)  # (K, H, W, 3) stack -> K images
        elif isinstance(spec, np.ndarray):
            spec = [spec]
        if not isinstance(spec, Sequence) or len(spec) == 0:
            raise ValueError(
                f"background images must be a non-empty array or list of arrays, got {spec!r}"
            )
        self.images = [_as_rgb8(image, k) for k, image in enumerate(spec)]

    def sample(self, rng: np.random.Generator) -> EpisodeBackground | None:
        """This episode's background (``None`` for plain black); draws from ``rng``."""
        if self.kind == "plain":
            return None
        if self.kind == "images":
            image = self.images[int(rng.integers(len(self.images)))]
            return EpisodeBackground(functools.partial(resize_square, image))
        return EpisodeBackground(functools.partial(_texture, _texture_params(rng)))


def _as_rgb8(image: Any, index: int) -> np.ndarray:
    """A user image as uint8 ``(H, W, 3)``, or ValueError naming what is wrong."""
    arr = np.asarray(image)
    if arr.ndim == 2:
        arr = np.repeat(arr[:, :, None], 3, axis=2)
    if arr.ndim != 3 or arr.shape[2] not in (3, 4) or min(arr.shape[:2]) < 1:
        raise ValueError(
            f"background image {index} must have shape (H, W, 3) (or (H, W) grey), got "
            f"shape {arr.shape}"
        )
    arr = arr[:, :, :3]
    if arr.dtype == np.uint8:
        return np.ascontiguousarray(arr)
    if not np.issubdtype(arr.dtype, np.floating):
        raise ValueError(
            f"background image {index} must be uint8 or float in [0, 1], got dtype {arr.dtype}"
        )
    if not (np.all(np.isfinite(arr)) and arr.min() >= 0.0 and arr.max() <= 1.0):
        raise ValueError(
            f"float background image {index} must lie in [0, 1], got values from "
            f"{np.nanmin(arr)} to {np.nanmax(arr)}"
        )
    return np.round(arr * 255).astype(np.uint8)


@functools.cache
def _resample_matrix(n_in: int, n_out: int, smooth: bool = False) -> np.ndarray:
    """``(n_out, n_in)`` weights resampling a line of ``n_in`` samples to ``n_out``.

    Pixel centres are aligned (``(i + 0.5) / n``). A triangle filter, widened by the
    shrink factor when shrinking, so downsizing averages instead of aliasing.
    ``smooth`` instead interpolates a grid of ``n_in`` points spanning the whole line
    with smoothstep weights (value noise).
    """
    out = np.zeros((n_out, n_in))
    if smooth:
        t = (np.arange(n_out) + 0.5) / n_out * (n_in - 1)
        i0 = np.minimum(t.astype(int), n_in - 2)
        w = t - i0
        w = w * w * (3 - 2 * w)
        out[np.arange(n_out), i0] = 1 - w
        out[np.arange(n_out), i0 + 1] = w
        return out
    scale = max(1.0, n_in / n_out)
    centres = (np.arange(n_out) + 0.5) * n_in / n_out - 0.5  # in input pixel units
    x = np.arange(n_in)
    out = np.maximum(0.0, 1.0 - np.abs(x[None, :] - centres[:, None]) / scale)
    return out / out.sum(axis=1, keepdims=True)


def resize_square(image: np.ndarray, size: int) -> np.ndarray:
    """Centre-crop ``image`` (H, W, 3) to a square and resize it to ``(size, size, 3)``."""
    h, w = image.shape[:2]
    side = min(h, w)
    top, left = (h - side) // 2, (w - side) // 2
    crop = image[top : top + side, left : left + side].astype(np.float64)
    m = _resample_matrix(side, size)  # (size, side)
    rows = np.einsum("ij,jkc->ikc", m, crop)  # (size, side, 3)
    out = np.einsum("ikc,lk->ilc", rows, m)  # (size, size, 3)
    return np.clip(np.round(out), 0, 255).astype(np.uint8)


def _texture_params(rng: np.random.Generator) -> tuple[list[np.ndarray], np.ndarray]:
    """Random noise grids (2 fields per octave) and a 3-colour palette ``(3, 3)``."""
    grids = [rng.uniform(-1.0, 1.0, size=(2, g, g)) for g in _OCTAVE_GRIDS]
    hue = rng.uniform(0, 1) + np.array([0.0, 1.0, 2.0]) * rng.uniform(0.04, 0.12)
    saturation = rng.uniform(0.15, 0.55, size=3)
    value = np.sort(rng.uniform(0.12, MAX_TEXTURE_VALUE, size=3))
    palette = np.stack([_hsv_to_rgb(*hsv) for hsv in zip(hue % 1, saturation, value, strict=True)])
    return grids, palette


def _texture(params: tuple[list[np.ndarray], np.ndarray], size: int) -> np.ndarray:
    """The texture of ``params`` at ``size`` pixels: uint8 ``(size, size, 3)``."""
    grids, palette = params
    fields = np.zeros((2, size, size))
    amplitude = 1.0
    for grid in grids:
        g = grid.shape[-1]
        if g - 1 > 2 * size:  # finer than the pixels: nothing to add
            break
        m = _resample_matrix(g, size, smooth=True)  # (size, g)
        # (2, g, g) -> (2, size, size). Plain einsum rather than BLAS matmul: a BLAS
        # thread pool woken once per episode can cost far more than the arithmetic.
        fields += amplitude * np.einsum("cij,lj->cil", np.einsum("ij,cjk->cik", m, grid), m)
        amplitude *= _PERSISTENCE
    fields = np.clip(0.5 + _CONTRAST * fields / _TOTAL_AMPLITUDE, 0.0, 1.0)
    # Field 0 runs along the palette (dark, middle, light colour); field 1 shades it.
    t = fields[0] * 2.0
    lo = np.minimum(t.astype(int), 1)
    w = (t - lo)[..., None]
    rgb = palette[lo] * (1 - w) + palette[lo + 1] * w  # (size, size, 3)
    rgb *= (0.75 + 0.5 * fields[1])[..., None]
    return np.clip(np.round(rgb * 255), 0, 255).astype(np.uint8)


def _hsv_to_rgb(h: float, s: float, v: float) -> np.ndarray:
    i = int(h * 6) % 6
    f = h * 6 - int(h * 6)
    p, q, t = v * (1 - s), v * (1 - s * f), v * (1 - s * (1 - f))
    return np.array([(v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v), (v, p, q)][i])
