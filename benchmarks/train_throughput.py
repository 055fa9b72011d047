"""Training throughput of the VIN: clips/s at batch 100, 32x32 frames, 3 objects,
6 visible + 8 rollout frames; CPU with 1 and 2 threads, and CUDA when there is one.

Each configuration times full optimiser steps (forward, backward, gradient clipping,
Adam) on fixed random batches, so data loading is not included. The model's FLOPs per
step are counted by ``torch.utils.flop_counter`` and compared with a large float32 matmul
timed in the same run on the same device and threads (the "achieved fraction").

    python benchmarks/train_throughput.py            # full (a few minutes)
    python benchmarks/train_throughput.py --quick    # under a minute
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch
from torch.utils.flop_counter import FlopCounterMode

from vin_gym.provenance import load_average, machine_info
from vin_gym.utils import format_table, write_json
from vin_model import VIN, VINConfig
from vin_model.loss import compute_loss
from vin_model.train_config import TrainConfig


def make_batch(batch: int, size: int, n: int, rollout: int, seed: int = 0) -> dict:
    g = torch.Generator().manual_seed(seed)
    return {
        "frames": torch.randint(0, 256, (batch, 6, size, size, 3), generator=g, dtype=torch.uint8),
        "states": torch.rand(batch, 6 + rollout, n, 4, generator=g) * 10,
        "actions": torch.zeros(batch, 6 + rollout, 2),
    }


def train_step_fn(model: VIN, batch: dict, rollout: int, device: torch.device):
    cfg = TrainConfig(rollout_start=rollout, rollout_max=rollout)
    opt = torch.optim.Adam(model.parameters(), lr=1e-4)
    batch = {k: v.to(device) for k, v in batch.items()}

    def step() -> None:
        loss, _ = compute_loss(model, model, batch, rollout, cfg, device)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
        opt.step()

    return step


def count_flops(model: VIN, batch: dict, rollout: int, device: torch.device) -> int:
    cfg = TrainConfig(rollout_start=rollout, rollout_max=rollout)
    batch = {k: v.to(device) for k, v in batch.items()}
    with FlopCounterMode(display=False) as counter:
        loss, _ = compute_loss(model, model, batch, rollout, cfg, device)
        loss.backward()
    model.zero_grad(set_to_none=True)
    return int(counter.get_total_flops())


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def time_it(fn, device: torch.device, seconds: float, warmup: int = 3) -> tuple[float, int]:
    for _ in range(warmup):
        fn()
    sync(device)
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        fn()
        n += 1
    sync(device)
    return (time.perf_counter() - t0) / n, n


def matmul_flops(device: torch.device, seconds: float) -> float:
    m = 1024 if device.type == "cpu" else 8192
    a, b = torch.randn(m, m, device=device), torch.randn(m, m, device=device)
    t, _ = time_it(lambda: a @ b, device, seconds)
    return 2 * m**3 / t


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="short timings (under a minute)")
    p.add_argument("--batch-size", type=int, default=100)
    p.add_argument("--rollout", type=int, default=8)
    p.add_argument("--size", type=int, default=32)
    p.add_argument("--objects", type=int, default=3)
    p.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    p.add_argument("--conv-channels", type=int, default=VINConfig.conv_channels)
    p.add_argument("--hidden", type=int, default=VINConfig.hidden)
    p.add_argument("--json", type=Path, default=Path("benchmarks/results/train_throughput.json"))
    args = p.parse_args()
    load_start = load_average()
    seconds = 3.0 if args.quick else 20.0
    config = VINConfig(
        n_objects=args.objects,
        frame_size=args.size,
        conv_channels=args.conv_channels,
        hidden=args.hidden,
    )
    batch = make_batch(args.batch_size, args.size, args.objects, args.rollout)
    devices = [("cpu", t) for t in args.threads]
    if torch.cuda.is_available():
        devices.append(("cuda", 0))
    rows = []
    for dev_name, threads in devices:
        device = torch.device(dev_name)
        if threads:
            torch.set_num_threads(threads)
        torch.manual_seed(0)
        model = VIN(config).to(device).train()
        flops = count_flops(model, batch, args.rollout, device)
        step_s, n = time_it(train_step_fn(model, batch, args.rollout, device), device, seconds)
        peak = matmul_flops(device, min(seconds, 5.0))
        rows.append(
            {
                "device": dev_name,
                "threads": threads or "-",
                "steps/s": 1 / step_s,
                "clips/s": args.batch_size / step_s,
                "ms/step": 1000 * step_s,
                "timed steps": n,
                "GFLOP/step": flops / 1e9,
                "GFLOP/s": flops / step_s / 1e9,
                "matmul GFLOP/s": peak / 1e9,
                "fraction of matmul": flops / step_s / peak,
            }
        )
        print(format_table(rows[-1:]), flush=True)
    print()
    print(format_table(rows))
    write_json(
        args.json,
        {
            "benchmark": "train_throughput",
            "quick": args.quick,
            "batch_size": args.batch_size,
            "rollout": args.rollout,
            "frame_size": args.size,
            "objects": args.objects,
            "model": config.to_dict(),
            "torch": torch.__version__,
            "machine": machine_info(load_start=load_start),
            "rows": rows,
        },
    )
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
