"""Shared test settings: headless pygame, one torch thread, deterministic warnings."""

import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
os.environ.setdefault("MPLBACKEND", "Agg")

# The signing key (vin_gym.signing) of this test session, never the user's own.
if "VIN_GYM_KEY_FILE" not in os.environ:
    import tempfile

    os.environ["VIN_GYM_KEY_FILE"] = os.path.join(
        tempfile.mkdtemp(prefix="vin-gym-test-key-"), "signing.key"
    )
