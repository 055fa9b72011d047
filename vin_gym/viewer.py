"""A pygame window for ``render_mode="human"`` (pygame is imported only here)."""

from __future__ import annotations

import numpy as np


class Viewer:
    """Shows uint8 ``(H, W, 3)`` frames in a window, at most ``fps`` per second."""

    def __init__(self, title: str = "vin-gym", fps: int = 10, window_size: int = 512) -> None:
        try:
            import pygame
        except ImportError as exc:  # pragma: no cover - pygame is a core dependency
            raise ImportError("render_mode='human' needs pygame: pip install pygame") from exc
        self._pygame = pygame
        pygame.display.init()  # the display only: pygame.init() would open audio too
        self.window = pygame.display.set_mode((window_size, window_size))
        pygame.display.set_caption(title)
        self.clock = pygame.time.Clock()
        self.fps = fps
        self.window_size = window_size

    def show(self, frame: np.ndarray) -> None:
        pg = self._pygame
        pg.event.pump()
        surface = pg.surfarray.make_surface(np.ascontiguousarray(frame.transpose(1, 0, 2)))
        self.window.blit(pg.transform.scale(surface, (self.window_size,) * 2), (0, 0))
        pg.display.flip()
        self.clock.tick(self.fps)

    def close(self) -> None:
        self._pygame.display.quit()
