"""The paper's Table II experiment, runnable on any data set of the same shape.

Protocol (Section IV of the paper):

1. Split the clips at random into 60% train, 20% validation and 20% test,
   keeping every label's share similar in the three parts (iterative
   stratification, :func:`skmmlc._split.iterative_split`).
2. Extract the static features of every modality once (the extractors learn
   nothing, so this leaks nothing).
3. Train one :class:`~skmmlc.ResBiLSTMTemporal` per modality on the train rows
   and compute its 128-d temporal features for all rows (train rows through
   ``fit_transform``, i.e. out of fold when cross fitting is on).
4. Evaluate nine approaches on the test rows; the validation rows are used
   for tuning only (the dense heads' regularisation, the recursive feature
   elimination's stopping rule), never for the final fit:

   ==============================  =====================================
   row                             model
   ==============================  =====================================
   visual, audio, text             that modality's temporal features ->
                                   dense layers (MLP, sigmoid outputs)
   visual+audio, visual+text,      the two modalities' temporal features
   text+audio                      concatenated -> dense layers
   early fusion                    static features of the three
                                   modalities concatenated per time step
                                   -> one ResBiLSTM -> dense layers
   late fusion                     the three temporal features
                                   concatenated -> dense layers
   proposed                        the three temporal features
                                   concatenated -> standardised ->
                                   RFRecursiveSelector ->
                                   LabelPowersetWeightedSVC (C chosen on
                                   validation, the paper's 0.9 included)
   ==============================  =====================================

5. Report micro-F1, Hamming loss and mean average precision per row, and the
   per-concept F1 of the three fusion rows (the paper's Figure 2).
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import f1_score
from sklearn.model_selection import PredefinedSplit
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

from . import metrics as _metrics
from ._split import iterative_split
from ._utils import MODALITIES

__all__ = [
    "Table2Result",
    "TABLE2_ROWS",
    "run_table2",
    "extract_static_features",
    "align_steps",
]


#: (approach, features, modalities, kind) for each row of Table II.
TABLE2_ROWS = (
    ("Single modal", "visual", ("visual",), "late"),
    ("Single modal", "audio", ("audio",), "late"),
    ("Single modal", "text", ("text",), "late"),
    ("Two modalities", "visual+audio", ("visual", "audio"), "late"),
    ("Two modalities", "visual+text", ("visual", "text"), "late"),
    ("Two modalities", "text+audio", ("text", "audio"), "late"),
    ("Three modalities (early fusion)", "visual+audio+text", MODALITIES, "early"),
    ("Three modalities (late fusion)", "visual+audio+text", MODALITIES, "late"),
    ("Proposed framework", "visual+audio+text", MODALITIES, "proposed"),
)

# The paper's numbers for the disaster data set (Table II), for comparison.
PAPER_TABLE2 = pd.DataFrame(
    [
        (0.6767, 0.1586, 0.6015),
        (0.5022, 0.2565, 0.4197),
        (0.7789, 0.1187, 0.6945),
        (0.6667, 0.1652, 0.5928),
        (0.823, 0.0969, 0.7472),
        (0.8586, 0.078, 0.7882),
        (0.812, 0.102, 0.7351),
        (0.9022, 0.0575, 0.8409),
        (0.9414, 0.0348, 0.8993),
    ],
    columns=["micro_f1", "hamming_loss", "map"],
)


@dataclass
class Table2Result:
    """Outcome of :func:`run_table2`.

    Attributes
    ----------
    table : DataFrame
        One row per approach: ``approach``, ``features``, ``micro_f1``,
        ``hamming_loss``, ``map``, ``fit_seconds``.
    per_concept_f1 : DataFrame
        F1 per concept (columns) for the early fusion, late fusion and
        proposed rows (index): the paper's Figure 2.
    splits : dict
        Row indices of ``train``, ``validation`` and ``test``.
    settings : dict
        Everything needed to reproduce the run.
    """

    table: pd.DataFrame
    per_concept_f1: pd.DataFrame
    splits: dict
    settings: dict = field(default_factory=dict)

    def to_markdown(self, digits=4):
        """The table as GitHub-flavoured markdown (no extra dependency)."""
        cols = ["approach", "features", "micro_f1", "hamming_loss", "map"]
        lines = [
            "| Approach | Features | Micro F1 | HL | MAP |",
            "|---|---|---|---|---|",
        ]
        for _, r in self.table[cols].iterrows():
            lines.append(
                f"| {r['approach']} | {r['features']} | {r['micro_f1']:.{digits}f} | "
                f"{r['hamming_loss']:.{digits}f} | {r['map']:.{digits}f} |"
            )
        return "\n".join(lines)

    def plot_per_concept(self, path=None, title=None):
        """Grouped bar chart of per-concept F1 (the paper's Figure 2)."""
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        data = self.per_concept_f1
        n_rows, n_concepts = data.shape
        x = np.arange(n_concepts)
        width = 0.8 / n_rows
        fig, ax = plt.subplots(figsize=(max(7, 1.3 * n_concepts), 4))
        for i, (name, values) in enumerate(data.iterrows()):
            ax.bar(x + (i - (n_rows - 1) / 2) * width, values.to_numpy(), width, label=name)
        ax.set_xticks(x, [str(c) for c in data.columns], rotation=20, ha="right")
        ax.set_ylim(0, 1.05)
        ax.set_ylabel("F1 on the test split")
        ax.set_title(title or "Per-concept F1 of the fusion models")
        ax.legend(loc="lower right", fontsize="small")
        ax.grid(axis="y", alpha=0.3)
        fig.tight_layout()
        if path is not None:
            fig.savefig(path, dpi=120)
            plt.close(fig)
        return fig


def align_steps(features, n_steps, target_steps):
    """Resample a flattened (n, n_steps * dim) sequence to ``target_steps`` steps.

    Nearest-step resampling over the clip's duration: step ``t`` of the output
    takes step ``floor(t * n_steps / target_steps)`` of the input. Used by the
    early-fusion baseline, which concatenates modalities per time step.
    """
    n = features.shape[0]
    seq = features.reshape(n, n_steps, -1)
    index = (np.arange(target_steps) * n_steps) // target_steps
    return seq[:, index, :]


def extract_static_features(X, extractors, *, verbose=0):
    """Run each modality's static extractor over all clips.

    Parameters
    ----------
    X : DataFrame
        One row per clip.
    extractors : dict
        ``{modality: (extractor, columns)}``; ``columns`` selects the input
        column(s) of ``X`` as in a ColumnTransformer.

    Returns
    -------
    features : dict
        ``{modality: ndarray (n_samples, n_steps * dim)}``.
    n_steps : dict
        ``{modality: n_steps}``.
    seconds : dict
        Extraction time per modality.
    """
    features, n_steps, seconds = {}, {}, {}
    for name, (extractor, columns) in extractors.items():
        start = time.perf_counter()
        if verbose:
            print(f"[table2] extracting {name} features ({type(extractor).__name__})")
        features[name] = extractor.fit_transform(X[columns])
        n_steps[name] = extractor.n_steps_
        seconds[name] = time.perf_counter() - start
    return features, n_steps, seconds


def _dense_head(F, Y, splits, alphas, random_state):
    """Dense layers on fused features, regularisation chosen on validation."""
    tr, va, _ = splits
    best = None
    for alpha in alphas:
        head = MLPClassifier(
            hidden_layer_sizes=(128,),
            alpha=alpha,
            max_iter=400,
            random_state=random_state,
        )
        with warnings.catch_warnings():  # a few hundred epochs suffice on this scale
            warnings.simplefilter("ignore", ConvergenceWarning)
            head.fit(F[tr], Y[tr])
        score = _metrics.micro_f1(Y[va], head.predict(F[va]))
        if best is None or score > best[0]:
            best = (score, head)
    head = best[1]
    return head.predict, head.predict_proba


def _proposed_head(F, Y, splits, random_state, select_params, classify_params, Cs):
    """Standardise, RF ranking + recursive elimination scored on validation,
    weighted label-powerset SVM; ``C`` chosen on validation among ``Cs``."""
    from ._label_powerset import LabelPowersetWeightedSVC
    from ._selection import RFRecursiveSelector

    tr, va, _ = splits
    scaler = StandardScaler().fit(F[tr])
    Z = scaler.transform(F)
    rows = np.concatenate([tr, va])
    fold = PredefinedSplit(np.r_[np.full(len(tr), -1), np.zeros(len(va), dtype=int)])
    best = None
    for C in Cs:
        params = dict(classify_params, C=C)
        selector = RFRecursiveSelector(
            estimator=LabelPowersetWeightedSVC(**params),
            cv=fold,
            random_state=random_state,
            **select_params,
        ).fit(Z[rows], Y[rows])
        support = selector.get_support()
        svc = LabelPowersetWeightedSVC(**params).fit(Z[tr][:, support], Y[tr])
        score = _metrics.micro_f1(Y[va], svc.predict(Z[va][:, support]))
        if best is None or score > best[0]:
            best = (score, svc, support)
    _, svc, support = best

    def select(A):
        return scaler.transform(A)[:, support]

    return (
        lambda A: svc.predict(select(A)),
        lambda A: svc.decision_function(select(A)),
    )


def run_table2(
    static_features,
    n_steps,
    Y,
    *,
    label_names=None,
    temporal_params=None,
    select_params=None,
    classify_params=None,
    head_alphas=(1e-4, 1e-2, 1.0),
    svc_Cs=(0.01, 0.1, 0.9),
    fractions=(0.6, 0.2, 0.2),
    random_state=0,
    verbose=0,
):
    """Run the Table II protocol on precomputed static features.

    Parameters
    ----------
    static_features : dict
        ``{modality: ndarray (n_samples, n_steps * dim)}`` for ``"visual"``,
        ``"audio"`` and ``"text"`` (see :func:`extract_static_features`).
    n_steps : dict
        ``{modality: n_steps}``.
    Y : array-like of shape (n_samples, n_labels)
        0/1 label indicator matrix.
    label_names : list of str, optional
        Concept names (columns of ``per_concept_f1``).
    temporal_params : dict, optional
        Keyword arguments of every :class:`~skmmlc.ResBiLSTMTemporal`.
    select_params, classify_params : dict, optional
        Keyword arguments of the proposed row's :class:`~skmmlc.RFRecursiveSelector`
        (other than ``estimator``, ``cv``) and :class:`~skmmlc.LabelPowersetWeightedSVC`.
    head_alphas : sequence of float
        L2 penalties tried for the dense heads, chosen on validation.
    svc_Cs : sequence of float
        ``C`` values tried for the proposed row's SVM, chosen on validation
        (the paper's 0.9 included); ``classify_params["C"]`` fixes it instead.
    fractions : (float, float, float)
        Train / validation / test shares.
    random_state : int
        Seed of the split and of every model.
    verbose : int
        Print progress when > 0.

    Returns
    -------
    Table2Result
    """
    from ._temporal import ResBiLSTMTemporal

    Y = np.asarray(Y)
    if Y.ndim != 2:
        raise ValueError(f"Y must be a 2-D 0/1 indicator matrix, got shape {Y.shape}.")
    missing = [m for m in MODALITIES if m not in static_features]
    if missing:
        raise ValueError(f"static_features lacks modalities {missing}; Table II needs all three.")
    for m in MODALITIES:
        if static_features[m].shape[0] != Y.shape[0]:
            raise ValueError(
                f"{m} features have {static_features[m].shape[0]} rows but Y has {Y.shape[0]}."
            )
    label_names = list(label_names) if label_names is not None else [
        f"label_{j}" for j in range(Y.shape[1])
    ]
    temporal_params = dict(temporal_params or {})
    temporal_params.setdefault("random_state", random_state)
    select_params = dict(select_params or {})
    classify_params = dict(classify_params or {})
    if "C" in classify_params:
        svc_Cs = (classify_params["C"],)

    splits = iterative_split(Y, fractions, random_state=random_state)
    tr, va, te = splits
    if min(len(tr), len(va), len(te)) == 0:
        raise ValueError(f"Too few rows ({Y.shape[0]}) for a {fractions} split.")

    def log(msg):
        if verbose:
            print(f"[table2] {msg}", flush=True)

    def temporal_features(S, steps, name):
        start = time.perf_counter()
        model = ResBiLSTMTemporal(n_steps=steps, **temporal_params)
        F = np.empty((S.shape[0], model.dense_units), dtype=np.float32)
        F[tr] = model.fit_transform(S[tr], Y[tr])
        others = np.concatenate([va, te])
        F[others] = model.transform(S[others])
        log(f"temporal model for {name}: {time.perf_counter() - start:.1f} s")
        return F, time.perf_counter() - start

    temporal, temporal_seconds = {}, {}
    for m in MODALITIES:
        temporal[m], temporal_seconds[m] = temporal_features(
            static_features[m], n_steps[m], m
        )
    target = max(n_steps.values())
    early_static = np.concatenate(
        [align_steps(static_features[m], n_steps[m], target) for m in MODALITIES],
        axis=2,
    ).reshape(Y.shape[0], -1)
    early, early_seconds = temporal_features(early_static, target, "early fusion")

    records, per_concept = [], {}
    for approach, features, mods, kind in TABLE2_ROWS:
        start = time.perf_counter()
        if kind == "early":
            F = early
        else:
            F = np.concatenate([temporal[m] for m in mods], axis=1)
        if kind == "proposed":
            predict, score = _proposed_head(
                F, Y, splits, random_state, select_params, classify_params, svc_Cs
            )
        else:
            predict, score = _dense_head(F, Y, splits, head_alphas, random_state)
        Y_pred = np.asarray(predict(F[te]))
        Y_score = np.asarray(score(F[te]))
        upstream = (
            early_seconds if kind == "early" else sum(temporal_seconds[m] for m in mods)
        )
        records.append(
            {
                "approach": approach,
                "features": features,
                "micro_f1": _metrics.micro_f1(Y[te], Y_pred),
                "hamming_loss": _metrics.hamming_loss(Y[te], Y_pred),
                "map": _metrics.mean_average_precision(Y[te], Y_score),
                "fit_seconds": upstream + time.perf_counter() - start,
            }
        )
        if approach.startswith("Three") or kind == "proposed":
            short = {"early": "early fusion", "late": "late fusion", "proposed": "proposed"}[kind]
            per_concept[short] = f1_score(Y[te], Y_pred, average=None, zero_division=0.0)
        log(f"{approach:32s} {features:18s} micro-F1 {records[-1]['micro_f1']:.4f}")

    table = pd.DataFrame.from_records(records)
    per_concept_f1 = pd.DataFrame(per_concept, index=label_names).T
    settings = {
        "n_samples": int(Y.shape[0]),
        "n_labels": int(Y.shape[1]),
        "split_sizes": [len(tr), len(va), len(te)],
        "fractions": list(fractions),
        "random_state": random_state,
        "n_steps": {k: int(v) for k, v in n_steps.items()},
        "static_dims": {
            m: int(static_features[m].shape[1] // n_steps[m]) for m in MODALITIES
        },
        "temporal_params": {k: repr(v) for k, v in temporal_params.items()},
        "select_params": {k: repr(v) for k, v in select_params.items()},
        "classify_params": {k: repr(v) for k, v in classify_params.items()},
        "head_alphas": list(head_alphas),
        "svc_Cs": list(svc_Cs),
    }
    return Table2Result(
        table=table,
        per_concept_f1=per_concept_f1,
        splits={"train": tr, "validation": va, "test": te},
        settings=settings,
    )
