"""Why does (or doesn't) the proposed framework beat late fusion on the demo data?

Runs the Table II protocol on the built-in demo data set (features cached
under ``--cache``) for several seeds and variants of the temporal stage:

- ``cv=None``: the SVM / dense heads are trained on temporal features of the
  very rows the LSTM was trained on (in-sample, over-confident features);
- ``cv=K``: cross fitting, out-of-fold temporal features for the training rows
  (``ResBiLSTMTemporal(cv=K)``, as scikit-learn's TargetEncoder does).

Writes the ``demo-study`` section of docs/benchmarks.md (``--section`` for another).

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
    parser.add_argument("--cv", type=int, default=3, help="0: only cv=None")
    parser.add_argument("--section", default="demo-study",
                        help="section of docs/benchmarks.md to (re)write")
    args = parser.parse_args()

    from skmmlc.protocol import run_table2

    features, n_steps, Y, labels, audio_weights = static_features(
        args.root, args.n_clips, args.cache
    )
    from skmmlc._split import iterative_split

    # Why a label-powerset model can trail independent sigmoid outputs here:
    # it can only predict label sets seen in training.
    diagnostics = []
    for seed in args.seeds:
        tr, _, te = iterative_split(Y, (0.6, 0.2, 0.2), random_state=seed)
        seen = {tuple(r) for r in Y[tr]}
        unseen = np.mean([tuple(r) not in seen for r in Y[te]])
        diagnostics.append((seed, len(tr), len(seen), unseen))
    rows = []
    cvs = (None,) if args.cv == 0 else (None, args.cv)
    for cv in cvs:
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
        for cv in [str(c) for c in cvs]:
            s = summary.loc[(row, cv)]
            lines.append(
                f"| {row} | {cv} | {s[('micro_f1', 'mean')]:.3f} ± {s[('micro_f1', 'std')]:.3f} | "
                f"{s[('hamming_loss', 'mean')]:.3f} ± {s[('hamming_loss', 'std')]:.3f} | "
                f"{s[('map', 'mean')]:.3f} ± {s[('map', 'std')]:.3f} |"
            )
    secs = df.groupby("cv")["run_seconds"].mean()
    cv_text = (
        f"; `cv={args.cv}`: out-of-fold temporal features for the training rows "
        f"(`ResBiLSTMTemporal(cv={args.cv})`)" if args.cv else ""
    )
    crossfit = ""
    if args.cv:
        mean = df.groupby(["cv", "approach"])["micro_f1"].mean()
        gain = (mean[str(args.cv)] - mean["None"]).loc[
            ["Three modalities (late fusion)", "Proposed framework"]]
        crossfit = (
            f"Cross fitting (`cv={args.cv}`) changes late fusion by {gain.iloc[0]:+.3f} and "
            f"the proposed framework by {gain.iloc[1]:+.3f} micro-F1 and costs "
            f"{args.cv}+1 trainings per network; `ResBiLSTMTemporal` keeps `cv=None` "
            "as its default (cheaper, no consistent gain here)."
        )
    base = df[df["cv"] == "None"].groupby("approach")["micro_f1"].mean()
    late, proposed = base["Three modalities (late fusion)"], base["Proposed framework"]
    verdict = (
        f"beats late fusion (micro-F1 {proposed:.3f} vs {late:.3f})"
        if proposed > late
        else f"does not beat late fusion (micro-F1 {proposed:.3f} vs {late:.3f})"
    )
    md = f"""## Demo data ({args.n_clips} clips): proposed vs late fusion{", cross fitting" if args.cv else ""}

`benchmarks/demo_study.py`: Table II protocol on the demo data ({args.n_clips} clips,
demo settings { {k: v for k, v in DEMO_DEFAULTS.items() if k != "n_clips"} }; Inception-V3 with random weights, SoundNet weights
{audio_weights!r}, GloVe 6B 50-d), seeds {args.seeds} (each seed = another
60/20/20 split and other network seeds); mean ± std over seeds. `cv=None`: heads
trained on in-sample temporal features{cv_text}.
Mean time per protocol run: {", ".join(f"cv={k}: {v:.0f} s" for k, v in secs.items())}.

{chr(10).join(lines)}

Label sets: {"; ".join(f"seed {s}: {n_sets} distinct label sets among {n_tr} training clips, {u:.0%} of test clips carry a label set never seen in training" for s, n_tr, n_sets, u in diagnostics)}.
A label-powerset classifier (the proposed framework's last stage) can only
predict label sets it has seen, so those clips are partly wrong by construction,
while the dense heads of the other rows have one sigmoid output per label and
can combine labels freely. The fused temporal features also have more
dimensions (384) than there are training clips (~{diagnostics[0][1]}), so the
linear SVM separates the training clips with a hard margin and its `C` hardly
matters; standardising the features and choosing `C` on validation (both done
here) help only a little. The paper's data set has 1,540 clips, where label
sets repeat far more often; on this {args.n_clips}-clip demo the proposed framework
{verdict}, averaged over the seeds with `cv=None`. {crossfit}

Machine: {machine_description()}; revision {git_revision()}.
"""
    write_section(args.section, md)
    print(md)


if __name__ == "__main__":
    main()
