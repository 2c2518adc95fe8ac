"""Why does (or doesn't) the proposed framework beat late fusion on the demo data?

Runs the Table II protocol on the built-in demo data set (features cached
under ``--cache``) for several seeds and variants of the temporal stage:

- ``cv=None``: the SVM / dense heads are trained on temporal features of the
  very rows the LSTM was trained on (in-sample, over-confident features);
- ``cv=K``: cross fitting, out-of-fold temporal features for the training rows
  (``ResBiLSTMTemporal(cv=K)``, as scikit-learn's TargetEncoder does).

Writes the ``demo-study`` section of docs/benchmarks.md.

Run: ``python benchmarks/demo_study.py [--seeds 0 1 2] [--cv 5]``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _report import git_revision, machine_description, write_section  # noqa: E402

from skmmlc._cli import DEMO_DEFAULTS  # noqa: E402


def static_features(root, n_clips, cache):
    from skmmlc import GloveFeatures, SoundNetFeatures, VisualInceptionFeatures
    from skmmlc._cli import resolve_audio_weights
    from skmmlc.datasets import make_disaster_demo
    from skmmlc.protocol import extract_static_features

    demo = make_disaster_demo(root, n_clips=n_clips, seed=0)
    audio_weights, _ = resolve_audio_weights("sound8")
    d = DEMO_DEFAULTS
    extractors = {
        "visual": (VisualInceptionFeatures(n_frames=d["n_frames"], image_size=d["image_size"],
                                           weights=None, random_state=0, cache=cache),
                   "video"),
        "audio": (SoundNetFeatures(n_steps=d["audio_steps"], weights=audio_weights,
                                   cache=cache), ["audio", "video"]),
        "text": (GloveFeatures(max_tokens=d["max_tokens"], cache=cache), "text"),
    }
    features, n_steps, _ = extract_static_features(demo.data, extractors)
    return features, n_steps, demo.target, list(demo.target_names), audio_weights


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", default="skmmlc-demo/data")
    parser.add_argument("--cache", default="skmmlc-demo/feature-cache")
    parser.add_argument("--n-clips", type=int, default=DEMO_DEFAULTS["n_clips"])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--cv", type=int, default=5)
    args = parser.parse_args()

    from skmmlc.protocol import run_table2

    features, n_steps, Y, labels, audio_weights = static_features(
        args.root, args.n_clips, args.cache
    )
    rows = []
    for cv in (None, args.cv):
        for seed in args.seeds:
            temporal = dict(DEMO_DEFAULTS["temporal"], cv=cv)
            start = time.perf_counter()
            result = run_table2(features, n_steps, Y, label_names=labels,
                                temporal_params=temporal, random_state=seed)
            seconds = time.perf_counter() - start
            t = result.table
            for _, r in t.iterrows():
                rows.append({"cv": str(cv), "seed": seed, "approach": r["approach"],
                             "features": r["features"], "micro_f1": r["micro_f1"],
                             "hamming_loss": r["hamming_loss"], "map": r["map"],
                             "run_seconds": seconds})
            print(f"cv={cv} seed={seed}: late {t.micro_f1.iloc[7]:.4f} "
                  f"proposed {t.micro_f1.iloc[8]:.4f} ({seconds:.0f} s)", flush=True)
    df = pd.DataFrame(rows)
    df["row"] = df["approach"].str.replace("Three modalities ", "") + " " + df["features"]
    order = list(dict.fromkeys(df["row"]))
    summary = (
        df.groupby(["row", "cv"], sort=False)[["micro_f1", "hamming_loss", "map"]]
        .agg(["mean", "std"])
    )
    lines = ["| row | cv | micro-F1 | HL | MAP |", "|---|---|---|---|---|"]
    for row in order:
        for cv in ("None", str(args.cv)):
            s = summary.loc[(row, cv)]
            lines.append(
                f"| {row} | {cv} | {s[('micro_f1', 'mean')]:.3f} ± {s[('micro_f1', 'std')]:.3f} | "
                f"{s[('hamming_loss', 'mean')]:.3f} ± {s[('hamming_loss', 'std')]:.3f} | "
                f"{s[('map', 'mean')]:.3f} ± {s[('map', 'std')]:.3f} |"
            )
    secs = df.groupby("cv")["run_seconds"].mean()
    md = f"""## Demo data: cross fitting of the temporal features, proposed vs late fusion

`benchmarks/demo_study.py`: Table II protocol on the demo data ({args.n_clips} clips,
demo settings {DEMO_DEFAULTS}; Inception-V3 with random weights, SoundNet weights
{audio_weights!r}, GloVe 6B 50-d), seeds {args.seeds} (each seed = another
60/20/20 split and other network seeds); mean ± std over seeds. `cv=None`: heads
trained on in-sample temporal features; `cv={args.cv}`: out-of-fold temporal
features for the training rows (`ResBiLSTMTemporal(cv={args.cv})`).
Mean time per protocol run: {", ".join(f"cv={k}: {v:.0f} s" for k, v in secs.items())}.

{chr(10).join(lines)}

Machine: {machine_description()}; revision {git_revision()}.
"""
    write_section("demo-study", md)
    print(md)


if __name__ == "__main__":
    main()
