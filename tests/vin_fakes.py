"""Small in-memory clip datasets for the VIN tests (the ``ClipDataset`` contract)."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import torch

import vin_gym  # noqa: F401  (registers the environments)

#: Billiards-v0 in the paper's prediction setting rather than the skill task's rest.
MOVING = {"initial_speed": 2.0, "damping": 0.0}


class MemoryClips:
    """Clips of ``visible + rollout`` frames cut from a few Billiards-v0 episodes, in the
    paper's prediction setting (balls moving on a frictionless table: ``MOVING``).

    Items follow :class:`vin_gym.data.ClipDataset`: ``frames`` uint8 ``[V, H, W, 3]``,
    ``states`` float32 ``[V + R, N, 4]``, ``actions`` float32 ``[V + R, A]``.
    """

    def __init__(
        self,
        episodes: int = 2,
        length: int = 20,
        visible: int = 6,
        rollout: int = 4,
        obs_size: int = 32,
        n_objects: int = 3,
        pushes: bool = True,
        seed: int = 0,
        starts: int | None = None,
    ) -> None:
        env = gym.make(
            "Billiards-v0", obs_size=obs_size, n_objects=n_objects, show_goal=False, **MOVING
        )
        rng = np.random.default_rng(seed)
        self.frames, self.states, self.actions = [], [], []
        for e in range(episodes):
            obs, info = env.reset(seed=seed + e)
            f, s, a = [obs], [info["states"]], []
            for _ in range(length - 1):
                act = rng.uniform(-1, 1, 2).astype(np.float32) * (rng.random() < 0.2) * pushes
                obs, _, _, _, info = env.step(act)
                f.append(obs), s.append(info["states"]), a.append(act)
            a.append(np.zeros(2, np.float32))
            self.frames.append(np.stack(f))
            self.states.append(np.stack(s).astype(np.float32))
            self.actions.append(np.stack(a))
        env.close()
        self.visible, self.rollout = visible, rollout
        self.per_episode = length - visible - rollout + 1
        if starts is not None:
            self.per_episode = min(self.per_episode, starts)
        self.meta = {
            "env_id": "Billiards-v0",
            "env_kwargs": {"show_goal": False, **MOVING},
            "n_objects": n_objects,
            "obs_size": obs_size,
            "table_size": 10.0,
            "dt": 0.1,
            "action_dim": 2,
        }

    def __len__(self) -> int:
        return len(self.frames) * self.per_episode

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        e, s = divmod(int(i), self.per_episode)
        t = self.visible + self.rollout
        return {
            "frames": torch.from_numpy(self.frames[e][s : s + self.visible].copy()),
            "states": torch.from_numpy(self.states[e][s : s + t].copy()),
            "actions": torch.from_numpy(self.actions[e][s : s + t].copy()),
        }

    def state_stats(self) -> dict[str, torch.Tensor]:
        s = torch.from_numpy(np.concatenate(self.states)).reshape(-1, 4)
        return {"mean": s.mean(0), "std": s.std(0)}


class FailingClips:
    """Wraps clips and raises after ``fail_after`` items: a run killed mid-training."""

    def __init__(self, clips: MemoryClips, fail_after: int) -> None:
        self.clips, self.left = clips, fail_after
        self.meta = clips.meta

    def __len__(self) -> int:
        return len(self.clips)

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        self.left -= 1
        if self.left < 0:
            raise KeyboardInterrupt("simulated kill")
        return self.clips[i]

    def state_stats(self) -> dict[str, torch.Tensor]:
        return self.clips.state_stats()


def ddp_worker(rank: int, world: int, port: int, run_dir: str, result_dir: str) -> None:
    """One process of a 2-process gloo DDP run: one training step, then save the weights."""
    import os

    os.environ.update(
        MASTER_ADDR="127.0.0.1",
        MASTER_PORT=str(port),
        WORLD_SIZE=str(world),
        RANK=str(rank),
        LOCAL_RANK=str(rank),
    )
    import torch.distributed as dist

    from vin_model import VINConfig
    from vin_model.training import TrainConfig, fit

    clips = MemoryClips(episodes=2, length=14, rollout=2, starts=4)
    cfg = TrainConfig(
        steps=1,
        batch_size=2,
        rollout_start=2,
        rollout_max=2,
        progress=False,
        device="cpu",
        val_clips=2,
    )
    vin, summary = fit(
        run_dir, clips, None, VINConfig(conv_channels=4, hidden=16, code_size=8), cfg
    )
    torch.save(
        {"step": summary["step"], "world": dist.get_world_size(), "weights": vin.state_dict()},
        os.path.join(result_dir, f"rank{rank}.pt"),
    )
    dist.destroy_process_group()


# -- the seed's .mat data ----------------------------------------------------------------
RES, L, R = 32, 10.0, 1.2


def seed_draw(positions: np.ndarray) -> np.ndarray:
    """Frames as the seed's generator draws them, written from its description: pixel
    (row, col) samples ((col + 0.5) L / RES, (row + 0.5) L / RES); ball i is
    exp(-((d / r)^2)^4) in channel i, clipped to 1. positions: (T, N, 2)."""
    centres = (np.arange(RES) + 0.5) * L / RES
    first, second = np.meshgrid(centres, centres)  # first coordinate varies along columns
    out = np.zeros((len(positions), RES, RES, 3))
    for t, frame_positions in enumerate(positions):
        for i, (x, y) in enumerate(frame_positions):
            d2 = ((first - x) ** 2 + (second - y) ** 2) / R**2
            out[t, :, :, i] += np.exp(-(d2**4))
    return np.minimum(out, 1.0)


def seed_episodes(episodes: int, frames: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """SeedBilliards-v0 passive episodes: (seed-style X, seed-style y, our frames)."""
    env = gym.make("SeedBilliards-v0", disable_env_checker=True)
    xs, ys, ours = [], [], []
    for e in range(episodes):
        obs, info = env.reset(seed=e)
        states, pixels = [info["states"]], [obs]
        for _ in range(frames - 1):
            obs, _, _, _, info = env.step(np.zeros(2))
            states.append(info["states"])
            pixels.append(obs)
        s = np.array(states)
        y = s.copy()
        y[..., 2:] *= 0.1  # the seed's velocities are per frame
        xs.append(seed_draw(s[..., :2]))
        ys.append(y)
        ours.append(np.array(pixels))
    return np.array(xs), np.array(ys), np.array(ours)
