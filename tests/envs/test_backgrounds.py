"""Backgrounds: plain, procedural texture, user images; in the observations and render()."""

import pickle

import gymnasium as gym
import numpy as np
import pytest

import vin_gym  # noqa: F401
from vin_gym.backgrounds import BackgroundSource, resize_square


def test_plain_is_black_and_draws_nothing_from_the_generator():
    rng = np.random.default_rng(0)
    assert BackgroundSource("plain").sample(rng) is None
    assert rng.uniform() == np.random.default_rng(0).uniform()


def test_texture_is_seeded_new_each_episode_and_natural_looking():
    source = BackgroundSource("textured")
    a = source.sample(np.random.default_rng(5)).at(64)
    b = source.sample(np.random.default_rng(5)).at(64)
    c = source.sample(np.random.default_rng(6)).at(64)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert a.shape == (64, 64, 3) and a.dtype == np.uint8
    assert not a.flags.writeable  # cached and shared with the renderer
    # textured, not flat or white noise: varied values, neighbours strongly correlated
    grey = a.astype(float).mean(axis=2)
    assert grey.std() > 5
    assert np.corrcoef(grey[:, :-1].ravel(), grey[:, 1:].ravel())[0, 1] > 0.8
    assert a.max() < 200  # darker than the object colours


def test_texture_is_the_same_picture_at_every_size():
    episode = BackgroundSource("textured").sample(np.random.default_rng(1))
    small, large = episode.at(64).astype(float), episode.at(256).astype(float)
    shrunk = large.reshape(64, 4, 64, 4, 3).mean(axis=(1, 3))
    assert np.abs(shrunk - small).mean() < 6  # out of 255
    assert episode.at(64) is episode.at(64)  # cached


def test_user_images_are_chosen_per_episode_and_resized():
    red = np.zeros((20, 30, 3), dtype=np.uint8)
    red[..., 0] = 200
    grey = np.full((40, 40), 0.5)  # float grey image
    source = BackgroundSource([red, grey])
    seen = set()
    for seed in range(20):
        image = source.sample(np.random.default_rng(seed)).at(48)
        assert image.shape == (48, 48, 3)
        seen.add(tuple(image[24, 24]))
    assert seen == {(200, 0, 0), (128, 128, 128)}
    stack = np.zeros((3, 32, 32, 3), dtype=np.uint8)  # a (K, H, W, 3) stack is K images
    assert len(BackgroundSource(stack).images) == 3


def test_resize_keeps_a_gradient_and_averages_when_shrinking():
    ramp = np.repeat(np.linspace(0, 255, 128)[None, :, None], 3, axis=2)
    ramp = np.repeat(ramp, 128, axis=0).astype(np.uint8)  # (128, 128, 3), left dark
    small = resize_square(ramp, 32)
    assert np.all(np.diff(small[0, :, 0].astype(int)) >= 0)
    checker = (np.indices((64, 64)).sum(axis=0) % 2 * 255).astype(np.uint8)
    shrunk = resize_square(np.repeat(checker[..., None], 3, axis=2), 32)
    assert np.abs(shrunk.astype(int) - 128).max() <= 5  # averaged (aliasing: 0 or 255)


@pytest.mark.parametrize(
    "bad, match",
    [
        ("cifar", "'plain', 'textured'"),
        ([], "non-empty"),
        (np.zeros((4, 4, 2), dtype=np.uint8), r"\(H, W, 3\)"),
        (np.full((4, 4, 3), 2.0), r"\[0, 1\]"),
        (np.zeros((4, 4, 3), dtype=np.int32), "uint8 or float"),
    ],
)
def test_bad_backgrounds_are_rejected(bad, match):
    with pytest.raises(ValueError, match=match):
        BackgroundSource(bad)
    with pytest.raises(ValueError, match=match):
        gym.make("Springs-v0", background=bad)


def test_env_draws_its_background_under_the_objects():
    image = np.zeros((10, 10, 3), dtype=np.uint8)
    image[..., 2] = 90
    env = gym.make("Billiards-v0", background=image, render_mode="rgb_array", show_goal=False)
    obs, _ = env.reset(seed=0)
    assert np.mean(np.all(obs == [0, 0, 90], axis=2)) > 0.5  # most pixels are background
    frame = env.render()
    assert frame.shape == (256, 256, 3)
    assert np.mean(np.all(frame == [0, 0, 90], axis=2)) > 0.5


def test_textured_env_changes_background_per_episode_deterministically():
    def first_frames(seed):
        env = gym.make("Springs-v0", background="textured", obs_size=32, show_goal=False)
        a, _ = env.reset(seed=seed)
        b, _ = env.reset()
        return a, b

    a1, b1 = first_frames(0)
    a2, b2 = first_frames(0)
    np.testing.assert_array_equal(a1, a2)
    np.testing.assert_array_equal(b1, b2)
    assert np.mean(a1 != b1) > 0.5  # a new texture, not just moved discs


def test_textured_background_keeps_the_scene_of_a_seed():
    """The background is drawn after the scene, so a seed's first scene is unchanged."""
    plain = gym.make("Gravity-v0")
    textured = gym.make("Gravity-v0", background="textured")
    np.testing.assert_array_equal(
        plain.reset(seed=4)[1]["states"], textured.reset(seed=4)[1]["states"]
    )


def test_env_with_background_pickles():
    env = gym.make("Drift-v0", background="textured", obs_size=32)
    env.reset(seed=1)
    clone = pickle.loads(pickle.dumps(env))
    action = np.array([0.5, -0.5], dtype=np.float32)
    np.testing.assert_array_equal(env.step(action)[0], clone.step(action)[0])
