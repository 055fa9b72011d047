"""Clip loader throughput: how fast ``ClipDataset`` feeds VIN training, the loader alone.

    python benchmarks/loader_throughput.py [--quick] [--data DIR] [--json PATH]

Batches of 100 clips (6 visible + 8 rollout frames, the VIN paper's setting) drawn in
random order through a torch ``DataLoader`` with ``num_workers`` 0 and 1, from a
``SeedBilliards-v0`` dataset of 32x32 frames (collected first unless ``--data`` names
one). Reports clips/s and milliseconds per batch; a VIN training step on batch 100 must
take longer than the batch time for the loader to keep up.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import torch
from torch.utils.data import DataLoader

from vin_gym.data import ClipDataset, CollectConfig, collect
from vin_gym.provenance import load_average, machine_info
from vin_gym.utils import format_table, write_json


def clips_per_second(clips: ClipDataset, workers: int, batches: int, batch: int) -> float:
    loader = DataLoader(
        clips,
        batch_size=batch,
        shuffle=True,
        num_workers=workers,
        generator=torch.Generator().manual_seed(0),
        drop_last=True,
    )
    it = iter(loader)
    next(it)  # start-up (worker process, first memory maps) is not timed
    start = time.perf_counter()
    for _ in range(batches):
        try:
            next(it)
        except StopIteration:
            it = iter(loader)
            next(it)
    return batches * batch / (time.perf_counter() - start)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small dataset, few batches")
    parser.add_argument("--data", type=Path, default=None, help="an existing dataset")
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument(
        "--json", type=Path, default=Path(__file__).parent / "results" / "loader_throughput.json"
    )
    args = parser.parse_args(argv)
    load_start = load_average()
    torch.set_num_threads(1)

    tmp = None
    data = args.data
    if data is None:
        tmp = Path(tempfile.mkdtemp(prefix="vin_loader_bench_"))
        data = tmp / "data"
        collect(
            CollectConfig(
                "SeedBilliards-v0",
                {"obs_size": 32},
                "zero",
                episodes=40 if args.quick else 400,
                steps=99,
                progress=False,
            ),
            data,
        )
    batches = 20 if args.quick else 200
    rows = []
    try:
        clips = ClipDataset(data, visible=6, rollout=8)
        for workers in (0, 1):
            rate = clips_per_second(clips, workers, batches, args.batch)
            rows.append(
                {
                    "num_workers": workers,
                    "batch": args.batch,
                    "batches": batches,
                    "clips_per_s": rate,
                    "ms_per_batch": 1000 * args.batch / rate,
                }
            )
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    print(format_table(rows))
    results = {
        "benchmark": "loader_throughput",
        "quick": args.quick,
        "rows": rows,
        "clips": len(clips),
        "machine": machine_info(load_start=load_start),
    }
    write_json(args.json, results)
    print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
