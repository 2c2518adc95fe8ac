"""Per-clip forward passes of one fixed shape vs clips sharing batches (issue 16).

``VisualInceptionFeatures`` runs each clip's frames in passes of their own,
all of one size (``n_frames`` split into equal passes of at most
``batch_size``), so that a clip's features do not depend on the clips
extracted with it. Before, frames of consecutive clips filled shared
batches of ``batch_size``. This measures what the change costs: frames/s of
both designs on the same network and clips (the previous one rebuilt here
as ``SharedBatchRunner``), the frames computed (padding included), and the
largest difference between a clip's features alone and among others, under
this CPU's oneDNN kernels and under the other kernel family
(``ONEDNN_MAX_CPU_ISA``, in a child process).

Run from the repository root: ``python benchmarks/clip_passes.py`` (writes the
"clip-passes" section of docs/benchmarks.md; about 10 minutes on 2 cores).
"""

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from _report import git_revision, machine_description, write_section
from _visual_bench import IMAGE_SIZE, make_clips

BATCH_SIZE = 16
N_CLIPS = 3
NOTE = (
    "Speed: frames/s within the noise of a shared machine (the load column); "
    "the current design computes no more frames than the previous one when "
    "`n_frames` splits into equal passes (126 vs 128 for 40 frames, 24 vs 32 for 8), "
    "and only clips with fewer distinct frames than `n_frames` pad more. "
    "Differences: \"before\" shows what the previous design let a clip's "
    "companions change on this CPU (issue 16 measured up to 2.5e-7 on a 2-core "
    "AMD EPYC with AVX2 kernels at 75x75); \"after\" is 0 on any CPU. "
    "`SoundNetFeatures` is unchanged at its default `batch_size=1` (each clip "
    "already ran alone): no cost."
)


def shared_batch_runner(runner):
    """The previous design: frames of consecutive clips share batches."""
    from skmmlc.feature_extraction._visual import FEATURE_DIM, _InceptionRunner

    class SharedBatchRunner(_InceptionRunner):
        def __call__(self, stacks):
            total = sum(len(s) for s in stacks)
            out = np.empty((total, FEATURE_DIM), dtype=np.float32)
            b, s = self.batch_size, self.image_size
            batch = np.zeros((b, s, s, 3), dtype=np.uint8)
            fill = done = 0
            with self.lock:
                for stack in stacks:
                    start = 0
                    while start < len(stack):
                        take = min(b - fill, len(stack) - start)
                        batch[fill : fill + take] = stack[start : start + take]
                        fill, start = fill + take, start + take
                        if fill == b:
                            out[done : done + b] = self._run(batch)
                            self.n_batches += 1
                            done, fill = done + b, 0
                if fill:
                    batch[fill:] = 0
                    out[done : done + fill] = self._run(batch)[:fill]
                    self.n_batches += 1
            return out

    return SharedBatchRunner(runner.model, runner.image_size, BATCH_SIZE,
                             runner.jit_compile, runner.preprocess)


def measure(paths, n_frames, rounds):
    """frames/s (best of ``rounds`` interleaved), frames computed, differences."""
    from skmmlc.feature_extraction._visual import VisualInceptionFeatures

    def make():
        return VisualInceptionFeatures(n_frames=n_frames, weights=None, random_state=0,
                                       image_size=IMAGE_SIZE,
                                       batch_size=BATCH_SIZE).fit(paths[:1])

    after = make()
    runner = after._get_runner()
    before = make()
    old = shared_batch_runner(runner)
    before._get_runner = lambda: old
    methods = {"before": before, "after": after}
    for est in methods.values():
        est.transform(paths[:1])  # warm-up
    fps, out, computed = {}, {}, {}
    load = os.getloadavg()[0]
    for _ in range(rounds):
        for name, est in methods.items():
            r = est._get_runner()
            n0 = r.n_batches
            t = time.perf_counter()
            out[name] = est.transform(paths)
            seconds = time.perf_counter() - t
            fps[name] = max(fps.get(name, 0.0), len(paths) * n_frames / seconds)
            computed[name] = (r.n_batches - n0) * r.batch_size
    alone = {name: est.transform(paths[-1:])[0] for name, est in methods.items()}
    return dict(
        n_frames=n_frames, pass_size=runner.batch_size, fps=fps, computed=computed,
        alone_vs_among={k: float(np.abs(out[k][-1] - alone[k]).max()) for k in methods},
        before_vs_after=float(np.abs(out["before"] - out["after"]).max()),
        max_feature=float(np.abs(out["after"]).max()),
        load=(load, os.getloadavg()[0]),
        isa=os.environ.get("ONEDNN_MAX_CPU_ISA", "native"),
    )


def other_family():
    flags = ""
    try:
        flags = next(line for line in Path("/proc/cpuinfo").read_text().splitlines()
                     if line.startswith("flags"))
    except (OSError, StopIteration):
        return None
    words = set(flags.split())
    return "AVX2" if "avx512f" in words else "SSE41" if "avx2" in words else None


def child(folder, n_frames, rounds):
    paths = sorted(str(p) for p in Path(folder).glob("*.mp4"))
    print(json.dumps(measure(paths, n_frames, rounds)))


def run(configs=((40, 3), (8, 3)), other_rounds=2):
    with tempfile.TemporaryDirectory() as folder:
        paths = make_clips(folder, N_CLIPS)
        results = [measure(paths, n, r) for n, r in configs]
        isa = other_family()
        if isa:
            env = {**os.environ, "ONEDNN_MAX_CPU_ISA": isa}
            done = subprocess.run(
                [sys.executable, __file__, "--child", folder, str(configs[0][0]),
                 str(other_rounds)], env=env, capture_output=True, text=True, check=True)
            results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    lines = [
        "## Per-clip passes of one shape (issue 16)",
        "",
        f"Machine: {machine_description()}. Revision `{git_revision()}`.",
        "",
        f"`VisualInceptionFeatures(weights=None, batch_size={BATCH_SIZE})`, {N_CLIPS} "
        f"clips of 10 s (320x240 H.264) at {IMAGE_SIZE}x{IMAGE_SIZE}; the same network "
        "and clips through the previous design (frames of consecutive clips share "
        f"batches of {BATCH_SIZE}) and the current one (each clip's frames in passes "
        "of their own, all of one size). frames/s: best of the interleaved rounds, "
        "end to end. Frames computed: passes x pass size (padding included). "
        "Differences: a clip's features among the others vs alone, max |difference|.",
        "",
        "| kernels | n_frames | pass size | frames/s before | frames/s after | "
        "frames computed before / after | clip alone vs among others, before / after "
        "| before vs after | 1-min load |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['isa']} | {r['n_frames']} | {r['pass_size']} | "
            f"{r['fps']['before']:.2f} | {r['fps']['after']:.2f} | "
            f"{r['computed']['before']} / {r['computed']['after']} | "
            f"{r['alone_vs_among']['before']:.2g} / {r['alone_vs_among']['after']:.2g} | "
            f"{r['before_vs_after']:.2g} (max feature {r['max_feature']:.2f}) | "
            f"{r['load'][0]:.1f} / {r['load'][1]:.1f} |"
        )
    lines += ["", NOTE]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    else:
        markdown = run()
        print(markdown)
        print(f"written to {write_section('clip-passes', markdown)}")
