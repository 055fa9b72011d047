"""Data generation throughput: ``vin-gym collect`` end to end, as the seed's setting.

    python benchmarks/collect_throughput.py [--quick] [--workers 2] [--json PATH]

Makes the seed's data set with this project: 1,200 episodes of 100 passive frames
(``SeedBilliards-v0``, 3 balls, 32x32; the seed's 1,000 training + 200 test episodes,
which ``ClipDataset`` splits by episode) written to disk by one ``vin-gym collect``
process (``--two-commands``: a 1,000-episode and a 200-episode dataset, like the seed's
two files), timed from process start to exit (imports, numba's cache load, worker
start-up, simulation, rendering, shard writing and checksums included). Peak
memory is the largest sum of resident memory over the command's process tree, sampled
every 20 ms (pages shared by forked workers count once per process, so it overestimates).
Target (issue 5): at least 20,000 frames/s with 2 workers, under 1 GB of memory, about
0.37 GB on disk; the seed's own generator took 64 s (1,900 frames/s), 4.7 GiB, 2.8 GiB.
``--quick`` makes a tenth of it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from vin_gym.provenance import load_average, machine_info
from vin_gym.utils import format_table, write_json

TARGET_FPS = 20_000


def tree_rss(pid: int) -> int:
    """Resident bytes of ``pid`` and all its descendants (Linux /proc)."""
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
                        break
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    stack.extend(int(c) for c in f.read().split())
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total


def run_timed(cmd: list[str]) -> tuple[float, int]:
    """Wall seconds and peak process-tree memory of ``cmd``."""
    peak = 0
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss(proc.pid))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output, _ = proc.communicate()
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{output}")
    return seconds, peak


def disk_bytes(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="a tenth of the episodes")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--env", default="SeedBilliards-v0")
    parser.add_argument("--policy", default="zero")
    parser.add_argument(
        "--two-commands",
        action="store_true",
        help="train and test datasets by two commands, like the seed",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="where to write the datasets (default: a temporary directory, deleted afterwards)",
    )
    parser.add_argument(
        "--json", type=Path, default=Path(__file__).parent / "results" / "collect_throughput.json"
    )
    args = parser.parse_args(argv)
    load_start = load_average()

    scale = 10 if args.quick else 1
    parts = (
        [("train", 1000 // scale, 0), ("test", 200 // scale, 1)]
        if args.two_commands
        else [("all", 1200 // scale, 0)]
    )
    out = args.out or Path(tempfile.mkdtemp(prefix="vin_collect_bench_"))
    rows = []
    try:
        for name, episodes, seed in parts:
            root = out / name
            shutil.rmtree(root, ignore_errors=True)
            cmd = [
                sys.executable,
                "-m",
                "vin_gym.cli",
                "collect",
                "--env",
                args.env,
                "--policy",
                args.policy,
                "--episodes",
                str(episodes),
                "--steps",
                "99",
                "--obs-size",
                "32",
                "--workers",
                str(args.workers),
                "--seed",
                str(seed),
                "--out",
                str(root),
                "--no-progress",
            ]
            seconds, peak = run_timed(cmd)
            frames = episodes * 100
            rows.append(
                {
                    "dataset": name,
                    "episodes": episodes,
                    "frames": frames,
                    "seconds": seconds,
                    "frames_per_s": frames / seconds,
                    "peak_mb": peak / 1e6,
                    "disk_mb": disk_bytes(root) / 1e6,
                }
            )
    finally:
        if args.out is None:
            shutil.rmtree(out, ignore_errors=True)
    frames = sum(r["frames"] for r in rows)
    seconds = sum(r["seconds"] for r in rows)
    if len(rows) > 1:
        rows.append(
            {
                "dataset": "total",
                "episodes": sum(r["episodes"] for r in rows),
                "frames": frames,
                "seconds": seconds,
                "frames_per_s": frames / seconds,
                "peak_mb": max(r["peak_mb"] for r in rows),
                "disk_mb": sum(r["disk_mb"] for r in rows),
            }
        )
    print(format_table(rows))
    total = rows[-1]
    met = "met" if total["frames_per_s"] >= TARGET_FPS else "NOT met"
    print(
        f"target >= {TARGET_FPS} frames/s: {met}"
        f" ({total['frames_per_s']:.0f}); peak memory {total['peak_mb']:.0f} MB (target < 1000)"
    )
    results = {
        "benchmark": "collect_throughput",
        "quick": args.quick,
        "env": args.env,
        "two_commands": args.two_commands,
        "policy": args.policy,
        "workers": args.workers,
        "rows": rows,
        "target_frames_per_s": TARGET_FPS,
        "machine": machine_info(load_start=load_start),
    }
    write_json(args.json, results)
    print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
