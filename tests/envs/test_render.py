"""The renderer: sizes, anti-aliasing, colours, styles, visibility."""

import numpy as np
import pytest

from vin_gym.render import BASE_COLORS, GOAL_COLOR, Renderer, object_color


@pytest.mark.parametrize("size", [32, 64, 128, 256])
def test_frame_shape_and_dtype(size):
    frame = Renderer(size).render(np.array([[5.0, 5.0]]), np.array([1.0]))
    assert frame.shape == (size, size, 3) and frame.dtype == np.uint8


@pytest.mark.parametrize("size", [16, 300, 64.0])
def test_bad_size(size):
    with pytest.raises(ValueError, match="32 to 256"):
        Renderer(size)


def test_subpixel_shift_changes_edge_pixels():
    r = Renderer(32)
    a = r.render(np.array([[5.0, 5.0]]), np.array([1.0]))
    b = r.render(np.array([[5.0 + 0.1 * 10 / 32, 5.0]]), np.array([1.0]))  # 0.1 pixel
    diff = np.abs(a.astype(int) - b.astype(int))
    assert diff.any()
    assert 0 < diff.max() < 60  # a small change at the edges, not a jump of a whole pixel


def test_edges_are_anti_aliased():
    frame = Renderer(64).render(np.array([[5.03, 4.97]]), np.array([1.3]))
    red = frame[..., 0]
    partial = (red > 0) & (red < object_color(0)[0])
    assert partial.sum() >= 8  # a ring of partially covered pixels


def test_colours_fixed_and_distinct():
    colours = [object_color(i) for i in range(12)]
    assert colours[:3] == [(230, 40, 40), (40, 200, 40), (50, 90, 255)]
    assert len(set(colours)) == 12 and GOAL_COLOR not in colours
    assert tuple(BASE_COLORS[3]) == object_color(3)


def test_object_positions_follow_axes():
    # x along columns, y along rows with row 0 at y = 0
    frame = Renderer(64).render(np.array([[2.0, 8.0]]), np.array([0.5]))
    rows, cols = np.nonzero(frame[..., 0] > 200)
    assert abs(cols.mean() - 2.0 * 6.4) < 1 and abs(rows.mean() - 8.0 * 6.4) < 1


def test_goal_ring_and_visibility():
    r = Renderer(64)
    pos, radii = np.array([[2.0, 2.0], [8.0, 8.0]]), np.ones(2)
    with_goal = r.render(pos, radii, goal=np.array([5.0, 5.0]), goal_radius=1.0)
    white = np.all(with_goal > 200, axis=-1)
    assert white.sum() > 10
    hidden = r.render(pos, radii, visible=[True, False])
    assert hidden[51, 51].max() == 0 and hidden[12, 12, 0] > 200  # object 1 at (8, 8) absent


def test_blob_style_is_the_seed_look():
    frame = Renderer(32, style="blob").render(np.array([[5.0, 5.0], [2.0, 2.0]]), np.ones(2) * 1.2)
    # object 0 in the red channel only, object 1 in green only, peak near 255
    assert frame[16, 16, 0] > 240 and frame[16, 16, 1] == 0
    assert frame[6, 6, 1] > 200 and frame[6, 6, 0] == 0


def test_background_is_used_and_validated():
    r = Renderer(32)
    bg = np.full((32, 32, 3), 100, dtype=np.uint8)
    frame = r.render(np.array([[5.0, 5.0]]), np.array([1.0]), background=bg)
    assert frame[0, 0].tolist() == [100, 100, 100]
    with pytest.raises(ValueError, match="background"):
        r.render(np.array([[5.0, 5.0]]), np.array([1.0]), background=np.zeros((8, 8, 3)))
