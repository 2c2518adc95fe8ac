"""The paper's Table II experiment, runnable on any data set of the same shape.

Protocol (Section IV of the paper):

1. Split the clips at random into 60% train, 20% validation and 20% test,
   keeping every label's share similar in the three parts (iterative
   stratification, :func:`skmmlc.model_selection._iterative.iterative_split`).
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
                                   LabelPowersetWeightedSVC (``C`` and
                                   ``labelset_size`` chosen on
                                   validation; the paper's C=0.9 and full
                                   label powerset included)
   static baseline (not in the     static features of every modality,
   paper)                          mean-pooled over time, concatenated ->
                                   standardised -> one logistic
                                   regression per label (``C`` chosen on
                                   validation): does the deep framework
                                   earn its cost on this data?
   ==============================  =====================================

5. Report micro-F1, Hamming loss and mean average precision per row, what was
   chosen on validation (column ``chosen``), and the per-concept F1 of the
   three fusion rows (the paper's Figure 2) with the number of test
   positives each rests on. A :class:`FewTestPositivesWarning` names the
   concepts with fewer than :data:`MIN_TEST_POSITIVES` positives in the test
   split: their F1 moves by a large step with every clip.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field
from functools import partial
from typing import NamedTuple

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import GridSearchCV, PredefinedSplit
from sklearn.multiclass import OneVsRestClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from .. import metrics as _metrics
from ..model_selection import iterative_split
from ..utils import MODALITIES

__all__ = [
    "FewTestPositivesWarning",
    "MIN_TEST_POSITIVES",
    "Table2Result",
    "Table2Row",
    "TABLE2_ROWS",
    "RESAMPLED_ROW",
    "run_table2",
    "extract_static_features",
    "align_steps",
    "mean_pool_steps",
]


#: Fewer positives than this in the test split make a concept's F1 too noisy
#: to compare rows by (one clip moves it by 0.1 or more): :func:`run_table2`
#: warns, and :meth:`Table2Result.plot_per_concept` marks the concept.
MIN_TEST_POSITIVES = 10


class FewTestPositivesWarning(UserWarning):
    """The test split has fewer than :data:`MIN_TEST_POSITIVES` positives for
    some concepts, so their per-concept F1 is noisy.

    ``counts`` maps each such concept to its number of test positives.
    """

    def __init__(self, message, counts=None):
        super().__init__(message)
        self.counts = dict(counts or {})


class Table2Row(NamedTuple):
    """One row of Table II: how it is shown and which model it is."""

    approach: str
    features: str
    modalities: tuple
    #: "late" (temporal features -> dense layers), "early" (per-step static
    #: fusion -> one ResBiLSTM -> dense layers), "proposed" (the framework's
    #: selector + weighted SVM), "static" (the static baseline), "resampled"
    #: (the proposed head on resampled train rows)
    kind: str
    #: name of the row in the per-concept figure, None if not shown there
    figure: str | None = None


#: The rows of Table II, in the paper's order, then the static baseline.
TABLE2_ROWS = (
    Table2Row("Single modal", "visual", ("visual",), "late"),
    Table2Row("Single modal", "audio", ("audio",), "late"),
    Table2Row("Single modal", "text", ("text",), "late"),
    Table2Row("Two modalities", "visual+audio", ("visual", "audio"), "late"),
    Table2Row("Two modalities", "visual+text", ("visual", "text"), "late"),
    Table2Row("Two modalities", "text+audio", ("text", "audio"), "late"),
    Table2Row("Three modalities (early fusion)", "visual+audio+text", MODALITIES, "early",
              "early fusion"),
    Table2Row("Three modalities (late fusion)", "visual+audio+text", MODALITIES, "late",
              "late fusion"),
    Table2Row("Proposed framework", "visual+audio+text", MODALITIES, "proposed", "proposed"),
    Table2Row("Static baseline", "visual+audio+text", MODALITIES, "static",
              "static baseline"),
)

#: The row :func:`run_table2` adds after "Proposed framework" when given ``resample=``.
RESAMPLED_ROW = Table2Row("Proposed + resampling", "visual+audio+text", MODALITIES,
                          "resampled", "proposed + resampling")

# The paper's numbers for the disaster data set (Table II, its nine rows), for comparison.
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
        ``macro_f1``, ``hamming_loss``, ``map``, ``fit_seconds`` and
        ``chosen`` (what was chosen on the validation split).
    per_concept_f1 : DataFrame
        F1 per concept (columns) for the early fusion, late fusion, proposed
        and static baseline rows (index): the paper's Figure 2, plus the
        baseline.
    splits : dict
        Row indices of ``train``, ``validation`` and ``test``.
    settings : dict
        Everything needed to reproduce the run (JSON-serialisable).
    temporal_features : dict
        The temporal features of every clip, ``{modality: (n_samples,
        dense_units)}`` and ``"early"`` for early fusion, so that other heads
        can be compared on the very same features.
    test_positives : Series or None
        Number of positives per concept (index) in the test split: what each
        per-concept F1 rests on.
    dataset : str or None
        Name of the data set, used in the figure's title.
    per_label_f1 : DataFrame or None
        F1 per concept (columns) for every row of :attr:`table` (index:
        ``"approach (features)"``); its row means are the ``macro_f1`` column.
    """

    table: pd.DataFrame
    per_concept_f1: pd.DataFrame
    splits: dict
    settings: dict = field(default_factory=dict)
    temporal_features: dict = field(default_factory=dict, repr=False)
    test_positives: pd.Series | None = None
    dataset: str | None = None
    per_label_f1: pd.DataFrame | None = None

    def to_markdown(self, digits=4):
        """The table as GitHub-flavoured markdown (no extra dependency)."""
        cols = ["approach", "features", "micro_f1", "macro_f1", "hamming_loss", "map", "chosen"]
        lines = [
            "| Approach | Features | Micro F1 | Macro F1 | HL | MAP | chosen on validation |",
            "|---|---|---|---|---|---|---|",
        ]
        for _, r in self.table[cols].iterrows():
            lines.append(
                f"| {r['approach']} | {r['features']} | {r['micro_f1']:.{digits}f} | "
                f"{r['macro_f1']:.{digits}f} | {r['hamming_loss']:.{digits}f} | "
                f"{r['map']:.{digits}f} | {r['chosen']} |"
            )
        return "\n".join(lines)

    def per_label_markdown(self, digits=3):
        """F1 per concept of every row (markdown), macro-F1 (their mean) last."""
        data = self.per_label_f1
        if data is None:
            return ""
        lines = [
            "| Row | " + " | ".join(map(str, data.columns)) + " | Macro F1 |",
            "|---" * (data.shape[1] + 2) + "|",
        ]
        for name, values in data.iterrows():
            cells = " | ".join(f"{v:.{digits}f}" for v in values)
            lines.append(f"| {name} | {cells} | {values.mean():.{digits}f} |")
        return "\n".join(lines)

    def plot_per_concept(self, path=None, title=None, ax=None):
        """Grouped bar chart of per-concept F1 (the paper's Figure 2).

        Each concept's tick label gives its number of test positives
        (``n=``); concepts with fewer than :data:`MIN_TEST_POSITIVES` are
        written in grey italics, as their F1 is noisy.

        Parameters
        ----------
        path : str or path-like, optional
            Save the figure there (PNG, or any format matplotlib knows).
        title : str, optional
            Axes title; by default "Per-concept F1 on the test split: " and
            the data set's name (:attr:`dataset`).
        ax : matplotlib Axes, optional
            Draw into it. Without one, a new :class:`matplotlib.figure.Figure`
            is made without pyplot, so no backend is switched and no window
            opens.

        Returns
        -------
        fig : matplotlib Figure
        """
        data = self.per_concept_f1
        n_rows, n_concepts = data.shape
        if ax is None:
            from matplotlib.figure import Figure

            fig = Figure(figsize=(max(7, 1.3 * n_concepts), 4.5), layout="constrained")
            ax = fig.add_subplot()
        else:
            fig = ax.figure
        x = np.arange(n_concepts)
        width = 0.8 / n_rows
        for i, (name, values) in enumerate(data.iterrows()):
            # macro-F1 is the mean of the row's bars
            bars = ax.bar(x + (i - (n_rows - 1) / 2) * width, values.to_numpy(), width,
                          label=f"{name} (macro-F1 {values.mean():.2f})")
            # every bar gets its value, so that a zero F1 is not read as a missing bar
            ax.bar_label(bars, fmt="%.2f", fontsize=6, padding=1)
        counts = self.test_positives
        names = [_wrap_label(c) for c in data.columns]
        if counts is not None:
            counts = counts.reindex(data.columns)
            labels = [f"{name}\n(n={int(k)})" for name, k in zip(names, counts)]
        else:
            labels = names
        rotation = 20 if n_concepts > 8 else 0
        ax.set_xticks(x, labels, rotation=rotation, ha="right" if rotation else "center")
        if counts is not None:
            few = (counts < MIN_TEST_POSITIVES).to_numpy()
            for tick, is_few in zip(ax.get_xticklabels(), few):
                if is_few:
                    tick.set(color="0.45", fontstyle="italic")
            if few.any():  # inside the axes, above the bars: clear of the title
                ax.text(0.995, 0.99, f"grey italics: fewer than {MIN_TEST_POSITIVES} test "
                        "positives (noisy F1)", transform=ax.transAxes, ha="right",
                        va="top", fontsize="x-small", color="0.45", fontstyle="italic")
        ax.set_ylim(0, 1.16)
        ax.set_ylabel("F1 on the test split")
        if title is None:
            title = "Per-concept F1 on the test split"
            title += f": {self.dataset}" if self.dataset else ""
        ax.set_title(title, loc="left")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.28 if rotation else -0.2),
                  ncol=n_rows, fontsize="small", frameon=False)
        ax.grid(axis="y", alpha=0.3)
        if path is not None:
            fig.savefig(path, dpi=120)
        return fig


def _wrap_label(name, width=12):
    """A concept name on lines of about ``width`` characters, broken at spaces
    and after slashes ("Speak/Briefing/Interview"), so that ticks do not overlap."""
    import textwrap

    return textwrap.fill(str(name).replace("/", "/ "), width).replace("/ ", "/")


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


def mean_pool_steps(features, n_steps):
    """Mean over the non-padding steps of a flattened (n, n_steps * dim) sequence.

    All-zero steps are the extractors' padding and are left out; a row without
    any real step gives zeros. Used by the static baseline.
    """
    seq = features.reshape(features.shape[0], n_steps, -1)
    real = np.any(seq != 0, axis=2)
    counts = np.maximum(real.sum(axis=1, keepdims=True), 1)
    return (seq * real[:, :, None]).sum(axis=1) / counts


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


# ----------------------------------------------------------------- the heads
# Each head is a scikit-learn estimator whose hyper-parameter is chosen on the
# validation rows by GridSearchCV (see _choose_on_validation), then refit on
# the train rows. A head function returns (predict, score, chosen): two
# functions of a feature matrix and a short description of what validation
# chose.


def _choose_on_validation(estimator, candidates, F, Y, splits, **fit_params):
    """Fit ``estimator`` with each of ``candidates`` (parameter dicts) on the train
    rows, keep the best validation micro-F1, refit it on the train rows.

    ``GridSearchCV(cv=PredefinedSplit)`` on the train and validation rows: one
    fit on the train rows and one score on the validation rows per candidate.
    Candidates are tried in the order given (one grid each), and among equal
    scores the first is kept (the lowest rank, first). ``fit_params`` go to
    every fit as they are. A single candidate is taken without a search.

    Returns ``(model, params)``: ``estimator`` with the chosen ``params``,
    fitted on the train rows.
    """
    tr, va, _ = splits
    params = candidates[0]
    if len(candidates) > 1:
        rows = np.concatenate([tr, va])
        test_fold = np.r_[np.full(len(tr), -1), np.zeros(len(va), dtype=int)]
        search = GridSearchCV(
            estimator,
            [{name: [value] for name, value in candidate.items()} for candidate in candidates],
            scoring=_metrics.micro_f1_scorer,
            cv=PredefinedSplit(test_fold),
            refit=False,  # the protocol refits on the train rows only, not train + validation
            error_score="raise",
        ).fit(F[rows], Y[rows], **fit_params)
        params = search.best_params_
    return clone(estimator).set_params(**params).fit(F[tr], Y[tr], **fit_params), params


def _dense_head(F, Y, splits, *, alphas, random_state):
    """Dense layers on fused features, L2 penalty chosen on validation."""
    head = MLPClassifier(hidden_layer_sizes=(128,), max_iter=400, random_state=random_state)
    with warnings.catch_warnings():  # a few hundred epochs suffice on this scale
        warnings.simplefilter("ignore", ConvergenceWarning)
        head, params = _choose_on_validation(
            head, [{"alpha": alpha} for alpha in alphas], F, Y, splits
        )
    return head.predict, head.predict_proba, f"alpha={params['alpha']:g}"


def _static_head(F, Y, splits, *, Cs, random_state):
    """Standardised features, one logistic regression per label, C on validation."""
    model = Pipeline(
        [
            ("scale", StandardScaler()),
            (
                "classify",
                OneVsRestClassifier(LogisticRegression(max_iter=2000, random_state=random_state)),
            ),
        ]
    )
    with warnings.catch_warnings():  # a label constant in training is predicted as such
        warnings.filterwarnings("ignore", message="Label .* is present in all")
        warnings.filterwarnings("ignore", message="Label not .* is present in all")
        model, params = _choose_on_validation(
            model, [{"classify__estimator__C": C} for C in Cs], F, Y, splits
        )
    return model.predict, model.predict_proba, f"C={params['classify__estimator__C']:g}"


def _proposed_head(
    F, Y, splits, *, random_state, select_params, classify_params, Cs, labelset_sizes, resample=None
):
    """:class:`_ProposedHead`, ``C`` and ``labelset_size`` chosen on validation.
    With ``resample``, the SVMs are trained on resampled train rows (validation and
    test rows are never resampled)."""
    tr, va, _ = splits
    head = _ProposedHead(
        select_params=select_params,
        classify_params=classify_params,
        resample=resample,
        random_state=random_state,
    )
    candidates = [{"C": C, "labelset_size": k} for k in labelset_sizes for C in Cs]
    model, params = _choose_on_validation(head, candidates, F, Y, splits, X_val=F[va], Y_val=Y[va])
    chosen = (
        f"C={params['C']:g}, labelset_size={params['labelset_size']}, "
        f"{int(model.support_.sum())}/{F.shape[1]} features"
    )
    return model.predict, model.decision_function, chosen


class _ProposedHead(ClassifierMixin, BaseEstimator):
    """The proposed row's head: standardise, RF ranking + recursive elimination
    scored on the validation rows, then the weighted label-powerset SVM
    (``C``, ``labelset_size``) on the selected features of the train rows.

    ``fit(X, Y, X_val, Y_val)`` takes the train rows and, apart, the validation
    rows: the scaler is fit on the train rows; the
    :class:`~skmmlc.RFRecursiveSelector` ranks the features on both and scores
    its elimination rounds on the validation rows (``cv``: a
    :class:`~sklearn.model_selection.PredefinedSplit`); the SVM is fit on the
    train rows only. With ``resample``, the SVMs are trained on rows resampled
    by a clone of it.
    """

    def __init__(
        self,
        C=1.0,
        labelset_size=None,
        *,
        select_params=None,
        classify_params=None,
        resample=None,
        random_state=None,
    ):
        self.C = C
        self.labelset_size = labelset_size
        self.select_params = select_params
        self.classify_params = classify_params
        self.resample = resample
        self.random_state = random_state

    def _svm(self):
        from ..multilabel import LabelPowersetWeightedSVC, RakelO
        from ..resampling import ResampledClassifier

        params = dict(self.classify_params or {}, C=self.C, random_state=self.random_state)
        if self.labelset_size is None:
            svc = LabelPowersetWeightedSVC(**params)
        else:  # RAkEL-o
            ensemble = {k: params.pop(k) for k in ("n_labelsets", "n_jobs") if k in params}
            svc = RakelO(
                LabelPowersetWeightedSVC(**params),
                labelset_size=self.labelset_size,
                random_state=self.random_state,
                **ensemble,
            )
        return svc if self.resample is None else ResampledClassifier(clone(self.resample), svc)

    def fit(self, X, Y, X_val, Y_val):
        from ..feature_selection import RFRecursiveSelector

        self.scaler_ = StandardScaler().fit(X)
        Z, Z_val = self.scaler_.transform(X), self.scaler_.transform(X_val)
        fold = PredefinedSplit(np.r_[np.full(len(Z), -1), np.zeros(len(Z_val), dtype=int)])
        selector = RFRecursiveSelector(
            estimator=self._svm(),
            cv=fold,
            random_state=self.random_state,
            **(self.select_params or {}),
        ).fit(np.concatenate([Z, Z_val]), np.concatenate([Y, Y_val]))
        self.support_ = selector.get_support()
        self.estimator_ = self._svm().fit(Z[:, self.support_], Y)
        return self

    @property
    def classes_(self):
        return self.estimator_.classes_

    def predict(self, X):
        return self.estimator_.predict(self.scaler_.transform(X)[:, self.support_])

    def decision_function(self, X):
        return self.estimator_.decision_function(self.scaler_.transform(X)[:, self.support_])


# ------------------------------------------------------------- the protocol


def _check_inputs(static_features, n_steps, Y):
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
        if m not in n_steps:
            raise ValueError(f"n_steps lacks {m!r}.")
    return Y


def _temporal_features(static_features, n_steps, Y, train, params, log):
    """One ResBiLSTM per modality and one for early fusion, trained on ``train``.

    Returns ``({name: (n_samples, dense_units)}, {name: seconds})`` with the
    names of :data:`MODALITIES` and ``"early"``.
    """
    from ..temporal import ResBiLSTMTemporal

    sequences = {m: (static_features[m], n_steps[m]) for m in MODALITIES}
    target = max(n_steps[m] for m in MODALITIES)
    early = np.concatenate(
        [align_steps(static_features[m], n_steps[m], target) for m in MODALITIES], axis=2
    ).reshape(Y.shape[0], -1)
    sequences["early"] = (early, target)

    others = np.setdiff1d(np.arange(Y.shape[0]), train)
    features, seconds = {}, {}
    for name, (S, steps) in sequences.items():
        start = time.perf_counter()
        model = ResBiLSTMTemporal(n_steps=steps, **params)
        F = np.empty((S.shape[0], model.dense_units), dtype=np.float32)
        F[train] = model.fit_transform(S[train], Y[train])  # out of fold when cv is set
        F[others] = model.transform(S[others])
        features[name], seconds[name] = F, time.perf_counter() - start
        log(f"temporal model for {name}: {seconds[name]:.1f} s")
    return features, seconds


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
    labelset_sizes=(None, 3),
    baseline_Cs=(0.01, 0.1, 1.0),
    fractions=(0.6, 0.2, 0.2),
    random_state=0,
    dataset=None,
    verbose=0,
    resample=None,
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
    labelset_sizes : sequence of {None, int}
        ``labelset_size`` values tried for the proposed row's SVM, chosen on
        validation together with ``C``: ``None`` is the paper's full label
        powerset, ``k`` an ensemble of random k-label sets (RAkEL). Sizes not
        smaller than the number of labels are left out (they equal the full
        powerset); ``classify_params["labelset_size"]`` fixes it instead.
    baseline_Cs : sequence of float
        Inverse L2 penalties tried for the static baseline's logistic
        regressions, chosen on validation.
    fractions : (float, float, float)
        Train / validation / test shares.
    random_state : int
        Seed of the split and of every model.
    dataset : str, optional
        Name of the data set: kept in ``settings`` and used in the figure's
        title.
    verbose : int
        Print progress when > 0.
    resample : sampler, optional
        A multi-label sampler (e.g. :class:`~skmmlc.resampling.MLSMOTE`): adds
        the row "Proposed + resampling" (:data:`RESAMPLED_ROW`) after the
        proposed framework, the same head with its SVMs trained on resampled
        train rows.

    Returns
    -------
    Table2Result

    Warns
    -----
    FewTestPositivesWarning
        When the test split has fewer than :data:`MIN_TEST_POSITIVES`
        positives for some concepts (named, with their counts), before any
        model is trained.
    """
    Y = _check_inputs(static_features, n_steps, Y)
    protocol = _Protocol.normalised(
        Y.shape[1],
        fractions=fractions,
        random_state=random_state,
        temporal_params=temporal_params,
        select_params=select_params,
        classify_params=classify_params,
        head_alphas=head_alphas,
        svc_Cs=svc_Cs,
        labelset_sizes=labelset_sizes,
        baseline_Cs=baseline_Cs,
        resample=resample,
    )
    if label_names is None:
        label_names = [f"label_{j}" for j in range(Y.shape[1])]
    label_names = list(label_names)
    splits = _split(Y, fractions, random_state)
    test_positives = _test_positives(Y[splits[2]], label_names)
    _warn_few_positives(test_positives)  # from here, so that it points at the caller
    log = partial(_log, verbose)
    temporal, seconds = _temporal_features(
        static_features, n_steps, Y, splits[0], protocol.temporal_params, log
    )
    features = _RowFeatures(temporal, seconds, _pooled(static_features, n_steps))
    rows = TABLE2_ROWS if resample is None else (*TABLE2_ROWS[:-1], RESAMPLED_ROW, TABLE2_ROWS[-1])
    records, per_label = _evaluate_rows(rows, protocol.heads(), features, Y, splits, log)
    per_concept = {r.figure: per_label[_row_name(r)] for r in rows if r.figure is not None}
    chosen = {_row_name(row): r["chosen"] for row, r in zip(rows, records)}
    return Table2Result(
        table=pd.DataFrame.from_records(records),
        per_concept_f1=pd.DataFrame(per_concept, index=label_names).T,
        splits=dict(zip(("train", "validation", "test"), splits)),
        settings=_settings(
            protocol, dataset, Y, splits, test_positives, static_features, n_steps, chosen
        ),
        temporal_features=temporal,
        test_positives=test_positives,
        dataset=dataset,
        per_label_f1=pd.DataFrame(per_label, index=label_names).T,
    )


@dataclass
class _Protocol:
    """The settings of a :func:`run_table2` run, normalised (see
    :meth:`normalised`): what the heads are built from."""

    fractions: tuple
    random_state: object
    temporal_params: dict
    select_params: dict
    classify_params: dict
    head_alphas: tuple
    svc_Cs: tuple
    labelset_sizes: tuple
    baseline_Cs: tuple
    resample: object = None

    @classmethod
    def normalised(cls, n_labels, **settings):
        """Copies of the parameter dicts; ``random_state`` the temporal models'
        default; a ``C`` or ``labelset_size`` in ``classify_params`` the only
        candidate; label-set sizes not below ``n_labels`` (the full powerset)
        left out."""
        protocol = cls(**settings)
        protocol.temporal_params = dict(protocol.temporal_params or {})
        protocol.temporal_params.setdefault("random_state", protocol.random_state)
        protocol.select_params = dict(protocol.select_params or {})
        protocol.classify_params = dict(protocol.classify_params or {})
        if "C" in protocol.classify_params:
            protocol.svc_Cs = (protocol.classify_params.pop("C"),)
        if "labelset_size" in protocol.classify_params:
            protocol.labelset_sizes = (protocol.classify_params.pop("labelset_size"),)
        sizes = tuple(k for k in protocol.labelset_sizes if k is None or k < n_labels)
        protocol.labelset_sizes = sizes or (None,)
        return protocol

    def heads(self):
        """``{row kind: head}``, each head a function of ``(F, Y, splits)``."""
        dense = partial(_dense_head, alphas=self.head_alphas, random_state=self.random_state)
        proposed = partial(
            _proposed_head,
            random_state=self.random_state,
            select_params=self.select_params,
            classify_params=self.classify_params,
            Cs=self.svc_Cs,
            labelset_sizes=self.labelset_sizes,
        )
        return {
            "late": dense,
            "early": dense,
            "proposed": proposed,
            "resampled": partial(proposed, resample=self.resample),
            "static": partial(_static_head, Cs=self.baseline_Cs, random_state=self.random_state),
        }


def _log(verbose, msg):
    if verbose:
        print(f"[table2] {msg}", flush=True)


def _test_positives(Y_test, label_names):
    """Positives per concept in the test rows (a Series named after the concepts)."""
    return pd.Series(Y_test.sum(axis=0).astype(int), index=label_names, name="test_positives")


def _split(Y, fractions, random_state):
    """The train, validation and test rows (iterative stratification)."""
    splits = iterative_split(Y, fractions, random_state=random_state)
    if min(len(part) for part in splits) == 0:
        raise ValueError(f"Too few rows ({Y.shape[0]}) for a {fractions} split.")
    return splits


def _pooled(static_features, n_steps):
    """The static features of every modality mean-pooled over time, concatenated."""
    return np.concatenate(
        [mean_pool_steps(static_features[m], n_steps[m]) for m in MODALITIES], axis=1
    )


def _row_name(row):
    """A row's name in :attr:`Table2Result.per_label_f1` and ``settings["chosen"]``."""
    return f"{row.approach} ({row.features})"


class _RowFeatures(NamedTuple):
    """What the rows of Table II are fit on: the temporal features (and the
    seconds each took), and the static features mean-pooled over time."""

    temporal: dict
    seconds: dict
    pooled: np.ndarray

    def of(self, row):
        """The features of ``row`` and the seconds spent computing them."""
        if row.kind == "early":
            return self.temporal["early"], self.seconds["early"]
        if row.kind == "static":
            return self.pooled, 0.0
        F = np.concatenate([self.temporal[m] for m in row.modalities], axis=1)
        return F, sum(self.seconds[m] for m in row.modalities)


def _evaluate_rows(rows, heads, features, Y, splits, log):
    """Fit each row's head (train and validation rows), score it on the test rows.

    Returns the rows of the table (dicts) and ``{row name: F1 of every label}``.
    """
    te = splits[2]
    records, per_label = [], {}
    for row in rows:
        start = time.perf_counter()
        F, upstream = features.of(row)
        predict, score, chosen = heads[row.kind](F, Y, splits)
        Y_pred = np.asarray(predict(F[te]))
        records.append(
            {
                "approach": row.approach,
                "features": row.features,
                "micro_f1": _metrics.micro_f1(Y[te], Y_pred),
                "macro_f1": f1_score(Y[te], Y_pred, average="macro", zero_division=0.0),
                "hamming_loss": _metrics.hamming_loss(Y[te], Y_pred),
                "map": _metrics.mean_average_precision(Y[te], np.asarray(score(F[te]))),
                "fit_seconds": upstream + time.perf_counter() - start,
                "chosen": chosen,
            }
        )
        per_label[_row_name(row)] = f1_score(Y[te], Y_pred, average=None, zero_division=0.0)
        log(
            f"{row.approach:32s} {row.features:18s} micro-F1 {records[-1]['micro_f1']:.4f}"
            f"  macro-F1 {records[-1]['macro_f1']:.4f}  ({chosen})"
        )
    return records, per_label


def _settings(protocol, dataset, Y, splits, test_positives, static_features, n_steps, chosen):
    """:attr:`Table2Result.settings`: everything needed to reproduce the run, and
    what validation chose per row (JSON values)."""
    return {
        "dataset": dataset,
        "n_samples": int(Y.shape[0]),
        "n_labels": int(Y.shape[1]),
        "split_sizes": [len(part) for part in splits],
        "test_positives": {str(k): int(v) for k, v in test_positives.items()},
        "fractions": [float(f) for f in protocol.fractions],
        "random_state": protocol.random_state,
        "n_steps": {m: int(n_steps[m]) for m in MODALITIES},
        "static_dims": {m: int(static_features[m].shape[1] // n_steps[m]) for m in MODALITIES},
        "temporal_params": _jsonable(protocol.temporal_params),
        "select_params": _jsonable(protocol.select_params),
        "classify_params": _jsonable(protocol.classify_params),
        "head_alphas": [float(a) for a in protocol.head_alphas],
        "svc_Cs": [float(C) for C in protocol.svc_Cs],
        "labelset_sizes": list(protocol.labelset_sizes),
        "baseline_Cs": [float(C) for C in protocol.baseline_Cs],
        "resample": None if protocol.resample is None else repr(protocol.resample),
        "chosen": chosen,
    }


def _warn_few_positives(test_positives):
    """Warn about concepts with fewer than MIN_TEST_POSITIVES test positives."""
    few = test_positives[test_positives < MIN_TEST_POSITIVES]
    if few.empty:
        return
    listed = ", ".join(f"{name} ({count})" for name, count in few.items())
    warnings.warn(
        FewTestPositivesWarning(
            f"The test split has fewer than {MIN_TEST_POSITIVES} positives for "
            f"{len(few)} of {len(test_positives)} concepts: {listed}. Their per-concept "
            "F1 rests on a few clips and is noisy; use more clips or a larger test "
            "share (fractions=).",
            counts={str(k): int(v) for k, v in few.items()},
        ),
        stacklevel=3,
    )


def _jsonable(params):
    """Parameters as JSON values: numbers, strings, bools and None stay as they
    are; anything else (an estimator, a sampler) becomes its repr."""
    def convert(value):
        if value is None or isinstance(value, bool | int | float | str):
            return value
        if isinstance(value, np.generic):
            return value.item()
        if isinstance(value, list | tuple):
            return [convert(v) for v in value]
        if isinstance(value, dict):
            return {str(k): convert(v) for k, v in value.items()}
        return repr(value)

    return {k: convert(v) for k, v in params.items()}
