"""Train a VIN world model on pushed billiards and use it to predict candidate pushes.

1. Collect episodes of Billiards-v0 (32x32 pixels) under coloured-noise random pushes
   (blind to the scene, as an agent's own exploration would be).
2. Train a Visual Interaction Network on them (checkpoints land in OUT/run).
3. Load it as a world model, watch six frames of a new episode, and predict where the
   objects go under a batch of candidate action sequences, next to the truth.

    python examples/train_world_model.py --episodes 200 --steps 2000
"""

from __future__ import annotations

import argparse
from pathlib import Path

import gymnasium as gym
import numpy as np
import torch

import vin_gym  # noqa: F401  (registers the environments)
from vin_gym.data import ClipDataset, CollectConfig, collect
from vin_model import TrainConfig, VINConfig, VINWorldModel, train


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--episodes", type=int, default=200)
    p.add_argument("--steps", type=int, default=2000, help="training steps")
    p.add_argument("--batch-size", type=int, default=50)
    p.add_argument("--out", type=Path, default=Path("out/world_model"))
    args = p.parse_args(argv)

    # 1. Data: 40-step episodes of 32x32 frames under coloured-noise random pushes.
    env_kwargs = {"obs_size": 32, "show_goal": False}
    data = args.out / "data"
    if not (data / "manifest.json").exists():
        collect(
            CollectConfig(
                "Billiards-v0",
                env_kwargs,
                policy="colored",
                episodes=args.episodes,
                steps=39,
                progress=False,
            ),
            data,
        )
    clips = ClipDataset(data, visible=6, rollout=16, split="train")

    # 2. Train: rollouts grow from 8 to 16 steps over the first half of training.
    config = VINConfig(n_objects=clips.meta["n_objects"], frame_size=32)
    run = args.out / "run"
    cfg = TrainConfig(
        steps=args.steps,
        batch_size=args.batch_size,
        rollout_start=8,
        rollout_max=16,
        device="auto",
        progress=True,
    )
    summary = train(run, clips, None, config, cfg, resume=(run / "checkpoints").exists())
    print(f"trained {summary['step']} steps, final loss {summary['train/loss']:.4f}")

    # 3. Plan-style use: six observed frames, then 64 candidate push sequences at once.
    model = VINWorldModel.load(run)
    env = gym.make("Billiards-v0", **env_kwargs)
    obs, info = env.reset(seed=123)
    model.reset()
    model.observe(obs, info)
    while not model.ready():  # push nothing until the model has its six frames
        obs, _, _, _, info = env.step(np.zeros(2, dtype=np.float32))
        model.observe(obs, info)
    g = torch.Generator().manual_seed(0)
    candidates = torch.rand(64, 10, 2, generator=g, device="cpu") * 2 - 1  # [B, H, A]
    predicted = model.rollout(candidates.to(model.device))  # [B, H, N, 4]
    info_before, truth = info, []
    for action in candidates[0].numpy():  # the first candidate, for real
        _, _, _, _, info = env.step(action)
        truth.append(info["states"])
    truth = np.stack(truth)[:, :, :2]  # [H, N, 2]
    error = np.linalg.norm(predicted[0, :, :, :2].cpu().numpy() - truth, axis=-1).mean()
    # The baseline to beat: predict that nothing moves from the last observed frame.
    still = np.linalg.norm(info_before["states"][None, :, :2] - truth, axis=-1).mean()
    print(
        f"predicted {tuple(predicted.shape)} states; candidate 0 mean position error "
        f"{error:.3f} table units over 10 steps (predicting no motion: {still:.3f})"
    )
    env.close()
    return {
        "steps": summary["step"],
        "shape": tuple(predicted.shape),
        "error": float(error),
        "still_error": float(still),
    }


if __name__ == "__main__":
    main()
