"""Fit time and peak memory of the pipeline downstream of the static features.

At the paper's scale: 1,540 clips, 7 labels, static features of the paper's
shapes — visual 40 x 2048 (Inception-V3), audio 15 x 1024 (SoundNet conv7 for
20 s), text 20 x 50 (GloVe 6B 50-d) — and the same downstream as
``MultimodalDisasterPipeline``: three ResBiLSTMTemporal branches in a
ColumnTransformer, RFRecursiveSelector, LabelPowersetWeightedSVC.

The features are random with a planted signal (each label shifts a few units
of a few time steps of one modality), so the run also checks that the
downstream learns. Labels follow the paper's Table I imbalance.

Run: ``python benchmarks/pipeline.py [--clips 1540]``; writes the
``pipeline`` section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

import numpy as np

SHAPES = {"visual": (40, 2048), "audio": (15, 1024), "text": (20, 50)}
# Table I: positives per concept over 1,540 clips
POSITIVES = np.array([150, 338, 971, 273, 371, 311, 811])


def make_data(n, seed=0):
    rng = np.random.default_rng(seed)
    p = POSITIVES / 1540
    Y = (rng.random((n, len(p))) < p).astype(int)
    blocks = []
    for m, (steps, dim) in enumerate(SHAPES.values()):
        X = rng.standard_normal((n, steps, dim), dtype=np.float32) * 0.5
        for j in range(Y.shape[1]):
            if j % 3 == m or j == 2:  # each label visible in some modalities only
                units = rng.choice(dim, size=min(8, dim), replace=False)
                X[np.ix_(Y[:, j] == 1, np.arange(0, steps, 3), units)] += 0.8
        blocks.append(X.reshape(n, -1))
    return np.concatenate(blocks, axis=1), Y


def build(temporal):
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    from skmmlc import LabelPowersetWeightedSVC, ResBiLSTMTemporal, RFRecursiveSelector

    branches, start = [], 0
    for name, (steps, dim) in SHAPES.items():
        cols = slice(start, start + steps * dim)
        start += steps * dim
        branches.append((name, ResBiLSTMTemporal(n_steps=steps, **temporal), cols))
    return Pipeline(
        [
            ("fusion", ColumnTransformer(branches)),
            ("scale", StandardScaler()),
            ("select", RFRecursiveSelector(random_state=0)),
            ("classify", LabelPowersetWeightedSVC()),
        ]
    )


def child(n, temporal):
    from skmmlc.metrics import micro_f1

    X, Y = make_data(n)
    test = np.arange(n) % 5 == 0
    model = build(temporal)
    t = time.perf_counter()
    model.fit(X[~test], Y[~test])
    fit_s = time.perf_counter() - t
    f1 = micro_f1(Y[test], model.predict(X[test]))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    sel = model.named_steps["select"]
    print(json.dumps({
        "n_train": int((~test).sum()), "fit_seconds": fit_s, "test_micro_f1": f1,
        "peak_rss_mib": peak, "input_mib": X.nbytes / 2**20,
        "n_selected": int(sel.n_features_), "rounds": len(sel.scores_),
    }))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--clips", type=int, default=1540)
    parser.add_argument("--temporal", default="{}", help="JSON of ResBiLSTMTemporal params")
    parser.add_argument("--child", action="store_true")
    args = parser.parse_args()
    temporal = json.loads(args.temporal)
    if args.child:
        child(args.clips, temporal)
        return
    out = subprocess.run(
        [sys.executable, __file__, "--child", "--clips", str(args.clips),
         "--temporal", args.temporal],
        capture_output=True, text=True, check=True,
    ).stdout.strip().splitlines()[-1]
    r = json.loads(out)
    from _report import git_revision, machine_description, write_section

    from skmmlc import ResBiLSTMTemporal

    defaults = {k: v for k, v in ResBiLSTMTemporal(n_steps=1).get_params().items()
                if k in ("units", "dense_units", "epochs", "batch_size", "cv", "early_stopping")}
    defaults.update(temporal)
    md = f"""## Pipeline downstream of the static features (paper scale)

`benchmarks/pipeline.py`: {args.clips} clips (80% = {r['n_train']} used for fit), 7 labels
with Table I's imbalance, static features of the paper's shapes (visual 40 x 2048,
audio 15 x 1024, text 20 x 50; {r['input_mib']:.0f} MiB of float32), random with a
planted signal. Downstream = ColumnTransformer of three `ResBiLSTMTemporal`
({json.dumps(defaults)}) -> `StandardScaler` -> `RFRecursiveSelector` -> `LabelPowersetWeightedSVC`
(the downstream of `MultimodalDisasterPipeline`).

| measure | value | target |
|---|---|---|
| fit time | {r['fit_seconds']:.0f} s ({r['fit_seconds'] / 60:.1f} min) | <= 10 min |
| peak memory (RSS) | {r['peak_rss_mib']:.0f} MiB | |
| test micro-F1 (planted signal) | {r['test_micro_f1']:.3f} | learns (> chance) |
| features kept by the selector | {r['n_selected']} of 384 after {r['rounds']} rounds | |

Machine: {machine_description()}; revision {git_revision()}.
"""
    write_section("pipeline", md)
    print(md)


if __name__ == "__main__":
    main()
