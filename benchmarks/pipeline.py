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
    from sklearn.metrics import f1_score
    from sklearn.pipeline import Pipeline

    from skmmlc.metrics import micro_f1

    X, Y = make_data(n)
    test = np.arange(n) % 5 == 0
    model = build(temporal)
    # Pipeline.fit, step by step: the temporal branches, then the rest
    t = time.perf_counter()
    fused = model.steps[0][1].fit_transform(X[~test], Y[~test])
    temporal_s = time.perf_counter() - t
    rest = Pipeline(model.steps[1:])
    rest.fit(fused, Y[~test])
    fit_s = time.perf_counter() - t
    P = model.predict(X[test])
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    sel = model.named_steps["select"]
    print(json.dumps({
        "n_train": int((~test).sum()), "fit_seconds": fit_s, "temporal_seconds": temporal_s,
        "test_micro_f1": micro_f1(Y[test], P), "test_macro_f1": f1_score(Y[test], P, average="macro", zero_division=0),
        "peak_rss_mib": peak, "input_mib": X.nbytes / 2**20,
        "n_selected": int(sel.n_features_), "rounds": len(sel.scores_),
        "solver": model.named_steps["classify"].solver_,
    }))


def downstream(n, seed=0):
    """Selection + classifier alone on ``n`` rows of generated fused features.

    The fused output of the three temporal branches (3 x 128 units) is
    generated: labels as in :func:`make_data`, each label shifting 8 of the
    384 units, plus N(0, 1) noise. Returns one JSON line.
    """
    from sklearn.metrics import f1_score
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    from skmmlc import LabelPowersetWeightedSVC, RFRecursiveSelector
    from skmmlc.metrics import micro_f1

    rng = np.random.default_rng(seed)
    p = POSITIVES / 1540
    Y = (rng.random((n, len(p))) < p).astype(int)
    X = rng.standard_normal((n, 384), dtype=np.float32)
    for j in range(Y.shape[1]):
        X[np.ix_(Y[:, j] == 1, rng.choice(384, 8, replace=False))] += 0.8
    test = np.arange(n) % 5 == 0
    model = Pipeline([
        ("scale", StandardScaler()),
        ("select", RFRecursiveSelector(random_state=0)),
        ("classify", LabelPowersetWeightedSVC()),
    ])
    t = time.perf_counter()
    model.fit(X[~test], Y[~test])
    fit_s = time.perf_counter() - t
    P = model.predict(X[test])
    print(json.dumps({
        "n_train": int((~test).sum()), "downstream_seconds": fit_s,
        "test_micro_f1": micro_f1(Y[test], P), "test_macro_f1": f1_score(Y[test], P, average="macro", zero_division=0),
        "rounds": len(model.named_steps["select"].scores_),
        "solver": model.named_steps["classify"].solver_,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--clips", type=int, default=1540)
    parser.add_argument("--temporal", default="{}", help="JSON of ResBiLSTMTemporal params")
    parser.add_argument("--child", action="store_true")
    parser.add_argument(
        "--downstream", type=int, nargs="*", metavar="ROWS",
        help="time selection + classifier alone on generated fused features of these "
        "sizes (prints JSON lines; writes nothing)",
    )
    args = parser.parse_args()
    temporal = json.loads(args.temporal)
    if args.child:
        child(args.clips, temporal)
        return
    if args.downstream:
        for n in args.downstream:
            downstream(n)
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
| of which temporal branches / selection + classifier | {r['temporal_seconds']:.0f} s / {r['fit_seconds'] - r['temporal_seconds']:.0f} s ({1 - r['temporal_seconds'] / r['fit_seconds']:.0%}) | |
| classifier's solver (`"auto"`) | {r['solver']} | |
| peak memory (RSS) | {r['peak_rss_mib']:.0f} MiB | |
| test micro-F1 / macro-F1 (planted signal) | {r['test_micro_f1']:.3f} / {r['test_macro_f1']:.3f} | learns (> chance) |
| features kept by the selector | {r['n_selected']} of 384 after {r['rounds']} rounds | |

Machine: {machine_description()}; revision {git_revision()}.
"""
    write_section("pipeline", md)
    print(md)


if __name__ == "__main__":
    main()
