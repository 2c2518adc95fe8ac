"""Temporal features: a residual bidirectional LSTM (ResBiLSTM) per modality.

:class:`ResBiLSTMTemporal` is a supervised transformer. ``fit(X, Y)`` trains a
small Keras network on one modality's static feature sequences and the
multi-label targets; ``transform(X)`` returns the output of its ReLU dense layer
(the temporal feature vector of section III.B of the paper).

Network (``u = units``, ``s = n_steps``, ``d = dim``)::

    x  (s, d)   rows of X reshaped time-major; all-zero steps are padding
    x' (s, d+1) standardised features + a validity channel (1 on real steps)
    Masking     padding steps (all zero, flag included) are masked everywhere
    h0 = x' W   linear projection to 2u (no bias: the flag acts as the bias)
    h1 = Dropout(BiLSTM_1(h0)) + h0       residual block 1, width 2u
    h2 = Dropout(BiLSTM_2(h1)) + h1       residual block 2, width 2u
    p  = masked mean of h2 over the real steps
    f  = ReLU(Dense(p))                   <- transform() returns f
    y  = sigmoid(Dense(Dropout(f)))       one unit per label, binary cross-entropy

Design choices (see the class docstring for the reasons): the first residual
adds the projected input ``h0`` rather than the raw ``x`` so that both blocks
have the paper's form ``h_l = BiLSTM_l(h_{l-1}) + h_{l-1}`` and the LSTMs read
``2u`` features instead of thousands; the sequence is pooled by a masked mean,
which is invariant to how much padding follows the clip.

TensorFlow is imported only when a model is built or loaded.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.model_selection import KFold, check_cv
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_is_fitted, validate_data

from ..utils import check_label_matrix, draw_seed
from ._keras import (
    FEATURES_LAYER,
    KerasPickling,
    balanced_label_weights,
    fit_network,
    residual_bilstm,
    seed_stream,
    step_scaler,
    to_sequences,
    weighted_binary_crossentropy,
)
from ._keras import import_tf as _import_tf
from ._keras import predict as _predict

__all__ = ["ResBiLSTMTemporal"]


def _encode_targets(y):
    """Targets as a float32 (n_samples, n_outputs) 0/1 matrix.

    2-D input must be a 0/1 indicator matrix (multi-label). 1-D input (or a
    single column) is a single-label problem: two classes give one binary
    output (the second class in sorted order is the positive one), more
    classes are one-hot encoded (one sigmoid output per class).
    """
    y = check_label_matrix(y, name="y")
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim == 1:
        classes, codes = np.unique(y, return_inverse=True)
        if classes.size <= 2:  # one class: a constant (all-ones) output
            return (codes == classes.size - 1).astype(np.float32)[:, None]
        return np.eye(classes.size, dtype=np.float32)[codes]
    if y.ndim != 2:
        raise ValueError(f"y must be 1-D or 2-D, got shape {y.shape}.")
    if type_of_target(y) != "multilabel-indicator" and not np.isin(y, (0, 1)).all():
        raise ValueError(
            "A 2-D y must be a 0/1 label indicator matrix (n_samples, n_labels); "
            f"got type {type_of_target(y)!r}. Use MultiLabelBinarizer to turn "
            "lists of label names into one."
        )
    return y.astype(np.float32)


class ResBiLSTMTemporal(KerasPickling, TransformerMixin, BaseEstimator):
    """Residual bidirectional LSTM temporal features (a supervised transformer).

    One modality's static feature sequences go in as a 2-D array
    ``(n_samples, n_steps * dim)`` (time-major, zero-padded: all-zero steps are
    padding); ``fit`` trains a two-layer residual BiLSTM network with a sigmoid
    output per label on the multi-label targets, and ``transform`` returns the
    ``dense_units``-d output of its ReLU layer, float32.

    Parameters
    ----------
    n_steps : int or None, default=None
        Number of time steps per row; the width of ``X`` must be a multiple of
        it (``dim = n_features // n_steps``). ``None`` means one step of width
        ``n_features`` (useful for static inputs and scikit-learn's checks).
    units : int, default=32
        LSTM units per direction. Each residual block is ``2 * units`` wide.
    dense_units : int, default=128
        Width of the ReLU layer whose output ``transform`` returns.
    dropout : float, default=0.1
        Dropout on each BiLSTM's output, before the residual addition.
    dense_dropout : float, default=0.5
        Dropout between the ReLU layer and the sigmoid output layer.
    epochs : int, default=30
        Maximum number of passes over the training rows.
    batch_size : int, default=32
        Mini-batch size (rows).
    learning_rate : float, default=1e-3
        Adam learning rate.
    early_stopping : "auto" or bool, default="auto"
        Hold out ``validation_fraction`` of the rows, stop when the validation
        loss has not improved for ``patience`` epochs, and restore the weights
        of the best epoch. ``"auto"`` enables it when the held-out part has at
        least 10 rows.
    validation_fraction : float, default=0.1
        Fraction of the rows held out for early stopping.
    patience : int, default=5
        Epochs without improvement of the validation loss before stopping.
    class_weight : "balanced" or None, default=None
        ``"balanced"`` weighs, for each label, its positive and negative rows by
        ``n / (2 * count)`` in the binary cross-entropy, so rare labels count as
        much as frequent ones. ``None`` is the paper's plain loss.
    standardize : bool, default=True
        Centre and scale each input feature with its mean and standard
        deviation over the real (non-padding) steps of the training rows.
    cv : int, cross-validation generator, iterable or None, default=None
        Cross fitting in ``fit_transform`` (as in
        :class:`~sklearn.preprocessing.TargetEncoder`). ``None``: ``fit_transform``
        equals ``fit(X, y).transform(X)``. An int ``K`` (or a splitter):
        ``fit_transform`` returns out-of-fold features, each fold's rows
        transformed by a network trained on the other folds, so that the
        downstream model does not see features of rows whose labels the
        network was trained on. ``fit``/``transform`` always use one network
        trained on all rows. Costs ``K + 1`` trainings. Integer ``K`` uses
        shuffled :class:`~sklearn.model_selection.KFold` folds seeded by
        ``random_state``; every fold network starts from the same seed.
    cv_alignment : {"linear", None}, default="linear"
        Networks trained on different rows learn different feature bases, so
        raw out-of-fold features do not live in the space that ``transform``
        maps test rows to. ``"linear"`` maps each fold network's features into
        the full network's feature space with a least-squares affine map fitted
        on that fold network's own training rows. ``None`` returns the fold
        networks' features unchanged.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, dropout, shuffling and the validation
        split. An int gives the same network (and features) on every fit.
    verbose : int, default=0
        0 is silent; 1 prints Keras' per-epoch progress.

    Attributes
    ----------
    model_ : keras.Model
        The trained network, static feature sequence -> per-label
        probabilities (uncompiled; used for inference only).
    n_features_in_ : int
        Width of ``X`` seen in ``fit``.
    n_steps_ : int
        Number of time steps (``n_steps`` or 1).
    dim_ : int
        Features per step.
    n_outputs_ : int
        Number of sigmoid outputs (labels; classes for multi-class 1-D ``y``).
    mean_ : ndarray of shape (dim,)
        Feature means over real steps (zeros when ``standardize=False``).
    scale_ : ndarray of shape (dim,)
        Feature standard deviations over real steps (ones when
        ``standardize=False``; 1 for constant features).
    n_epochs_ : int
        Epochs run (fewer than ``epochs`` when early stopping stopped).
    best_epoch_ : int
        Epoch (1-based) whose weights were kept: the best validation loss with
        early stopping, else the last epoch.
    history_ : dict of list of float
        Training (and validation) loss per epoch.

    See Also
    --------
    sklearn.preprocessing.TargetEncoder : the cross-fitting scheme of ``cv``.

    Notes
    -----
    Width change in the first residual block: the input (``dim + 1`` wide, with
    the validity channel) is first projected linearly to ``2 * units``
    (``h0``), and both blocks then add their own input,
    ``h_l = BiLSTM_l(h_{l-1}) + h_{l-1}``. The alternative, ``BiLSTM_1(x) + W x``,
    makes the first LSTM read all ``dim`` features (2048 for Inception) at about
    five times the cost, for no gain in expressiveness: ``W`` is learnt either way.

    Pooling: a mean over the real steps (padding masked). Unlike the last
    state, it uses both directions at every step symmetrically, and unlike an
    unmasked mean it does not depend on how many padding steps follow the clip:
    the same clip padded to more steps gives the same features (up to float
    round-off). A row with no real step at all (e.g. an extractor's
    ``on_error="zeros"`` row) is treated as a single step whose features are all
    zero, so its features are finite and constant.

    Reproducibility: every random layer gets its own seed drawn from
    ``random_state``, the mini-batches are shuffled by a generator of their own,
    and no global generator (Python's, NumPy's, TensorFlow's, Keras') is read,
    seeded or restored; with an int ``random_state`` two fits in one process
    give identical features on CPU.

    Examples
    --------
    >>> import numpy as np
    >>> from skmmlc import ResBiLSTMTemporal
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(20, 5 * 3)).astype("float32")  # 5 steps x 3 features
    >>> Y = rng.integers(0, 2, size=(20, 2))
    >>> temporal = ResBiLSTMTemporal(n_steps=5, units=4, dense_units=8, epochs=2,
    ...                              random_state=0)
    >>> temporal.fit_transform(X, Y).shape
    (20, 8)
    """

    _parameter_constraints: dict = {
        "n_steps": [Interval(Integral, 1, None, closed="left"), None],
        "units": [Interval(Integral, 1, None, closed="left")],
        "dense_units": [Interval(Integral, 1, None, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "dense_dropout": [Interval(Real, 0, 1, closed="left")],
        "epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "early_stopping": [StrOptions({"auto"}), "boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "patience": [Interval(Integral, 0, None, closed="left")],
        "class_weight": [StrOptions({"balanced"}), None],
        "standardize": ["boolean"],
        "cv": ["cv_object"],
        "cv_alignment": [StrOptions({"linear"}), None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        n_steps=None,
        *,
        units=32,
        dense_units=128,
        dropout=0.1,
        dense_dropout=0.5,
        epochs=30,
        batch_size=32,
        learning_rate=1e-3,
        early_stopping="auto",
        validation_fraction=0.1,
        patience=5,
        class_weight=None,
        standardize=True,
        cv=None,
        cv_alignment="linear",
        random_state=None,
        verbose=0,
    ):
        self.n_steps = n_steps
        self.units = units
        self.dense_units = dense_units
        self.dropout = dropout
        self.dense_dropout = dense_dropout
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.class_weight = class_weight
        self.standardize = standardize
        self.cv = cv
        self.cv_alignment = cv_alignment
        self.random_state = random_state
        self.verbose = verbose

    # -- scikit-learn API ---------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Train the network on sequences ``X`` and targets ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps * dim)
            Time-major static feature sequences; all-zero steps are padding.
        y : array-like of shape (n_samples, n_labels) or (n_samples,)
            0/1 label indicator matrix, or single-label targets (two classes:
            one binary output; more: one-hot, one output per class).

        Returns
        -------
        self : ResBiLSTMTemporal
            The fitted transformer.
        """
        X, Y, seed = self._prepare_fit(X, y)
        self.model_, info = self._train(X, Y, seed)
        self.n_epochs_, self.best_epoch_, self.history_ = info
        self._feature_model = _feature_model(self.model_)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_transform(self, X, y, **fit_params):
        """Fit, then return features of ``X`` (out-of-fold when ``cv`` is set).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps * dim)
            Time-major static feature sequences; all-zero steps are padding.
        y : array-like of shape (n_samples, n_labels) or (n_samples,)
            Targets, as in :meth:`fit`.
        **fit_params : dict
            Not used; present for API consistency.

        Returns
        -------
        features : ndarray of shape (n_samples, dense_units), float32
            With ``cv=None``, ``fit(X, y).transform(X)``. Otherwise row ``i``
            comes from a network that was not trained on row ``i``.
        """
        if self.cv is None:
            return self.fit(X, y).transform(X)
        X3, Y, seed = self._prepare_fit(X, y)
        self.model_, info = self._train(X3, Y, seed)
        self.n_epochs_, self.best_epoch_, self.history_ = info
        self._feature_model = _feature_model(self.model_)
        full = self._features(self.model_, X3)

        cv = check_cv(self.cv)
        if isinstance(self.cv, Integral):  # shuffled, seeded folds
            cv = KFold(self.cv, shuffle=True, random_state=seed % (2**31 - 1))
        out = np.zeros_like(full)
        seen = np.zeros(X3.shape[0], dtype=bool)
        for train, test in cv.split(X3, Y if Y.shape[1] > 1 else Y[:, 0]):
            model, _ = self._train(X3[train], Y[train], seed)
            feats_test = self._features(model, X3[test])
            if self.cv_alignment == "linear":
                feats_train = self._features(model, X3[train])
                feats_test = _affine_map(feats_train, full[train], feats_test)
            out[test] = feats_test
            seen[test] = True
            del model
        if not seen.all():
            raise ValueError(
                f"cv={self.cv!r} left {int((~seen).sum())} rows out of every test "
                "fold: cross fitting needs a partition of the rows."
            )
        return out

    def transform(self, X):
        """Temporal features: the ReLU layer's output for each row of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps * dim)
            Time-major static feature sequences, same layout as in ``fit``.

        Returns
        -------
        features : ndarray of shape (n_samples, dense_units), float32
        """
        check_is_fitted(self, "model_")
        X = validate_data(self, X, reset=False, dtype=[np.float32, np.float64])
        return self._features(self.model_, self._sequences(X))

    def get_feature_names_out(self, input_features=None):
        """Output feature names: ``resbilstmtemporal0`` ... (``dense_units`` names).

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Ignored; present for API consistency.

        Returns
        -------
        feature_names_out : ndarray of str objects
        """
        check_is_fitted(self, "model_")
        prefix = self.__class__.__name__.lower()
        return np.asarray([f"{prefix}{i}" for i in range(self.dense_units)], dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        tags.target_tags.single_output = True
        tags.target_tags.multi_output = True
        tags.transformer_tags.preserves_dtype = ["float32"]
        tags.non_deterministic = self.random_state is None
        return tags

    # -- pickling -----------------------------------------------------------
    _derived_model_attr = "_feature_model"  # rebuilt after unpickling (KerasPickling)

    @staticmethod
    def _derive_model(model):
        return _feature_model(model)

    # -- internals ----------------------------------------------------------
    def _prepare_fit(self, X, y):
        X, y = validate_data(self, X, y, multi_output=True, dtype=[np.float32, np.float64],
                             y_numeric=False)
        n_features = X.shape[1]
        n_steps = 1 if self.n_steps is None else self.n_steps
        if n_features % n_steps:
            raise ValueError(
                f"X has {n_features} features, which is not a multiple of "
                f"n_steps={n_steps}: X must be (n_samples, n_steps * dim), time-major. "
                "Set n_steps to the extractor's n_steps (or None for one step)."
            )
        self.n_steps_ = n_steps
        self.dim_ = n_features // n_steps
        Y = _encode_targets(y)
        self.n_outputs_ = Y.shape[1]

        X3 = X.reshape(X.shape[0], n_steps, self.dim_)
        self.mean_, self.scale_ = step_scaler(X3, self.standardize)
        seed = draw_seed(self.random_state)
        return self._sequences(X), Y, seed

    def _sequences(self, X):
        """2-D rows -> (n, n_steps, dim + 1) float32: standardised + validity flag."""
        return to_sequences(X, self.n_steps_, self.dim_, self.mean_, self.scale_)

    def _build(self, keras, width, seed):
        """The network. Every random layer gets its own seed drawn from ``seed``.

        Keras draws unseeded layers' seeds from Python's global generator, which
        other threads (a threaded joblib or Dask worker fitting two models at
        once) draw from too; explicit seeds make a fit depend on ``seed`` alone.
        """
        layers, init = keras.layers, keras.initializers
        seeds = seed_stream(seed)
        inputs = keras.Input((None, width), name="sequence")
        h = residual_bilstm(keras, inputs, self.units, self.dropout, seeds)
        pooled = self._pool(keras, h, seeds)
        features = layers.Dense(self.dense_units, activation="relu",
                                kernel_initializer=init.GlorotUniform(seed=next(seeds)),
                                name=FEATURES_LAYER)(pooled)
        d = layers.Dropout(self.dense_dropout, seed=next(seeds), name="dense_dropout")(features)
        outputs = layers.Dense(self.n_outputs_, activation="sigmoid",
                               kernel_initializer=init.GlorotUniform(seed=next(seeds)),
                               name="labels")(d)
        return keras.Model(inputs, outputs, name=self._model_name)

    #: The Keras model's name.
    _model_name = "resbilstm"

    def _pool(self, keras, h, seeds):
        """The sequence ``h`` to one vector: the masked mean over the real steps."""
        return keras.layers.GlobalAveragePooling1D(name="masked_mean")(h)

    def _loss(self, tf, keras, Y):
        if self.class_weight is None:
            return keras.losses.BinaryCrossentropy()
        return weighted_binary_crossentropy(tf, keras, *balanced_label_weights(Y))

    def _train(self, X3, Y, seed):
        """Train one network on (X3, Y); return (model, (n_epochs, best_epoch, history))."""
        tf, keras = _import_tf()
        model, info, _ = fit_network(
            self, lambda keras: self._build(keras, X3.shape[2], seed),
            lambda Y_train: self._loss(tf, keras, Y_train), X3, Y, seed,
            n_steps=X3.shape[1], name=self._model_name,
        )
        return model, info

    def _features(self, model, X3):
        if model is getattr(self, "model_", None):
            return _predict(self._feature_model, X3)
        return _predict(_feature_model(model), X3)


def _feature_model(model):
    """The sub-model from the input to the ReLU features layer (shares weights)."""
    _, keras = _import_tf()
    return keras.Model(model.input, model.get_layer(FEATURES_LAYER).output)


def _affine_map(source_fit, target_fit, source):
    """Least-squares affine map fitted on (source_fit -> target_fit), applied to source."""
    A = np.hstack([source_fit, np.ones((source_fit.shape[0], 1), np.float32)]).astype(np.float64)
    ridge = 1e-6 * max(float(np.trace(A.T @ A)) / A.shape[1], 1e-12)
    coef = np.linalg.solve(A.T @ A + ridge * np.eye(A.shape[1]), A.T @ target_fit)
    B = np.hstack([source, np.ones((source.shape[0], 1), np.float32)]).astype(np.float64)
    return (B @ coef).astype(np.float32)
