"""Stable-Baselines3 agents on vin-gym environments: settings, hyper-parameters, env stacks.

Stable-Baselines3 is an optional extra (``pip install vin-gym[sb3]``); it is imported
only inside the functions here. Every agent is given the goal, as the planners are.
Pixel agents observe a ``Dict`` of the last ``frame_stack`` frames (one frame shows no
velocity; SB3's ``VecFrameStack``, channels first through ``VecTransposeImage``) and the
goal vector (the goal's x, y mapped to [-1, 1]), with a ``MultiInputPolicy``: they see
no object state, only what a world model's planner sees. State agents observe the
object states and the goal in one vector, with an ``MlpPolicy``.

A run directory holds ``config.json`` (written first), ``evaluations.json`` (grows with
each evaluation), ``checkpoints/model_<steps>.zip`` (one per evaluation),
``checkpoints/latest.zip`` (the newest state, and an off-policy agent's replay buffer
beside it), ``model.zip`` (the final model), ``tb/`` (TensorBoard) and ``summary.json``
(written last).

Training and resuming a run are in :mod:`vin_gym.baselines.training`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from vin_gym.baselines.callbacks import (
    EVAL_SEED_BASE,
)
from vin_gym.extras import MissingExtraError
from vin_gym.seeds import check_development

ALGOS = ("ppo", "sac", "td3", "a2c")
#: The env observation modes an SB3 policy takes (one array: not "dict").
SB3_OBS_MODES = ("pixels", "state")
#: Default evaluation points (environment steps); those up to the budget are used.
DEFAULT_EVAL_AT = (1_000, 3_000, 10_000, 30_000, 100_000, 300_000, 1_000_000)


@dataclass
class BaselineConfig:
    """One SB3 training run.

    Attributes:
        algo: The algorithm: ppo, sac, td3 or a2c.
        obs: What the agent observes: pixels (stacked frames and the goal vector) or
            state (object states and the goal).
        env_id: Gymnasium id of a vin-gym environment.
        env_kwargs: Its keyword arguments (``obs_mode`` and ``obs_size`` come from ``obs``
            and ``obs_size``).
        timesteps: Environment steps to train for (PPO/A2C round up to whole rollouts).
        seed: Seed of the agent and of the training environments.
        out: Run directory (``None``: ``runs/sb3/<algo>_<obs>_s<seed>``).
        eval_at: Environment step counts at which to evaluate (plus once at the end);
            comma-separated on the command line.
        eval_episodes: Episodes per evaluation; episode ``i`` resets with the
            development seed 1000 + ``i``.
        eval_envs: Evaluation episodes played side by side.
        n_envs: Training environments (``None``: 8 for PPO/A2C, 1 for SAC/TD3).
        obs_size: Frame size in pixels (64: the smallest SB3's image network takes well).
        frame_stack: Frames stacked for pixel agents.
        threads: torch CPU threads (0 keeps torch's default).
        device: torch device for SB3 (``"auto"``: CUDA when available).
        buffer_size: Replay buffer size for SAC/TD3 (``None``: the run's steps, within
            free memory).
        memory_fraction: Share of available memory the replay buffer may take.
        progress: Show a progress bar.
        checkpoints: Save a checkpoint at every evaluation, and the newest state (for a
            resume) at every evaluation and every ``checkpoint_every`` steps.
        checkpoint_every: Steps between saves of the newest state (``None``: only at
            evaluations); a killed run loses at most this many steps.
        hyperparams: Overrides of the algorithm's keyword arguments (e.g.
            ``n_steps=64``; values are Python literals).
    """

    algo: str = "ppo"
    obs: str = "pixels"
    env_id: str = "Billiards-v0"
    env_kwargs: dict[str, Any] = field(default_factory=dict)
    timesteps: int = 100_000
    seed: int = 0
    out: Path | None = None
    eval_at: tuple[int, ...] = DEFAULT_EVAL_AT
    eval_episodes: int = 50
    eval_envs: int = 10
    n_envs: int | None = None
    obs_size: int = 64
    frame_stack: int = 4
    threads: int = 1
    device: str = "auto"
    buffer_size: int | None = None
    memory_fraction: float = 0.25
    progress: bool = True
    checkpoints: bool = True
    checkpoint_every: int | None = 50_000
    hyperparams: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.algo not in ALGOS:
            raise ValueError(f"algo must be one of {ALGOS}, got {self.algo!r}")
        if self.obs not in SB3_OBS_MODES:
            raise ValueError(f"obs must be one of {SB3_OBS_MODES}, got {self.obs!r}")
        for name in ("timesteps", "eval_episodes", "eval_envs", "frame_stack"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        check_development(EVAL_SEED_BASE, self.eval_episodes, "the evaluation seed base")
        if self.checkpoint_every is not None and self.checkpoint_every < 1:
            raise ValueError(f"checkpoint_every must be >= 1, got {self.checkpoint_every}")
        if self.n_envs is not None and self.n_envs < 1:
            raise ValueError(f"n_envs must be >= 1, got {self.n_envs}")
        if self.threads < 0:
            raise ValueError(f"threads must be >= 0 (0: torch's default), got {self.threads}")
        if not 0 < self.memory_fraction <= 1:
            raise ValueError(f"memory_fraction must be in (0, 1], got {self.memory_fraction}")
        _check_frames_and_hyperparams(self)
        self.out = Path(self.out or f"runs/sb3/{self.algo}_{self.obs}_s{self.seed}")

    @property
    def envs(self) -> int:
        """Training environments actually used."""
        if self.n_envs is not None:
            return self.n_envs
        return 8 if self.algo in ("ppo", "a2c") else 1


#: The smallest frame SB3's NatureCNN takes (its three convolutions shrink 36 px to 1).
MIN_PIXEL_SIZE = 36


def _check_frames_and_hyperparams(cfg: BaselineConfig) -> None:
    """The frame size set once (``obs_size``, not ``env_kwargs``) and large enough for the
    CNN; a hyper-parameter of another type than its default (``n_steps=abc``) refused."""
    for key in ("obs_size", "obs_mode"):
        if key in cfg.env_kwargs:
            raise ValueError(
                f"env_kwargs may not set {key!r}: the baseline sets it from "
                + ("obs_size" if key == "obs_size" else "obs")
            )
    if cfg.obs == "pixels" and cfg.obs_size < MIN_PIXEL_SIZE:
        raise ValueError(
            f"obs_size={cfg.obs_size} is too small for SB3's CNN on pixels; "
            f"expected >= {MIN_PIXEL_SIZE}"
        )
    for key, value in cfg.hyperparams.items():
        default = hyperparameters(cfg).get(key)
        if isinstance(default, bool) or default is None:
            continue
        kind = int if isinstance(default, int) else int | float
        if isinstance(default, int | float) and (
            not isinstance(value, kind) or isinstance(value, bool)
        ):
            expected = "an integer" if isinstance(default, int) else "a number"
            raise ValueError(f"hyper-parameter {key}={value!r}: expected {expected}")


def require_sb3() -> Any:
    """Import stable_baselines3, or raise an error naming the extra to install."""
    try:
        import stable_baselines3
    except ImportError as exc:
        raise MissingExtraError(
            "the SB3 baselines need Stable-Baselines3: pip install 'vin-gym[sb3]'", "sb3"
        ) from exc
    return stable_baselines3


def hyperparameters(cfg: BaselineConfig) -> dict[str, Any]:
    """Keyword arguments of the SB3 algorithm for ``cfg`` (before ``cfg.hyperparams``).

    Chosen for 100-step episodes with a dense reward in about [-1.4, 0]: PPO with
    2048-step rollouts over 8 envs (state) or 1024 (pixels); SAC/TD3 with SB3's usual
    off-policy settings, a smaller batch and buffer for pixels.
    """
    pixels = cfg.obs == "pixels"
    if cfg.algo == "ppo":
        if pixels:
            hp = dict(
                n_steps=128,
                batch_size=256,
                n_epochs=4,
                learning_rate=2.5e-4,
                clip_range=0.1,
                ent_coef=0.0,
                gae_lambda=0.95,
                gamma=0.99,
            )
        else:
            hp = dict(
                n_steps=256,
                batch_size=256,
                n_epochs=10,
                learning_rate=3e-4,
                clip_range=0.2,
                ent_coef=0.0,
                gae_lambda=0.95,
                gamma=0.99,
                policy_kwargs=dict(net_arch=dict(pi=[128, 128], vf=[128, 128])),
            )
    elif cfg.algo == "a2c":
        hp = dict(n_steps=8, learning_rate=7e-4, gamma=0.99, gae_lambda=0.95, ent_coef=0.0)
    else:  # sac, td3
        hp = dict(
            learning_rate=3e-4,
            batch_size=128 if pixels else 256,
            gamma=0.99,
            tau=0.005,
            learning_starts=1_000,
            train_freq=1,
            gradient_steps=1,
        )
        if not pixels:
            hp["policy_kwargs"] = dict(net_arch=[256, 256])
    return hp


def transition_bytes(cfg: BaselineConfig, n_objects: int = 3) -> int:
    """Bytes one replay-buffer transition takes (observation and next observation)."""
    if cfg.obs == "pixels":
        obs = cfg.frame_stack * (3 * cfg.obs_size**2 + 4 * 2)  # uint8 C x H x W, goal
    else:
        obs = 4 * (4 * n_objects + 2)  # float32 state vector
    return 2 * obs + 4 * 2 + 4 * 3  # obs, next obs, action, reward, done, timeout


def available_memory() -> int:
    """Available memory in bytes (``MemAvailable`` of ``/proc/meminfo``; 4 GiB if unknown)."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 4 << 30


def replay_settings(cfg: BaselineConfig) -> dict[str, Any]:
    """Replay buffer size and memory options for SAC/TD3.

    The buffer holds every transition of the run when that fits in
    ``memory_fraction`` of the available memory; otherwise it shrinks to fit (SB3's
    ``optimize_memory_usage`` does not apply: pixel agents observe a ``Dict``).
    """
    per = transition_bytes(cfg)
    budget = int(available_memory() * cfg.memory_fraction)
    size = cfg.buffer_size or cfg.timesteps
    settings: dict[str, Any] = {}
    if cfg.buffer_size is None and size * per > budget:
        size = min(size, max(budget // per, 10_000))
    settings["buffer_size"] = int(size)
    settings["buffer_gib"] = round(size * per / 2**30, 3)
    return settings


def make_vec_env(cfg: BaselineConfig, n_envs: int, seed: int | None) -> Any:
    """The SB3 ``VecEnv`` an agent trains or is evaluated on (frame-stacked for pixels)."""
    from stable_baselines3.common.monitor import Monitor
    from stable_baselines3.common.vec_env import DummyVecEnv, VecFrameStack, VecTransposeImage

    import vin_gym  # noqa: F401  (registers the environments)

    kwargs: dict[str, Any] = {**cfg.env_kwargs, "obs_mode": "state"}
    if cfg.obs == "pixels":
        kwargs.update(obs_mode="dict", obs_size=cfg.obs_size)

    def make() -> gym.Env:
        env = gym.make(cfg.env_id, **kwargs)
        if cfg.obs == "pixels":
            env = PixelsAndGoal(env)
        return Monitor(env, info_keywords=("is_success",))

    venv = DummyVecEnv([make] * n_envs)
    if seed is not None:
        venv.seed(seed)
    if cfg.obs == "pixels":
        venv = VecFrameStack(venv, n_stack=cfg.frame_stack)  # pixels (H, W, 3 * stack)
        venv = VecTransposeImage(venv)  # pixels (3 * stack, H, W) for the CNN
    return venv


class PixelsAndGoal(gym.ObservationWrapper):
    """A vin-gym env made with ``obs_mode="dict"``, observed as ``{"pixels": frame,
    "goal": goal vector}``: the object states it also computes are dropped, so a pixel
    agent never sees them."""

    def __init__(self, env: gym.Env) -> None:
        if getattr(env.unwrapped, "obs_mode", None) != "dict":
            raise ValueError("PixelsAndGoal needs an env made with obs_mode='dict'")
        super().__init__(env)
        size = env.unwrapped.obs_size
        self.observation_space = spaces.Dict(
            {
                "pixels": spaces.Box(0, 255, (size, size, 3), np.uint8),
                "goal": spaces.Box(-1.0, 1.0, (2,), np.float32),
            }
        )

    def observation(self, observation: dict) -> dict:
        return {"pixels": observation["pixels"], "goal": observation["state"][-2:]}


def algorithm_class(algo: str) -> Any:
    """The SB3 class of ``algo`` (one of :data:`ALGOS`)."""
    sb3 = require_sb3()
    return {"ppo": sb3.PPO, "sac": sb3.SAC, "td3": sb3.TD3, "a2c": sb3.A2C}[algo]


def build_model(cfg: BaselineConfig, venv: Any, tensorboard_log: str | None) -> tuple[Any, dict]:
    """The SB3 model for ``cfg`` on ``venv`` and the keyword arguments it was built with."""
    cls = algorithm_class(cfg.algo)
    import inspect

    accepted = set(inspect.signature(cls.__init__).parameters) - {"self", "policy", "env"}
    unknown = sorted(set(cfg.hyperparams) - accepted)
    if unknown:
        raise ValueError(
            f"unknown {cls.__name__} hyper-parameters {unknown}; "
            f"expected some of {sorted(accepted)}"
        )
    hp = {**hyperparameters(cfg), **cfg.hyperparams}
    if cfg.algo in ("sac", "td3"):
        replay = replay_settings(cfg)
        replay.pop("buffer_gib")
        hp = {**replay, **hp}
    if cfg.algo == "td3" and "action_noise" not in hp:
        from stable_baselines3.common.noise import NormalActionNoise

        hp["action_noise"] = NormalActionNoise(np.zeros(2), 0.1 * np.ones(2))
    policy = "MultiInputPolicy" if cfg.obs == "pixels" else "MlpPolicy"
    model = cls(
        policy,
        venv,
        seed=cfg.seed,
        device=cfg.device,
        verbose=0,
        tensorboard_log=tensorboard_log,
        **hp,
    )
    return model, hp
