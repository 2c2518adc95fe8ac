"""ResBiLSTM vs residual attention vs the end-to-end model on a synthetic sequence task.

A three-modality task whose labels sit at a few time steps: for a positive
clip of label ``j``, a pattern of that label is added, with noise, at one or
two random steps of one of the modalities (a fixed modality per label; the
"text" modality has clips of varying length, zero-padded). Labels are
imbalanced (prevalence 40 % down to 4 %). Static features are given; what is
compared is what the temporal and fusion stages make of them:

- the paper's stages: one ``ResBiLSTMTemporal`` (or ``ResBiLSTMAttentionTemporal``
  with residual "mean", "last", "both") per modality, features side by side,
  standardised, ``LabelPowersetWeightedSVC``;
- ``EndToEndMultimodalClassifier``: fusion "concat" / "attention", loss
  "inverse_frequency" / "focal", with and without temporal attention.

Usage: ``python benchmarks/attention_end_to_end.py [--seed 0] [--quick]``;
prints a Markdown table (micro-F1, macro-F1 on the test rows, fit seconds).
"""

import argparse
import time

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.metrics import f1_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skmmlc import (
    EndToEndMultimodalClassifier,
    LabelPowersetWeightedSVC,
    ResBiLSTMAttentionTemporal,
    ResBiLSTMTemporal,
)

LAYOUT = [("visual", 10, 16), ("audio", 6, 8), ("text", 8, 12)]
PREVALENCE = [0.4, 0.25, 0.15, 0.08, 0.04]
LABEL_MODALITY = [0, 1, 2, 0, 2]


def make_task(n, seed):
    """X (n, sum of steps*dim), Y (n, 5): labels marked at 1-2 steps of one modality."""
    rng = np.random.default_rng(seed)
    patterns = [[rng.normal(size=d) * 1.2 for _, _, d in LAYOUT] for _ in PREVALENCE]
    Y = (rng.random((n, len(PREVALENCE))) < PREVALENCE).astype(int)
    blocks = [rng.normal(size=(n, s, d)).astype(np.float32) for _, s, d in LAYOUT]
    lengths = rng.integers(3, LAYOUT[2][1] + 1, size=n)  # words per description
    for i in range(n):
        blocks[2][i, lengths[i]:] = 0.0
    for j, m in enumerate(LABEL_MODALITY):
        for i in np.flatnonzero(Y[:, j]):
            last = lengths[i] if m == 2 else LAYOUT[m][1]
            for t in rng.choice(last, size=rng.integers(1, 3), replace=False):
                blocks[m][i, t] += patterns[j][m]
    X = np.hstack([b.reshape(n, -1) for b in blocks]).astype(np.float32)
    return X, Y


def staged(temporal_cls, seed, epochs, **kw):
    cols, start = [], 0
    for name, s, d in LAYOUT:
        cols.append((name, temporal_cls(n_steps=s, units=16, dense_units=32, epochs=epochs,
                                        random_state=seed, **kw), list(range(start, start + s * d))))
        start += s * d
    return make_pipeline(ColumnTransformer(cols), StandardScaler(),
                         LabelPowersetWeightedSVC(random_state=seed))


def models(seed, epochs):
    e2e = dict(units=16, branch_units=32, epochs=epochs, random_state=seed)
    return {
        "ResBiLSTM + LP-SVM (paper's stages)": staged(ResBiLSTMTemporal, seed, epochs),
        "attention (mean) + LP-SVM": staged(ResBiLSTMAttentionTemporal, seed, epochs),
        "attention (last) + LP-SVM": staged(ResBiLSTMAttentionTemporal, seed, epochs,
                                            residual="last"),
        "attention (both) + LP-SVM": staged(ResBiLSTMAttentionTemporal, seed, epochs,
                                            residual="both"),
        "end-to-end, concat, inverse_frequency": EndToEndMultimodalClassifier(
            LAYOUT, fusion="concat", **e2e),
        "end-to-end, attention, inverse_frequency": EndToEndMultimodalClassifier(
            LAYOUT, fusion="attention", **e2e),
        "end-to-end, attention, focal": EndToEndMultimodalClassifier(
            LAYOUT, fusion="attention", loss="focal", **e2e),
        "end-to-end + temporal attention, attention, inverse_frequency":
            EndToEndMultimodalClassifier(LAYOUT, fusion="attention", attention=True, **e2e),
        "end-to-end, attention, inverse_frequency, thresholds on validation":
            EndToEndMultimodalClassifier(LAYOUT, fusion="attention", threshold="validation",
                                         **e2e),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--n", type=int, default=600)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--only", default=None, help="run the models whose name has this")
    args = parser.parse_args()
    X, Y = make_task(args.n, args.seed)
    n_train = int(0.7 * args.n)
    print(f"n={args.n} (train {n_train}), seed {args.seed}, epochs {args.epochs}; "
          f"test positives per label {Y[n_train:].sum(0).tolist()}\n")
    print("| model | micro-F1 | macro-F1 | fit s |\n|---|---|---|---|")
    for name, model in models(args.seed, args.epochs).items():
        if args.only and args.only not in name:
            continue
        t0 = time.perf_counter()
        model.fit(X[:n_train], Y[:n_train])
        fit_s = time.perf_counter() - t0
        P = model.predict(X[n_train:])
        micro = f1_score(Y[n_train:], P, average="micro", zero_division=0)
        macro = f1_score(Y[n_train:], P, average="macro", zero_division=0)
        print(f"| {name} | {micro:.3f} | {macro:.3f} | {fit_s:.0f} |", flush=True)


if __name__ == "__main__":
    main()
