"""The rows of Table II beyond the paper (issue 24): attention and end-to-end.

- "Proposed + attention": the proposed head (selection + weighted SVM) on the
  features of one :class:`~skmmlc.ResBiLSTMAttentionTemporal` per modality
  (residual attention over time instead of the masked mean), trained on the
  train rows as the paper's temporal stages are;
- "End-to-end" and "End-to-end + attention": one
  :class:`~skmmlc.EndToEndMultimodalClassifier` on the three modalities'
  static feature sequences, without and with temporal attention, its
  ``fusion`` (``"attention"`` or ``"concat"``) chosen on the validation rows.

TensorFlow is imported only when a row is computed.
"""

from __future__ import annotations

import time

import numpy as np

from .. import metrics as _metrics
from ..utils import MODALITIES

__all__ = ["attention_temporal_features", "end_to_end_head", "end_to_end_defaults",
           "static_layout", "attention_of_test_clips"]

#: The parameters an end-to-end row takes from the protocol's ``temporal_params``
#: when ``end_to_end_params`` does not set them (the networks' shared settings).
SHARED_PARAMS = ("units", "epochs", "batch_size", "learning_rate", "dropout",
                 "early_stopping", "validation_fraction", "patience", "standardize",
                 "random_state", "verbose", "residual", "attention_units")


def attention_temporal_features(static_features, n_steps, Y, train, params, log):
    """One :class:`~skmmlc.ResBiLSTMAttentionTemporal` per modality, trained on ``train``.

    As the paper's temporal stages (same parameters ``params``; train rows
    through ``fit_transform``). Returns ``({modality: (n_samples,
    dense_units)}, {modality: seconds})``.
    """
    from ..temporal import ResBiLSTMAttentionTemporal

    others = np.setdiff1d(np.arange(Y.shape[0]), train)
    features, seconds = {}, {}
    for m in MODALITIES:
        start = time.perf_counter()
        model = ResBiLSTMAttentionTemporal(n_steps=n_steps[m], **params)
        S = static_features[m]
        F = np.empty((S.shape[0], model.dense_units), dtype=np.float32)
        F[train] = model.fit_transform(S[train], Y[train])
        F[others] = model.transform(S[others])
        features[m], seconds[m] = F, time.perf_counter() - start
        log(f"attention temporal model for {m}: {seconds[m]:.1f} s")
    return features, seconds


def static_layout(static_features, n_steps):
    """``[(modality, n_steps, dim)]`` of the static features, in :data:`MODALITIES` order."""
    return [(m, int(n_steps[m]), int(static_features[m].shape[1] // n_steps[m]))
            for m in MODALITIES]


def end_to_end_defaults(temporal_params, end_to_end_params):
    """The end-to-end rows' parameters: ``end_to_end_params``, the rest of
    :data:`SHARED_PARAMS` from ``temporal_params``."""
    params = {k: v for k, v in (temporal_params or {}).items() if k in SHARED_PARAMS}
    params.update(end_to_end_params or {})
    return params


def end_to_end_head(F, Y, splits, *, layout, params, fusions, attention, keep=None):
    """An :class:`~skmmlc.EndToEndMultimodalClassifier` on the static features ``F``.

    One network per ``fusions`` candidate is trained on the train rows (its
    early stopping holds out part of them, as the temporal stages do); the
    one with the best validation micro-F1 is kept (the first among equal
    scores). A deterministic fit makes a refit on the same rows the same
    network, so it is not refit. ``keep``, a dict, receives the model under
    ``"model"``.

    Returns ``(predict, predict_proba, chosen)`` as the other heads.
    """
    from ..temporal import EndToEndMultimodalClassifier

    tr, va, _ = splits
    best, best_score, best_fusion = None, -1.0, None
    for fusion in fusions:
        model = EndToEndMultimodalClassifier(layout=layout, attention=attention, fusion=fusion,
                                             **params).fit(F[tr], Y[tr])
        score = _metrics.micro_f1(Y[va], model.predict(F[va])) if len(fusions) > 1 else 0.0
        if score > best_score:
            best, best_score, best_fusion = model, score, fusion
    if keep is not None:
        keep["model"] = best
    chosen = f"fusion={best_fusion}, {best.n_epochs_} epochs"
    return best.predict, best.predict_proba, chosen


def attention_of_test_clips(kept, static, Y, test):
    """The "End-to-end + attention" model's weights over the steps of each test clip."""
    if "model" not in kept:
        return None
    weights = kept["model"].attention_weights(static[test])
    return {"clips": np.asarray(test), "labels": np.asarray(Y)[test], "weights": weights}
