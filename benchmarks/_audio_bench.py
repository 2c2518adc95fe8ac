"""SoundNetFeatures throughput: real-time factor including decoding and resampling.

``run()`` writes 20 clips of 20 s of sound at 44.1 kHz twice (mp4 with an AAC
track plus a small H.264 video track, and 16-bit wav), then times
``SoundNetFeatures.transform`` on each set (decode + downmix + resample to
22,050 Hz + SoundNet-8 up to conv7), with the real ``sound8.npy`` weights if
they are cached (else random weights: same cost, the network is the same) and
returns a markdown section. The network is built and traced once before the
timings (reported separately). Usage::

    python benchmarks/_audio_bench.py [--clips 20] [--seconds 20]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from skmmlc import SoundNetFeatures
from skmmlc.feature_extraction._soundnet import load_audio

RATE_IN = 44100


def _sound(seconds, seed):
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * RATE_IN)) / RATE_IN
    freq = 200 + 50 * seed
    wave = (
        0.4 * np.sin(2 * np.pi * freq * t) * (0.6 + 0.4 * np.sin(2 * np.pi * 0.5 * t))
    )
    return (wave + 0.05 * rng.standard_normal(t.size)).astype(np.float32)


def make_clips(directory, n_clips, seconds):
    from skmmlc.datasets import write_audio, write_clip

    directory = Path(directory)
    frames = np.random.default_rng(0).integers(
        0, 255, (int(seconds), 64, 64, 3), np.uint8
    )
    wavs, mp4s = [], []
    for i in range(n_clips):
        sound = _sound(seconds, i)
        wavs.append(write_audio(directory / f"clip{i:02d}.wav", sound, RATE_IN))
        mp4s.append(
            write_clip(
                directory / f"clip{i:02d}.mp4",
                frames,
                fps=1,
                audio=sound,
                sample_rate=RATE_IN,
            )
        )
    return wavs, mp4s


def _weights_choice():
    from skmmlc.feature_extraction._weights import sound8_path

    return (
        ("sound8", "real sound8.npy")
        if sound8_path().exists()
        else (None, "random (sound8.npy not cached; same cost)")
    )


def _time(fn, repeats=2):
    best = np.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def run(n_clips=20, seconds=20.0):
    """Run the benchmark; return a markdown section."""
    weights, weights_text = _weights_choice()
    total_audio = n_clips * seconds
    rows = []
    with tempfile.TemporaryDirectory(prefix="skmmlc-audio-bench-") as tmp:
        t0 = time.perf_counter()
        wavs, mp4s = make_clips(tmp, n_clips, seconds)
        t_write = time.perf_counter() - t0

        est = SoundNetFeatures(n_steps=15, weights=weights)
        est.fit(wavs)
        t0 = time.perf_counter()
        est.transform(wavs[:1])
        t_build = time.perf_counter() - t0

        for name, paths in (("wav 44.1 kHz", wavs), ("mp4 AAC 44.1 kHz", mp4s)):
            t_dec = _time(lambda ps=paths: [load_audio(p, 22050, 26.0) for p in ps])
            for bs in (1, 4):
                est.set_params(batch_size=bs)
                t_all = _time(lambda ps=paths: est.transform(ps))
                rows.append((name, bs, t_dec, t_all))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")

    lines = [
        "## SoundNetFeatures (audio)",
        "",
        f"{n_clips} clips x {seconds:g} s of sound at 44.1 kHz "
        f"({total_audio:g} s); weights: {weights_text}; n_steps=15 (20 s -> 15 "
        "conv7 steps of 1024). Time of `transform` = decode + mono + resample to "
        "22,050 Hz (soxr HQ) + SoundNet-8 to conv7 (TensorFlow, CPU), best of 2, "
        f"network built and traced beforehand ({t_build:.1f} s, incl. TensorFlow "
        f"import). Writing the clips took {t_write:.1f} s (not timed). "
        f"1-min load average at the end: {load:.1f} (the machine is shared: "
        "numbers are lower bounds of what an idle machine does).",
        "",
        "| input | batch_size | decode+resample s | transform s | ms / clip "
        "| x real time |",
        "|---|---|---|---|---|---|",
    ]
    for name, bs, t_dec, t_all in rows:
        lines.append(
            f"| {name} | {bs} | {t_dec:.2f} | {t_all:.2f} | "
            f"{1000 * t_all / n_clips:.0f} | {total_audio / t_all:.0f} |"
        )
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args(argv)
    print(run(args.clips, args.seconds))


if __name__ == "__main__":
    main()
