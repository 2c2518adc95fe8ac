"""Serial vs ``n_jobs`` extraction (loky workers) of the visual extractor.

Run from the repository root: ``python benchmarks/parallel_extract.py
[--clips 16] [--n-jobs 2] [--n-frames 8] [--image-size 139]``. Prints wall
times: the first ``transform`` (network build; worker start for ``n_jobs``)
and the best of two further ones (built network, warm workers), no feature
cache. With the default chunk of 8 clips, 8 clips are one task: give at
least ``8 * n_jobs`` clips for the workers to share the work.
"""

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def clips(folder, n):
    from skmmlc.datasets import write_clip

    rng = np.random.default_rng(0)
    return [
        str(write_clip(Path(folder) / f"c{i}.mp4",
                       rng.integers(0, 255, (24, 96, 128, 3), dtype=np.uint8), fps=8))
        for i in range(n)
    ]


def cpu_seconds():
    """CPU time of this process and its children (the loky workers), if psutil is there."""
    try:
        import psutil
    except ImportError:
        return float("nan")
    me = psutil.Process()
    total = sum(me.cpu_times()[:2])
    for child in me.children(recursive=True):
        try:
            total += sum(child.cpu_times()[:2])
        except psutil.Error:
            pass
    return total


def timed(est, X):
    start, cpu = time.perf_counter(), cpu_seconds()
    out = est.transform(X)
    return time.perf_counter() - start, cpu_seconds() - cpu, out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--clips", type=int, default=16)
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--n-frames", type=int, default=8)
    parser.add_argument("--image-size", type=int, default=139)
    args = parser.parse_args()
    from skmmlc import VisualInceptionFeatures

    with tempfile.TemporaryDirectory() as folder:
        X = clips(folder, args.clips)
        frames = args.clips * args.n_frames
        results = {}
        for n_jobs in (None, args.n_jobs):
            est = VisualInceptionFeatures(n_frames=args.n_frames, image_size=args.image_size,
                                          weights=None, random_state=0, n_jobs=n_jobs).fit(X)
            first, _, out = timed(est, X)
            warm, cpu = min(timed(est, X)[:2] for _ in range(2))
            results[n_jobs] = out
            print(f"n_jobs={n_jobs}: first {first:.1f} s, warm {warm:.2f} s "
                  f"({frames / warm:.1f} frames/s, {cpu:.1f} CPU s)", flush=True)
        same = np.array_equal(results[None], results[args.n_jobs])
        print(f"{args.clips} clips x {args.n_frames} frames at {args.image_size} px; "
              f"identical: {same}; {os.cpu_count()} cores, load average "
              f"{os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
