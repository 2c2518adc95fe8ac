"""One model trained end-to-end over all modalities: :class:`EndToEndMultimodalClassifier`.

The paper trains one ResBiLSTM per modality, fuses their features and
classifies them with a weighted SVM; its conclusion names end-to-end training
over all modalities as the next step. This classifier is that step, in one
Keras model and one loss::

    X = [visual | audio | text]        the extractors' outputs side by side
    per modality m: x_m (s_m, d_m) -> residual BiLSTM (as ResBiLSTMTemporal)
                    -> masked mean, or residual attention over time
                    -> b_m = ReLU(Dense(branch_units))
    fusion:  concat(b_1..b_M)          ("concat")
             sum_m a_m b_m, a = softmax_m(v . tanh(W b_m + c))  ("attention":
             a weight per modality and clip)
    y = sigmoid(Dense(Dropout(fused))) one unit per label

The loss handles the imbalance: inverse-frequency weights per label (each
label's positives and negatives weigh ``n / (2 * count)``), or focal loss.

The layers are skmmlc's design (the CVPR 2019 Workshops follow-up of the
paper's authors is public only as an abstract). TensorFlow is imported only
when a model is built or loaded.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from ..utils import draw_seed
from ._keras import (
    KerasPickling,
    balanced_label_weights,
    custom_objects,
    fit_network,
    import_tf,
    predict,
    residual_bilstm,
    seed_stream,
    step_scaler,
    to_sequences,
    weighted_binary_crossentropy,
)
from ._resbilstm import _encode_targets

__all__ = ["EndToEndMultimodalClassifier"]


class EndToEndMultimodalClassifier(KerasPickling, ClassifierMixin, BaseEstimator):
    """Per-modality residual BiLSTMs, their fusion and a multi-label head, trained as one.

    ``X`` holds the static feature sequences of all modalities side by side,
    as a :class:`~sklearn.compose.ColumnTransformer` of the extractors
    passes them: for each modality of ``layout``, ``n_steps * dim`` columns,
    time-major, all-zero steps are padding. One Keras network is trained
    with one loss (see the module docstring for its layers).

    Parameters
    ----------
    layout : sequence of (str, int, int) or None, default=None
        ``(name, n_steps, dim)`` of each modality, in the column order of
        ``X``, e.g. ``[("visual", 40, 2048), ("audio", 15, 1024), ("text", 30, 300)]``
        (each extractor's ``n_steps_`` and ``dim_``). ``None``: one modality
        ``"x"`` with one step of all the columns.
    units : int, default=32
        LSTM units per direction in every branch (blocks ``2 * units`` wide).
    branch_units : int, default=64
        Width of each branch's ReLU vector ``b_m``.
    attention : bool, default=False
        Pool each branch by residual attention over time (as
        :class:`~skmmlc.ResBiLSTMAttentionTemporal`) instead of the masked mean.
    residual : {"mean", "last", "both"} or None, default="mean"
        The residual path of the temporal attention (used with ``attention=True``).
    attention_units : int, default=16
        Hidden width of the temporal and the modality attention.
    fusion : {"attention", "concat"}, default="attention"
        ``"concat"``: the branch vectors side by side. ``"attention"``: their
        sum weighted by a softmax over the modalities, computed per clip
        (:meth:`modality_weights`).
    loss : {"inverse_frequency", "focal", "binary_crossentropy"}, default="inverse_frequency"
        ``"inverse_frequency"``: binary cross-entropy whose positive and
        negative terms of label ``j`` weigh ``n / (2 n_j)`` and
        ``n / (2 (n - n_j))`` (the per-label form of the paper's
        inverse-frequency weights). ``"focal"``: binary focal loss
        (Lin et al., 2017) with ``focal_gamma``. ``"binary_crossentropy"``:
        unweighted.
    focal_gamma : float, default=2.0
        Focusing parameter of the focal loss.
    threshold : float in (0, 1) or "validation", default=0.5
        Decision threshold on each label's probability. ``"validation"``:
        per label, the threshold maximising F1 on the validation split
        (labels without a positive there keep 0.5); a validation split is
        then held out even without early stopping.
    dropout : float, default=0.1
        Dropout on each BiLSTM's output, before the residual addition.
    dense_dropout : float, default=0.5
        Dropout before the output layer.
    epochs, batch_size, learning_rate, early_stopping, validation_fraction, \
patience, standardize, random_state, verbose
        As in :class:`~skmmlc.ResBiLSTMTemporal` (defaults 30, 32, 1e-3,
        "auto", 0.1, 5, True, None, 0); standardisation is per modality.

    Attributes
    ----------
    model_ : keras.Model
        The trained network, the modalities' sequences -> label logits
        (uncompiled; inference only).
    classes_ : ndarray
        Multi-label ``y``: ``arange(n_labels)``; 1-D ``y``: the classes.
    layout_ : list of (str, int, int)
        ``(name, n_steps, dim)`` per modality.
    n_features_in_ : int
        Width of ``X`` seen in ``fit``.
    n_outputs_ : int
        Sigmoid outputs: labels; 1 for binary ``y``; classes for multi-class ``y``.
    mean_, scale_ : list of ndarray
        Per modality, feature means and scales over the real steps.
    thresholds_ : ndarray of shape (n_outputs,)
        Decision threshold of each output (unused for multi-class ``y``,
        whose prediction is the most probable class).
    n_epochs_, best_epoch_, history_
        As in :class:`~skmmlc.ResBiLSTMTemporal`.

    See Also
    --------
    ResBiLSTMTemporal, ResBiLSTMAttentionTemporal : the per-modality stages.
    MultimodalDisasterPipeline : the paper's model (separate stages, weighted SVM).

    Examples
    --------
    >>> import numpy as np
    >>> from skmmlc import EndToEndMultimodalClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(24, 4 * 3 + 2 * 5)).astype("float32")
    >>> Y = rng.integers(0, 2, size=(24, 2))
    >>> clf = EndToEndMultimodalClassifier([("visual", 4, 3), ("audio", 2, 5)],
    ...                                    units=4, branch_units=8, epochs=2,
    ...                                    random_state=0).fit(X, Y)
    >>> clf.predict(X).shape, clf.modality_weights(X).shape
    ((24, 2), (24, 2))
    """

    _parameter_constraints: dict = {
        "layout": [list, tuple, None],
        "units": [Interval(Integral, 1, None, closed="left")],
        "branch_units": [Interval(Integral, 1, None, closed="left")],
        "attention": ["boolean"],
        "residual": [StrOptions({"mean", "last", "both"}), None],
        "attention_units": [Interval(Integral, 1, None, closed="left")],
        "fusion": [StrOptions({"attention", "concat"})],
        "loss": [StrOptions({"inverse_frequency", "focal", "binary_crossentropy"})],
        "focal_gamma": [Interval(Real, 0, None, closed="left")],
        "threshold": [Interval(Real, 0, 1, closed="neither"), StrOptions({"validation"})],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "dense_dropout": [Interval(Real, 0, 1, closed="left")],
        "epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "early_stopping": [StrOptions({"auto"}), "boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "patience": [Interval(Integral, 0, None, closed="left")],
        "standardize": ["boolean"],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        layout=None,
        *,
        units=32,
        branch_units=64,
        attention=False,
        residual="mean",
        attention_units=16,
        fusion="attention",
        loss="inverse_frequency",
        focal_gamma=2.0,
        threshold=0.5,
        dropout=0.1,
        dense_dropout=0.5,
        epochs=30,
        batch_size=32,
        learning_rate=1e-3,
        early_stopping="auto",
        validation_fraction=0.1,
        patience=5,
        standardize=True,
        random_state=None,
        verbose=0,
    ):
        self.layout = layout
        self.units = units
        self.branch_units = branch_units
        self.attention = attention
        self.residual = residual
        self.attention_units = attention_units
        self.fusion = fusion
        self.loss = loss
        self.focal_gamma = focal_gamma
        self.threshold = threshold
        self.dropout = dropout
        self.dense_dropout = dense_dropout
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.standardize = standardize
        self.random_state = random_state
        self.verbose = verbose

    # -- scikit-learn API ---------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Train the network on the modalities' sequences ``X`` and targets ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, sum of n_steps * dim over layout)
            The modalities' static feature sequences side by side.
        y : array-like of shape (n_samples, n_labels) or (n_samples,)
            0/1 label indicator matrix, or single-label targets.

        Returns
        -------
        self : EndToEndMultimodalClassifier
            The fitted classifier.
        """
        X, y = validate_data(self, X, y, multi_output=True, dtype=[np.float32, np.float64],
                             y_numeric=False)
        self.layout_ = _check_layout(self.layout, X.shape[1])
        Y = self._encode_y(y)
        blocks = _split(X, self.layout_)
        scalers = [step_scaler(b.reshape(len(b), s, d), self.standardize)
                   for b, (_, s, d) in zip(blocks, self.layout_)]
        self.mean_ = [m for m, _ in scalers]
        self.scale_ = [s for _, s in scalers]
        seed = draw_seed(self.random_state)
        seqs = self._sequences(X)
        tf, keras = import_tf()
        hold_out = self.threshold == "validation"
        self.model_, info, val = fit_network(
            self, lambda keras: self._build(keras, seed), lambda Yt: self._loss(tf, keras, Yt),
            seqs, Y, seed, n_steps=sum(s for _, s, _ in self.layout_), name="end_to_end",
            hold_out=hold_out,
        )
        self.n_epochs_, self.best_epoch_, self.history_ = info
        self._logit_model = _logit_model(self.model_)
        self.thresholds_ = np.full(self.n_outputs_, 0.5 if hold_out else self.threshold,
                                   dtype=np.float32)
        if hold_out:
            logits = predict(self._logit_model, tuple(s[val] for s in seqs))
            self.thresholds_ = _best_thresholds(Y[val], _sigmoid(logits))
        return self

    def predict_proba(self, X):
        """Probabilities.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            As in :meth:`fit`.

        Returns
        -------
        proba : ndarray, float32
            Multi-label ``y``: ``(n_samples, n_labels)``, each label's
            probability. 1-D ``y``: ``(n_samples, n_classes)`` (multi-class:
            the sigmoid outputs normalised to sum to 1).
        """
        p = _sigmoid(self._logits(X))
        if self._kind == "binary":
            return np.hstack([1.0 - p, p])
        if self._kind == "multiclass":
            return p / np.maximum(p.sum(axis=1, keepdims=True), np.finfo(np.float32).tiny)
        return p

    def decision_function(self, X):
        """Logits minus the thresholds' logits: positive where :meth:`predict` says yes.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            As in :meth:`fit`.

        Returns
        -------
        scores : ndarray of shape (n_samples, n_outputs) or (n_samples,), float32
            ``(n_samples,)`` for binary ``y``.
        """
        z = self._logits(X)
        if self._kind != "multiclass":
            t = self.thresholds_
            z = z - np.log(t / (1.0 - t)).astype(np.float32)
        return z[:, 0] if self._kind == "binary" else z

    def predict(self, X):
        """Labels: a 0/1 matrix (multi-label ``y``), else class labels.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            As in :meth:`fit`.

        Returns
        -------
        y_pred : ndarray of shape (n_samples, n_labels) or (n_samples,)
        """
        scores = self.decision_function(X)
        if len(self.classes_) == 1:
            return np.full(scores.shape[0], self.classes_[0])
        if self._kind == "multilabel":
            return (scores > 0).astype(int)
        if self._kind == "binary":
            return self.classes_[(scores > 0).astype(int)]
        return self.classes_[np.argmax(scores, axis=1)]

    def attention_weights(self, X):
        """Each modality's temporal attention weights (``attention=True`` only).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            As in :meth:`fit`.

        Returns
        -------
        weights : dict of str -> ndarray of shape (n_samples, n_steps), float32
            Per modality name, each row's weights over its time steps: 0 on
            padding steps, summing to 1 over the real steps.
        """
        check_is_fitted(self, "model_")
        if not self.attention:
            raise ValueError("attention_weights needs attention=True; this model pools "
                             "each modality by its masked mean.")
        names = [name for name, _, _ in self.layout_]
        outputs = [self.model_.get_layer(f"{n}_temporal_attention").output[1] for n in names]
        return dict(zip(names, self._run(X, outputs)))

    def modality_weights(self, X):
        """Each clip's fusion weights over the modalities (``fusion="attention"`` only).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            As in :meth:`fit`.

        Returns
        -------
        weights : ndarray of shape (n_samples, n_modalities), float32
            In ``layout_`` order; each row sums to 1.
        """
        check_is_fitted(self, "model_")
        if self.fusion != "attention" or len(self.layout_) < 2:
            raise ValueError("modality_weights needs fusion='attention' and at least two "
                             "modalities in layout.")
        return self._run(X, [self.model_.get_layer("modality_attention").output[1]])[0]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        tags.classifier_tags.multi_label = True
        tags.non_deterministic = self.random_state is None
        return tags

    # -- pickling -----------------------------------------------------------
    _derived_model_attr = "_logit_model"  # rebuilt after unpickling (KerasPickling)

    @staticmethod
    def _derive_model(model):
        return _logit_model(model)

    # -- internals ----------------------------------------------------------
    def _encode_y(self, y):
        check_classification_targets(y)  # "Unknown label type" for continuous y
        Y = _encode_targets(y)
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] > 1:
            self._kind, self.classes_ = "multilabel", np.arange(Y.shape[1])
        else:
            self.classes_ = np.unique(y.ravel())
            self._kind = "multiclass" if self.classes_.size > 2 else "binary"
        self.n_outputs_ = Y.shape[1]
        return Y

    def _sequences(self, X):
        return tuple(
            to_sequences(b, s, d, m, sc)
            for b, (_, s, d), m, sc in zip(_split(X, self.layout_), self.layout_,
                                           self.mean_, self.scale_)
        )

    def _run(self, X, outputs):
        X = validate_data(self, X, reset=False, dtype=[np.float32, np.float64])
        _, keras = import_tf()
        out = predict(keras.Model(self.model_.input, outputs), self._sequences(X))
        return out if isinstance(out, list) else [out]

    def _logits(self, X):
        check_is_fitted(self, "model_")
        X = validate_data(self, X, reset=False, dtype=[np.float32, np.float64])
        return predict(self._logit_model, self._sequences(X))

    def _build(self, keras, seed):
        """The network; every random layer gets its own seed drawn from ``seed``."""
        layers, init = keras.layers, keras.initializers
        seeds = seed_stream(seed, size=64 + 16 * len(self.layout_))
        inputs, branches = [], []
        for name, _, dim in self.layout_:
            x = keras.Input((None, dim + 1), name=name)
            h = residual_bilstm(keras, x, self.units, self.dropout, seeds, prefix=f"{name}_")
            if self.attention:
                pooled, _ = custom_objects()["TemporalAttention"](
                    self.attention_units, self.residual, seeds=[next(seeds) for _ in range(3)],
                    name=f"{name}_temporal_attention")(h)
            else:
                pooled = layers.GlobalAveragePooling1D(name=f"{name}_masked_mean")(h)
            branches.append(layers.Dense(
                self.branch_units, activation="relu", name=f"{name}_features",
                kernel_initializer=init.GlorotUniform(seed=next(seeds)))(pooled))
            inputs.append(x)
        if len(branches) == 1:
            fused = branches[0]
        elif self.fusion == "concat":
            fused = layers.Concatenate(name="fusion")(branches)
        else:
            fused, _ = custom_objects()["ModalityAttention"](
                self.attention_units, seeds=[next(seeds) for _ in range(2)],
                name="modality_attention")(branches)
        d = layers.Dropout(self.dense_dropout, seed=next(seeds), name="dense_dropout")(fused)
        logits = layers.Dense(self.n_outputs_, name="logits",
                              kernel_initializer=init.GlorotUniform(seed=next(seeds)))(d)
        outputs = layers.Activation("sigmoid", name="labels")(logits)
        return keras.Model(inputs, outputs, name="end_to_end")

    def _loss(self, tf, keras, Y):
        if self.loss == "inverse_frequency":
            return weighted_binary_crossentropy(tf, keras, *balanced_label_weights(Y))
        if self.loss == "focal":
            return keras.losses.BinaryFocalCrossentropy(gamma=self.focal_gamma)
        return keras.losses.BinaryCrossentropy()


def _check_layout(layout, n_features):
    """``layout`` as a list of (name, n_steps, dim); its total width must be ``n_features``."""
    if layout is None:
        return [("x", 1, n_features)]
    entries = []
    for entry in layout:
        ok = (isinstance(entry, list | tuple) and len(entry) == 3 and isinstance(entry[0], str)
              and entry[0] and "/" not in entry[0]
              and all(isinstance(v, Integral) and v >= 1 for v in entry[1:]))
        if not ok:
            raise ValueError(
                f"layout entry {entry!r} is not (name, n_steps, dim): a non-empty name "
                "without '/' and two positive ints, e.g. ('visual', 40, 2048)."
            )
        entries.append((entry[0], int(entry[1]), int(entry[2])))
    names = [e[0] for e in entries]
    if not entries or len(set(names)) != len(names):
        raise ValueError(f"layout needs at least one modality and distinct names; got {names}.")
    width = sum(s * d for _, s, d in entries)
    if width != n_features:
        parts = " + ".join(f"{n}: {s}*{d}" for n, s, d in entries)
        raise ValueError(
            f"X has {n_features} features but layout needs {parts} = {width}. X must "
            "be the modalities' static feature sequences side by side, in layout's "
            "order; set each (name, n_steps, dim) to its extractor's n_steps_ and dim_."
        )
    return entries


def _split(X, layout):
    """The column blocks of ``X``, one per modality."""
    ends = np.cumsum([s * d for _, s, d in layout])[:-1]
    return np.split(np.asarray(X), ends, axis=1)


def _logit_model(model):
    """The sub-model from the inputs to the logits (shares weights)."""
    _, keras = import_tf()
    return keras.Model(model.input, model.get_layer("logits").output)


def _sigmoid(z):
    return (1.0 / (1.0 + np.exp(-z.astype(np.float64)))).astype(np.float32)


def _best_thresholds(Y, P):
    """Per label, the threshold on ``P`` maximising F1 on ``Y`` (0.5 without positives).

    Candidates: 0.5 and the midpoints between consecutive distinct
    probabilities; ties go to the candidate closest to 0.5.
    """
    out = np.full(Y.shape[1], 0.5, dtype=np.float32)
    for j in range(Y.shape[1]):
        y, p = Y[:, j] > 0, P[:, j].astype(np.float64)
        if not y.any():
            continue
        u = np.unique(p)
        cand = np.concatenate([[0.5], (u[:-1] + u[1:]) / 2, [u[0] / 2]])
        pred = p[:, None] > cand[None, :]
        tp = (pred & y[:, None]).sum(0)
        f1 = 2 * tp / (pred.sum(0) + y.sum())
        best = np.flatnonzero(f1 == f1.max())
        out[j] = cand[best[np.argmin(np.abs(cand[best] - 0.5))]]
    return out
