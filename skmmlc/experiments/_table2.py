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

   and, beyond the paper (``beyond_paper=True``, :data:`BEYOND_ROWS`, see
   :mod:`skmmlc.experiments._beyond`): "Proposed + attention" (the proposed
   head on :class:`~skmmlc.ResBiLSTMAttentionTemporal` features),
   "End-to-end" and "End-to-end + attention"
   (:class:`~skmmlc.EndToEndMultimodalClassifier` on the static features,
   ``fusion`` chosen on validation).

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
from dataclasses import dataclass, field, fields
from functools import partial
from typing import NamedTuple

import numpy as np
import pandas as pd
from sklearn.metrics import f1_score

from .. import metrics as _metrics
from ..model_selection import iterative_split
from ..utils import MODALITIES
from ._beyond import (
    attention_of_test_clips,
    attention_temporal_features,
    end_to_end_defaults,
    end_to_end_head,
    static_layout,
)
from ._features import align_steps, cached, extract_static_features, mean_pool_steps
from ._heads import dense_head, proposed_head, static_head
from ._result import MIN_TEST_POSITIVES, Table2Result

__all__ = [
    "FewTestPositivesWarning",
    "Table2Row",
    "TABLE2_ROWS",
    "RESAMPLED_ROW",
    "BEYOND_ROWS",
    "run_table2",
    "extract_static_features",
    "align_steps",
    "mean_pool_steps",
]



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

#: The rows beyond the paper that :func:`run_table2` adds last (``beyond_paper=True``).
BEYOND_ROWS = (
    Table2Row("Proposed + attention", "visual+audio+text", MODALITIES, "attention",
              "proposed + attention"),
    Table2Row("End-to-end", "visual+audio+text", MODALITIES, "end-to-end", "end-to-end"),
    Table2Row("End-to-end + attention", "visual+audio+text", MODALITIES,
              "end-to-end-attention", "end-to-end + attention"),
)

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
    beyond_paper=True,
    end_to_end_params=None,
    end_to_end_fusions=("attention", "concat"),
    memory=None,
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
    beyond_paper : bool
        Add the rows of :data:`BEYOND_ROWS` last: "Proposed + attention",
        "End-to-end", "End-to-end + attention".
    end_to_end_params : dict, optional
        Keyword arguments of the end-to-end rows'
        :class:`~skmmlc.EndToEndMultimodalClassifier`; the networks' shared
        settings (``units``, ``epochs``, ``batch_size``...) not given are
        ``temporal_params``'.
    end_to_end_fusions : sequence of {"attention", "concat"}
        ``fusion`` values tried for the end-to-end rows, chosen on validation.
    memory : str, Path or joblib.Memory, optional
        Caches the temporal models' features (the paper's and, with
        ``beyond_paper``, the attention ones), keyed by their inputs and
        settings, so that a second run on the same features does not train
        them again (``skmmlc demo`` and ``table2`` use ``OUTPUT/table2-cache``).

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
    arguments = dict(locals())  # the protocol's settings are among them
    Y = _check_inputs(static_features, n_steps, Y)
    protocol = _Protocol.normalised(
        Y.shape[1], **{f.name: arguments[f.name] for f in fields(_Protocol)}
    )
    label_names = [f"label_{j}" for j in range(Y.shape[1])] if label_names is None else list(
        label_names)
    splits = _split(Y, fractions, random_state)
    test_positives = _test_positives(Y[splits[2]], label_names)
    _warn_few_positives(test_positives)  # from here, so that it points at the caller
    log = partial(_log, verbose)
    inputs = (static_features, n_steps, Y, splits[0], protocol.temporal_params, log)
    temporal, seconds = cached(memory, _temporal_features)(*inputs)
    rows = _rows(resample, beyond_paper)
    if beyond_paper:  # after the paper's models: their numbers do not change
        _add_attention_features(temporal, seconds, cached(memory, attention_temporal_features)(
            *inputs))
    static = np.concatenate([static_features[m] for m in MODALITIES], axis=1)
    features = _RowFeatures(temporal, seconds, _pooled(static_features, n_steps), static)
    kept = {}
    heads = protocol.heads(static_layout(static_features, n_steps), kept)
    records, per_label = _evaluate_rows(rows, heads, features, Y, splits, log)
    per_concept = {r.figure: per_label[_row_name(r)] for r in rows if r.figure is not None}
    chosen = {_row_name(row): r["chosen"] for row, r in zip(rows, records)}
    return Table2Result(
        table=pd.DataFrame.from_records(records),
        per_concept_f1=pd.DataFrame(per_concept, index=label_names).T,
        splits=dict(zip(("train", "validation", "test"), splits)),
        settings={
            **_run_facts(dataset, Y, splits, test_positives, static_features, n_steps),
            **protocol.settings(),
            "chosen": chosen,
        },
        temporal_features=temporal,
        test_positives=test_positives,
        dataset=dataset,
        per_label_f1=pd.DataFrame(per_label, index=label_names).T,
        attention=attention_of_test_clips(kept, static, Y, splits[2]),
    )



def _rows(resample, beyond_paper):
    rows = TABLE2_ROWS if resample is None else (*TABLE2_ROWS[:-1], RESAMPLED_ROW, TABLE2_ROWS[-1])
    return rows + BEYOND_ROWS if beyond_paper else rows


def _add_attention_features(temporal, seconds, attention_features):
    """Add the attention temporal models' features (``"visual (attention)"``, ...)."""
    attended, attended_seconds = attention_features
    temporal.update({f"{m} (attention)": f for m, f in attended.items()})
    seconds.update({f"{m} (attention)": s for m, s in attended_seconds.items()})


def _floats(values):
    return [float(v) for v in values]


def _setting(default, to_json=None):
    """A field of :class:`_Protocol`: its default, and how results.json records it."""
    return field(default=default, metadata={"json": to_json} if to_json else {})


@dataclass
class _Protocol:
    """The settings of a :func:`run_table2` run, normalised (see
    :meth:`normalised`): what the heads are built from.

    Its fields are :func:`run_table2`'s keywords of the same names, with the
    same defaults (``tests/test_protocol.py`` checks it); :meth:`settings`
    records them in :attr:`Table2Result.settings`.
    """

    temporal_params: dict = _setting(None)
    select_params: dict = _setting(None)
    classify_params: dict = _setting(None)
    head_alphas: tuple = _setting((1e-4, 1e-2, 1.0), _floats)
    svc_Cs: tuple = _setting((0.01, 0.1, 0.9), _floats)
    labelset_sizes: tuple = _setting((None, 3), list)
    baseline_Cs: tuple = _setting((0.01, 0.1, 1.0), _floats)
    fractions: tuple = _setting((0.6, 0.2, 0.2), _floats)
    random_state: object = _setting(0)
    resample: object = _setting(None, repr)
    beyond_paper: bool = _setting(True)
    end_to_end_params: dict = _setting(None)
    end_to_end_fusions: tuple = _setting(("attention", "concat"), list)

    @classmethod
    def normalised(cls, n_labels, **settings):
        """Copies of the parameter dicts; ``random_state`` the temporal models'
        default; a ``C`` or ``labelset_size`` in ``classify_params`` the only
        candidate; label-set sizes not below ``n_labels`` (the full powerset)
        left out."""
        protocol = cls(**settings)
        protocol.temporal_params = dict(protocol.temporal_params or {})
        protocol.temporal_params.setdefault("random_state", protocol.random_state)
        protocol.end_to_end_params = end_to_end_defaults(
            protocol.temporal_params, protocol.end_to_end_params)
        protocol.select_params = dict(protocol.select_params or {})
        protocol.classify_params = dict(protocol.classify_params or {})
        if "C" in protocol.classify_params:
            protocol.svc_Cs = (protocol.classify_params.pop("C"),)
        if "labelset_size" in protocol.classify_params:
            protocol.labelset_sizes = (protocol.classify_params.pop("labelset_size"),)
        sizes = tuple(k for k in protocol.labelset_sizes if k is None or k < n_labels)
        protocol.labelset_sizes = sizes or (None,)
        return protocol

    def heads(self, layout=None, keep=None):
        """``{row kind: head}``, each head a function of ``(F, Y, splits)``; the
        end-to-end heads take the static features of ``layout`` and put the
        attention model in ``keep``."""
        dense = partial(dense_head, alphas=self.head_alphas, random_state=self.random_state)
        proposed = partial(
            proposed_head,
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
            "static": partial(static_head, Cs=self.baseline_Cs, random_state=self.random_state),
            "attention": proposed,
            **{kind: partial(end_to_end_head, layout=layout, params=self.end_to_end_params,
                             fusions=tuple(self.end_to_end_fusions), attention=attention,
                             keep=keep if attention else None)
               for kind, attention in (("end-to-end", False), ("end-to-end-attention", True))},
        }

    def settings(self):
        """Every field as a JSON value, by name (a sampler as its repr)."""
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            convert = f.metadata.get("json")
            out[f.name] = _json_value(value) if convert is None or value is None else (
                convert(value))
        return out


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
    static: np.ndarray | None = None  # the static sequences side by side (end-to-end rows)

    def of(self, row):
        """The features of ``row`` and the seconds spent computing them."""
        if row.kind == "early":
            return self.temporal["early"], self.seconds["early"]
        if row.kind == "static":
            return self.pooled, 0.0
        if row.kind.startswith("end-to-end"):
            return self.static, 0.0
        names = [f"{m} (attention)" if row.kind == "attention" else m for m in row.modalities]
        F = np.concatenate([self.temporal[m] for m in names], axis=1)
        return F, sum(self.seconds[m] for m in names)


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


def _run_facts(dataset, Y, splits, test_positives, static_features, n_steps):
    """What :attr:`Table2Result.settings` records of the data (JSON values)."""
    return {
        "dataset": dataset,
        "n_samples": int(Y.shape[0]),
        "n_labels": int(Y.shape[1]),
        "split_sizes": [len(part) for part in splits],
        "test_positives": {str(k): int(v) for k, v in test_positives.items()},
        "n_steps": {m: int(n_steps[m]) for m in MODALITIES},
        "static_dims": {m: int(static_features[m].shape[1] // n_steps[m]) for m in MODALITIES},
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


def _json_value(value):
    """A setting as a JSON value: numbers, strings, bools and None stay as they
    are, sequences and dicts are converted item by item, anything else (an
    estimator, a sampler) becomes its repr."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, list | tuple):
        return [_json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_value(v) for k, v in value.items()}
    return repr(value)
